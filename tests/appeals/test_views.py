from html import unescape

import pytest
from django.urls import reverse

from tasks.appeals.models import Appeal, JurySeat
from tasks.appeals.services import appeal_file
from tests.appeals.conftest import REASON, STATEMENT
from tests.factories import steward

pytestmark = pytest.mark.django_db





def test_member_files_an_appeal_from_the_page_and_bad_input_keeps_the_form(client, case):
    client.force_login(case["worker"])
    page = client.get(reverse("appeals:mine"))
    assert page.status_code == 200 and case["project"].title in page.content.decode()
    url = reverse("appeals:file", args=[case["rejected"].pk])
    bad = client.post(url, {"statement": "unfair"})
    assert bad.status_code == 200 and "20 characters" in bad.content.decode()
    assert not Appeal.objects.exists()
    done = client.post(url, {"statement": STATEMENT})
    appeal = Appeal.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("appeals:detail", args=[appeal.pk])


def test_someone_elses_rejection_is_not_found(client, case):
    client.force_login(case["members"][4])
    assert client.get(reverse("appeals:file", args=[case["rejected"].pk])).status_code == 404
    assert client.post(reverse("appeals:file", args=[case["rejected"].pk]), {"statement": STATEMENT}).status_code == 404


def test_jurors_see_the_case_without_names_and_vote_on_the_page(client, drawn):
    juror = drawn["jurors"][0]
    worker = drawn["worker"]
    client.force_login(juror)
    url = reverse("appeals:jury", args=[drawn["appeal"].pk])
    page = client.get(url).content.decode()
    assert STATEMENT in page and "skips the second half" in page
    for secret in (worker.email, worker.profile.display_name, drawn["owner"].email):
        assert secret not in page
    client.post(url, {"action": "accept"})
    bad = client.post(url, {"action": "vote", "vote": "overturn", "reason": "ok"})
    assert bad.status_code == 200 and not JurySeat.objects.filter(status="voted").exists()
    client.post(url, {"action": "vote", "vote": "overturn", "reason": REASON})
    assert JurySeat.objects.get(appeal=drawn["appeal"], juror=juror).vote == "overturn"


def test_outsiders_do_not_see_an_appeal(client, drawn):
    appeal = drawn["appeal"]
    outsider = next(m for m in drawn["members"] if m.pk not in appeal.draw_order[:3] and m != drawn["worker"])
    client.force_login(outsider)
    assert client.get(reverse("appeals:detail", args=[appeal.pk])).status_code == 404
    assert client.get(reverse("appeals:jury", args=[appeal.pk])).status_code == 404
    client.force_login(steward().user)  # a steward of another coop
    assert client.get(reverse("appeals:detail", args=[appeal.pk])).status_code == 404
    client.force_login(outsider)  # a member, not a steward
    assert client.get(reverse("appeals:steward")).status_code == 404


def test_decision_and_reasons_shown_to_member_and_requester(client, drawn):
    appeal = drawn["appeal"]
    for juror in drawn["jurors"]:
        client.force_login(juror)
        client.post(reverse("appeals:jury", args=[appeal.pk]), {"action": "accept"})
        client.post(reverse("appeals:jury", args=[appeal.pk]), {"action": "vote", "vote": "overturn", "reason": REASON})
    expected = {drawn["worker"]: "You won: $120.00 paid to your wallet.",
                drawn["owner"]: "The jury overturned your rejection: the member was paid $120.00"}
    for user, words in expected.items():
        client.force_login(user)
        page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
        assert words in page and REASON in page
    # the requester sees no juror or member names
    for juror in drawn["jurors"]:
        assert juror.email not in page and juror.profile.display_name not in page


def test_feed_and_project_page_show_the_requesters_record(client, case):
    from tasks.appeals.scorecards import scorecard_refresh

    scorecard_refresh(organisation_id=case["project"].organisation_id)
    client.force_login(case["members"][3])
    feed = client.get(reverse("tasks:feed")).content.decode()
    assert "record: paid" in feed and "50% rejected, 0 appeals lost" in feed
    page = client.get(reverse("tasks:project", args=[case["project"].pk])).content.decode()
    assert reverse("appeals:record", args=[case["project"].organisation.slug]) in page
    assert reverse("appeals:flag", args=[case["project"].pk]) in page


