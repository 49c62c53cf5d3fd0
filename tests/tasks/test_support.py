"""Support for members doing disturbing work (issue 23 part 2): a coop-level support contact
stewards set (shown on the pause screen, next to the exposure-limit notice, on the members'
support page reached from their menu) and a private forum room only for the members who did
work with disturbing content."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coop.core.errors import DomainError
from coop.eventlog.models import Event
from coop.federation.models import Coop
from coop.federation.services import coop_support_contact_set
from coop.forums import services as forums
from coop.forums.registry import policy_for
from coop.forums.selectors import rooms_readable
from tasks.exposure import did_disturbing_work
from tests.factories import CoopFactory, member, open_project, steward
from tests.factories.qualifications import decided_assignment
from tests.tasks.test_exposure import NOON, VIOLENT, consenting, work

pytestmark = pytest.mark.django_db

CONTACT = "Dr Rasoa, counsellor: +261 34 11 222 33, weekdays 8-17"


@pytest.fixture
def coop():
    return CoopFactory(params={"disturbing_tasks_per_day": 3, "disturbing_minutes_in_a_row": 30,
                               "disturbing_pause_minutes": 10, "max_open_assignments": 10})


def test_coop_support_contact_set_by_a_steward_records_its_event_without_the_text(coop):
    boss = steward(coop).user
    coop_support_contact_set(steward=boss, coop=coop, text=f"  {CONTACT}  ")
    assert Coop.objects.get(pk=coop.pk).support_contact == CONTACT
    event = Event.objects.get(type="coop.support_contact_set")
    assert event.payload_json["set"] is True and CONTACT not in str(event.payload_json)


@pytest.mark.parametrize("text", ["x" * 501, "a\x00b"])
def test_coop_support_contact_set_bad_text_changes_nothing(coop, text):
    boss = steward(coop).user
    with pytest.raises(DomainError) as err:
        coop_support_contact_set(steward=boss, coop=coop, text=text)
    assert err.value.code == "invalid_support_contact"
    assert Coop.objects.get(pk=coop.pk).support_contact == "" and not Event.objects.filter(
        type="coop.support_contact_set").exists()


def test_only_a_steward_of_the_coop_sets_it(coop):
    for outsider in (member(coop).user, steward(CoopFactory()).user):
        with pytest.raises(DomainError):
            coop_support_contact_set(steward=outsider, coop=coop, text=CONTACT)
    assert Coop.objects.get(pk=coop.pk).support_contact == ""


def test_the_steward_page_saves_it(client, coop):
    boss = steward(coop).user
    client.force_login(boss)
    assert client.get(reverse("federation:steward_support")).status_code == 200
    response = client.post(reverse("federation:steward_support"), {"support_contact": CONTACT})
    assert response.status_code == 302 and Coop.objects.get(pk=coop.pk).support_contact == CONTACT
    response = client.post(reverse("federation:steward_support"), {"support_contact": "y" * 600})
    assert response.status_code == 200 and Coop.objects.get(pk=coop.pk).support_contact == CONTACT


def test_the_pause_screen_and_the_limit_notice_lead_to_the_contact(client, coop, monkeypatch):
    coop_support_contact_set(steward=steward(coop).user, coop=coop, text=CONTACT)
    project = open_project(coop, tasks=6, data_flags=VIOLENT)
    worker = consenting(coop, project)
    for n in range(3):
        work(worker, project, at=NOON - timedelta(hours=3 - n))
    monkeypatch.setattr(timezone, "now", lambda: NOON)
    client.force_login(worker)
    page = client.get(reverse("tasks:project", args=[project.pk])).content.decode()
    assert 'data-code="exposure_daily_limit"' in page and reverse("tasks:support") in page
    feed = client.get(reverse("tasks:feed")).content.decode()
    assert 'data-code="exposure_daily_limit"' in feed and reverse("tasks:support") in feed
    pause = client.post(reverse("tasks:claim", args=[project.pk])).content.decode()
    assert "Time for a pause" in pause and "+261 34 11 222 33" in pause
    menu = client.get(reverse("tasks:feed")).content.decode().split('id="menu"')[1].split("</nav>")[0]
    assert reverse("tasks:support") in menu
    support = client.get(reverse("tasks:support")).content.decode()
    assert "+261 34 11 222 33" in support and "You took 3 of the 3 tasks" in support


def test_the_support_room_is_only_for_members_who_did_disturbing_work(client, coop):
    flagged, plain = open_project(coop, data_flags=VIOLENT), open_project(coop)
    did, did_plain_only, boss = member(coop).user, member(coop).user, steward(coop).user
    decided_assignment(did, flagged, "returned")  # even a task given back: they saw the item
    decided_assignment(did_plain_only, plain, "approved")
    assert did_disturbing_work(member=did, coop_id=coop.pk)
    assert not did_disturbing_work(member=did_plain_only, coop_id=coop.pk)
    assert not did_disturbing_work(member=did, coop_id=CoopFactory().pk)  # another coop's work does not count

    client.force_login(did)
    page = client.get(reverse("tasks:support")).content.decode()
    room = forums.support_room_for(coop=coop)
    assert reverse("forums:room", args=[room.pk]) in page
    assert forums.support_room_for(coop=coop).pk == room.pk  # one per coop
    forums.message_post(user=did, room=room, body="Rough day. Anyone else on the video queue?")

    policy = policy_for(room)
    assert policy.can_read(room, did) and not policy.can_read(room, did_plain_only)
    assert not policy.can_read(room, boss) and not policy.is_moderator(room, boss)  # stewards too need the work
    with pytest.raises(DomainError):
        forums.message_post(user=did_plain_only, room=room, body="Let me in")
    assert room.pk in {r.pk for r in rooms_readable(user=did)}
    assert room.pk not in {r.pk for r in rooms_readable(user=did_plain_only)}

    client.force_login(did_plain_only)
    assert reverse("forums:room", args=[room.pk]) not in client.get(reverse("tasks:support")).content.decode()
    assert client.get(reverse("forums:room", args=[room.pk])).status_code in (403, 404)
