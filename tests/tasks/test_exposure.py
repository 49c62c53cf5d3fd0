"""Disturbing content (issue 23 part 2): the two new data categories need consent and can be
banned by vote; a member is held to the coop's voted daily count and minutes in a row, told why
(the project page, a pause screen, never an error page); such work pays the floor plus the voted
premium; its images are blurred until tapped."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coop.core.errors import DomainError
from coop.governance import services as governance
from tasks.eligibility import MemberContext, eligibility_with
from tasks.exposure import exposure_state, floor_for
from tasks.models import Assignment
from tasks.services import assignment_claim, assignment_submit, data_consent_give
from tests.factories import CoopFactory, member, open_project, published_project
from tests.factories.governance import deadline_pass, proposal_voting, voter

pytestmark = pytest.mark.django_db

VIOLENT = ["violent_or_graphic"]
# every test acts at noon UTC tomorrow (after the coop's rulebook took effect), so no run straddles
# the day's limit at midnight
NOON = (timezone.now().astimezone(timezone.get_fixed_timezone(0)) + timedelta(days=1)).replace(
    hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def coop():
    return CoopFactory(params={"disturbing_tasks_per_day": 3, "disturbing_minutes_in_a_row": 30,
                               "disturbing_pause_minutes": 10, "max_open_assignments": 10})


def consenting(coop, project):
    worker = member(coop).user
    data_consent_give(member=worker, project=project)
    return worker


def work(worker, project, *, at, minutes=2):
    assignment = assignment_claim(member=worker, project=project, now=at)
    return assignment_submit(member=worker, assignment=assignment, answers={"label": "yes"},
                             now=at + timedelta(minutes=minutes))


def codes(worker, project, at=NOON):
    return [r["code"] for r in eligibility_with(ctx=MemberContext(worker, at=at), project=project)]


def test_new_categories_need_consent_like_the_other_flags(coop):
    project = open_project(coop, data_flags=["abuse_material_review"])
    worker = member(coop).user
    assert codes(worker, project) == ["data_consent"]
    data_consent_give(member=worker, project=project)
    assert codes(worker, project) == []


def test_a_coop_bans_a_new_category_by_vote(coop):
    author = voter(coop).user
    for _ in range(3):
        voter(coop)
    proposal = proposal_voting(author=author, changes=[{"kind": "data_category", "category": "violent_or_graphic",
                                                        "action": "ban"}], title="No violent content here")
    governance.ballot_cast(user=author, proposal=proposal, choice="yes")
    assert governance.proposal_close(proposal=deadline_pass(proposal)).status == "adopted"
    project = open_project(coop, data_flags=VIOLENT)
    assert codes(member(coop).user, project) == ["banned_data_category"]


def test_the_daily_limit_stops_the_claim_and_says_why_other_work_stays_open(coop):
    project = open_project(coop, tasks=6, data_flags=VIOLENT)
    plain = open_project(coop, tasks=2)
    worker = consenting(coop, project)
    for n in range(3):  # an hour apart: no stretch reaches the minutes in a row
        work(worker, project, at=NOON - timedelta(hours=3 - n))
    assert codes(worker, project) == ["exposure_daily_limit"]
    assert codes(worker, project, at=NOON + timedelta(hours=13)) == []  # the next day
    with pytest.raises(DomainError) as err:
        assignment_claim(member=worker, project=project, now=NOON)
    assert err.value.extra["reasons"][0]["code"] == "exposure_daily_limit"
    assert "3 tasks with disturbing content today" in err.value.extra["reasons"][0]["message"]
    assert Assignment.objects.filter(member=worker, project=project).count() == 3
    assert assignment_claim(member=worker, project=plain, now=NOON)  # other work is not limited


def test_returned_tasks_count_too_the_member_saw_them(coop):
    from tasks.services import assignment_return

    project = open_project(coop, tasks=6, data_flags=VIOLENT)
    worker = consenting(coop, project)
    for n in range(3):
        at = NOON - timedelta(hours=3 - n)
        assignment_return(member=worker, assignment=assignment_claim(member=worker, project=project, now=at),
                          now=at + timedelta(minutes=1))
    assert codes(worker, project) == ["exposure_daily_limit"]


def test_minutes_in_a_row_ask_for_a_pause_then_the_member_may_go_on(coop):
    project = open_project(coop, tasks=6, data_flags=VIOLENT)
    worker = consenting(coop, project)
    now = NOON
    work(worker, project, at=now - timedelta(minutes=34), minutes=15)  # 34 -> 19 minutes ago
    work(worker, project, at=now - timedelta(minutes=17), minutes=15)  # 17 -> 2 minutes ago: a 32-minute stretch
    state = exposure_state(member=worker, rulebook={"disturbing_tasks_per_day": 3, "disturbing_minutes_in_a_row": 30,
                                                    "disturbing_pause_minutes": 10}, now=now)
    assert state["minutes_in_a_row"] == 32 and state["pause_until"] is not None
    assert codes(worker, project) == ["exposure_pause"]
    with pytest.raises(DomainError):
        assignment_claim(member=worker, project=project, now=now)
    later = now + timedelta(minutes=9)  # the pause counts from the last task's end (2 minutes ago)
    assert assignment_claim(member=worker, project=project, now=later)


def test_a_short_gap_does_not_reset_the_stretch(coop):
    project = open_project(coop, tasks=6, data_flags=VIOLENT)
    worker = consenting(coop, project)
    now = NOON
    work(worker, project, at=now - timedelta(minutes=40), minutes=14)  # ends 26 minutes ago
    work(worker, project, at=now - timedelta(minutes=20), minutes=19)  # a 6-minute gap, shorter than the pause
    assert codes(worker, project) == ["exposure_pause"]


def test_at_the_limit_the_claim_button_shows_a_pause_screen_not_an_error(client, coop, monkeypatch):
    project = open_project(coop, tasks=6, data_flags=VIOLENT)
    worker = consenting(coop, project)
    for n in range(3):
        work(worker, project, at=NOON - timedelta(hours=3 - n))
    monkeypatch.setattr(timezone, "now", lambda: NOON)  # the pages act at the test's noon
    client.force_login(worker)
    page = client.get(reverse("tasks:project", args=[project.pk])).content.decode()
    assert 'data-code="exposure_daily_limit"' in page
    response = client.post(reverse("tasks:claim", args=[project.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "Time for a pause" in body and "exposure_daily_limit" in body


def test_flagged_work_pays_at_least_the_floor_plus_the_voted_premium():
    coop = CoopFactory(params={"floor_hourly_rate": 1200, "disturbing_premium_pct": 25})
    assert floor_for({"floor_hourly_rate": 1200, "disturbing_premium_pct": 25}, VIOLENT) == 1500
    assert floor_for({"floor_hourly_rate": 1200, "disturbing_premium_pct": 25}, ["personal_data"]) == 1200
    with pytest.raises(DomainError) as err:  # 0.45 for 2 minutes = 13.50 an hour: over the floor, under 15.00
        published_project(coop, reward=45, data_flags=VIOLENT)
    assert err.value.code == "below_floor_rate" and err.value.extra["floor_hourly_rate"] == 1500
    assert published_project(coop, reward=45).status == "open"  # unflagged: the plain floor
    assert published_project(coop, reward=50, data_flags=VIOLENT).status == "open"


def test_a_premium_under_the_federations_is_refused():
    from coop.federation import rulebook as spec

    bounds = spec.default_federation_bounds()
    params = spec.default_parameters()
    params["disturbing_premium_pct"] = 10
    with pytest.raises(DomainError):
        spec.validate_parameters(params, bounds)


def test_images_of_flagged_work_are_blurred_until_tapped(client, coop):
    project = open_project(coop, tasks=2, data_flags=VIOLENT)
    worker = consenting(coop, project)
    assignment = assignment_claim(member=worker, project=project)
    client.force_login(worker)
    body = client.get(reverse("tasks:assignment", args=[assignment.pk])).content.decode()
    assert 'class="task-image blurred"' in body and 'class="reveal-toggle"' in body
    plain = open_project(coop, tasks=1)
    other = assignment_claim(member=worker, project=plain)
    assert "blurred" not in client.get(reverse("tasks:assignment", args=[other.pk])).content.decode()


BOXES_AND_PAIR = [
    {"name": "boxes", "type": "bounding_boxes", "label": "Box every car", "image": "image_url", "classes": ["car"],
     "min": 0, "max": 5, "required": False},
    {"name": "better", "type": "comparison", "label": "Which is worse?", "items": "image", "left": "image_url",
     "right": "image_url"},
]


def test_pictures_to_draw_boxes_on_and_to_compare_are_blurred_too_without_javascript(client, coop):
    """Issue 20: a bounding-box picture is blurred until its checkbox (before the drawing stage)
    is ticked; the pictures of a comparison are blurred like the others. No script is involved:
    the page as served keeps them blurred."""
    project = open_project(coop, tasks=1, data_flags=VIOLENT, question_form=BOXES_AND_PAIR)
    worker = consenting(coop, project)
    assignment = assignment_claim(member=worker, project=project)
    client.force_login(worker)
    body = client.get(reverse("tasks:assignment", args=[assignment.pk])).content.decode()
    assert 'class="bbox reveal-area"' in body and 'class="bbox-image blurred"' in body
    toggle = body.index('id="reveal-boxes"')
    assert toggle < body.index('class="bbox-stage"') and 'for="reveal-boxes"' in body
    assert body.count('class="task-image blurred"') == 2  # both sides of the comparison
    french = client.get(reverse("tasks:assignment", args=[assignment.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Floutée" in french.content.decode() or "flout" in french.content.decode().lower()
    owner = project.organisation.staff.first().user
    assignment_submit(member=worker, assignment=assignment, answers={"boxes": [], "better": "left"})
    client.force_login(owner)
    review = client.get(reverse("tasks:requester_assignment", args=[assignment.pk])).content.decode()
    assert 'class="bbox-image blurred"' in review
    plain = open_project(coop, tasks=1, question_form=BOXES_AND_PAIR)
    client.force_login(worker)
    other = assignment_claim(member=worker, project=plain)
    page = client.get(reverse("tasks:assignment", args=[other.pk])).content.decode()
    assert "blurred" not in page and "reveal-toggle" not in page