def test_rejected_work_page_offers_the_appeal(client, case):
    client.force_login(case["worker"])
    page = client.get(reverse("tasks:assignment", args=[case["rejected"].pk])).content.decode()
    assert reverse("appeals:file", args=[case["rejected"].pk]) in page
    appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    page = client.get(reverse("tasks:assignment", args=[case["rejected"].pk])).content.decode()
    assert reverse("appeals:detail", args=[Appeal.objects.get().pk]) in page


def test_a_drafts_title_shows_on_no_flag_or_review_page(client):
    """Leak 5 (issue 15): /appeals/projects/<id>/flag/ showed an unpublished draft's title to
    members of its coop. Drafts are the requester's alone."""
    from tasks.services import project_create
    from tests.factories import CoopFactory, member, organisation, project_fields

    coop = CoopFactory()
    org = organisation()
    draft = project_create(actor=org.owner, organisation=org, coop=coop,
                           **project_fields(title="Secret launch of our new product"))
    for user in (member(coop).user, steward(coop=coop).user, organisation().owner):
        client.force_login(user)
        for name in ("appeals:flag", "appeals:review"):
            response = client.get(reverse(name, args=[draft.pk]))
            assert response.status_code == 404, (name, user)
            assert "Secret launch" not in response.content.decode()
        flagged = client.post(reverse("appeals:flag", args=[draft.pk]), {"kind": "other", "comment": "x"})
        assert flagged.status_code == 404


def _vote_all(client, appeal, jurors, vote):
    for juror in jurors:
        client.force_login(juror)
        client.post(reverse("appeals:jury", args=[appeal.pk]), {"action": "accept"})
        client.post(reverse("appeals:jury", args=[appeal.pk]), {"action": "vote", "vote": vote, "reason": REASON})


def test_an_upheld_appeal_says_who_won_and_where_the_money_went_in_each_language(client, drawn):
    appeal = drawn["appeal"]
    _vote_all(client, appeal, drawn["jurors"], "uphold")
    client.force_login(drawn["worker"])
    page = unescape(client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode())
    assert "The requester's rejection stands; the money went back to them." in page
    assert "0 of 3 jurors voted for the member." in page
    french = client.get(reverse("appeals:detail", args=[appeal.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    body = unescape(french.content.decode())
    assert "Le refus du demandeur est maintenu ; l'argent lui est revenu." in body and "annulée" not in body
    client.force_login(drawn["jurors"][0])
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "You were paid $2.00 for sitting on this jury." in page


def test_the_jury_page_asks_one_thing_at_a_time_and_explains_the_draw(client, drawn):
    appeal, juror = drawn["appeal"], drawn["jurors"][0]
    client.force_login(juror)
    url = reverse("appeals:jury", args=[appeal.pk])
    first = client.get(url).content.decode()
    assert 'value="accept"' in first and 'id="vote"' not in first
    assert client.post(url, {"action": "vote", "vote": "overturn", "reason": REASON}).status_code == 200
    assert not JurySeat.objects.filter(juror=juror, status="voted").exists()  # no vote before accepting
    client.post(url, {"action": "accept"})
    second = client.get(url).content.decode()
    assert 'value="accept"' not in second and 'id="vote"' in second
    for jargon in ("Seed", "checkpoint", "docs/appeals"):
        assert jargon not in second
    assert reverse("appeals:draw", args=[appeal.pk]) in second
    draw = client.get(reverse("appeals:draw", args=[appeal.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Pourquoi le tirage est fiable" in draw and appeal.seed in draw
    assert "Graine" not in draw and "point de contrôle" not in draw
    client.force_login(next(m for m in drawn["members"] if m.pk not in appeal.draw_order[:3]
                            and m != drawn["worker"]))
    assert client.get(reverse("appeals:draw", args=[appeal.pk])).status_code == 404
