import pytest
from django.urls import reverse

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.services import event_record
from tests.eventlog.helpers import sequence_all
from tests.factories import CoopFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop():
    coop, other = CoopFactory(), CoopFactory()
    for n in range(4):
        event_record(type="assignment.claimed", coop=coop, subject=("tasks.assignment", n), payload={"n": n})
    event_record(type="membership.admitted", coop=coop, subject=("federation.membership", 9), payload={"n": 9})
    event_record(type="assignment.claimed", coop=other, subject=("tasks.assignment", 99), payload={"n": 99})
    sequence_all()
    checkpoint_sign()
    return coop


def test_audit_page_shows_checkpoint_how_to_verify_and_the_coops_events(client, coop, django_assert_num_queries):
    url = reverse("eventlog:audit", args=[coop.slug])
    with django_assert_num_queries(4):  # coop, types, events, checkpoint
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Latest signed checkpoint" in page and "python -m coop.eventlog.verifier --url http://testserver" in page
    # each type in words, with its code kept beside it for the filter and the API
    assert page.count("Task taken<br>") == 4 and "Member admitted<br>" in page
    assert page.count("<code translate=\"no\">assignment.claimed</code>") == 4
    assert "tasks.assignment 99" not in page  # the other coop's event


def test_audit_page_filters_by_type_and_ignores_an_unknown_one(client, coop):
    url = reverse("eventlog:audit", args=[coop.slug])
    page = client.get(url, {"type": "membership.admitted"}).content.decode()
    assert "Task taken<br>" not in page and "Member admitted<br>" in page
    assert '<option value="membership.admitted" selected>Member admitted</option>' in page
    page = client.get(url, {"type": "nope", "before": "x"}).content.decode()
    assert page.count("Task taken<br>") == 4


def test_event_page_shows_the_proof_and_hides_the_payload_from_outsiders(client, coop):
    response = client.get(reverse("eventlog:event", args=[coop.slug, 2]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This event is in the signed checkpoint of 6 events." in page and "badge ok" in page
    assert "The payload is shown to members of this coop only." in page
    assert "Salt" not in page


def test_event_page_shows_the_payload_and_salt_to_a_member(client, coop):
    client.force_login(member(coop).user)
    page = client.get(reverse("eventlog:event", args=[coop.slug, 2])).content.decode()
    assert "&quot;n&quot;: 1" in page and "Salt" in page


def test_event_page_of_another_coops_event_is_404(client, coop):
    assert client.get(reverse("eventlog:event", args=[coop.slug, 6])).status_code == 404
    assert client.get(reverse("eventlog:event", args=[coop.slug, 60])).status_code == 404


LABELLED = [  # (type, English, French): types that had no label before session 8
    ("assignment.upheld", "Rejection upheld by the jury", "Refus maintenu par le jury"),
    ("mturk.hit_created", "MTurk API: HIT created", "API MTurk : HIT créé"),
    ("project.paused", "Project paused", "Projet mis en pause"),
    ("task.slots_added", "Slots added to a task", "Places ajoutées à une tâche"),
]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_audit_pages_show_each_type_in_words_in_the_readers_language(client, language):
    coop = CoopFactory()
    for n, (type_, _en, _fr) in enumerate(LABELLED):
        event_record(type=type_, coop=coop, subject=("tasks.project", n), payload={"n": n})
    event_record(type="retired.type", coop=coop, subject=("tasks.project", 9), payload={"n": 9})
    sequence_all()
    words = {type_: (en if language == "en" else fr) for type_, en, fr in LABELLED}
    page = client.get(reverse("eventlog:audit", args=[coop.slug]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for type_, label in words.items():
        assert f"<td>{label}<br><small" in page  # the row: the words, the code beside them
        assert f'<option value="{type_}" >{label}</option>' in page  # the filter
    # a type without a label (an old one) is shown as its code, in the row and in the filter
    assert '<td><small class="muted" translate="no"><code translate="no">retired.type</code>' in page
    assert '<option value="retired.type" >retired.type</option>' in page
    assert [w for _t, en, fr in LABELLED if (w := fr if language == "en" else en) in page] == []  # not the other's
    for position, (type_, _en, _fr) in enumerate(LABELLED, start=1):
        page = client.get(reverse("eventlog:event", args=[coop.slug, position]),
                          HTTP_ACCEPT_LANGUAGE=language).content.decode()
        heading = f"Event {position}: " if language == "en" else f"Événement {position} : "
        assert f"<h1>{heading}{words[type_]}</h1>" in page and f'<code translate="no">{type_}</code>' in page
