"""Room kinds about other apps' subjects: project rooms (members who may work on it under the
requester's pseudonyms, the requester's staff as the organisation)."""

import pytest
from django.utils import translation

from accounts.models import Notice
from accounts.pseudonyms import worker_pseudonym
from coop.forums import selectors, services
from coop.forums.errors import NotAllowed
from coop.forums.registry import policy_for, room_for
from tests.factories import CoopFactory, member, steward
from tests.factories.tasks import open_project

pytestmark = pytest.mark.django_db


def test_project_room_shows_members_under_the_requesters_pseudonym_and_staff_as_the_organisation():
    alice = member()
    project = open_project(alice.coop)
    staff = project.organisation.owner
    room = room_for(project)
    assert (room.kind, room.coop, room.title) == ("project", alice.coop, project.title)
    assert room_for(project) == room
    question = services.message_post(user=alice.user, room=room, body="Is a kitten a cat?")
    answer = services.message_post(user=staff, room=room, body="Yes!", reply_to=question.pk)
    assert question.author_label == worker_pseudonym(user=alice.user, organisation=project.organisation)
    assert question.author_role == "member" and alice.user.display_name not in question.author_label
    assert (answer.author_label, answer.author_role) == (project.organisation.name, "requester")
    wire = selectors.message_for_reader(answer, user=staff, moderator=False)
    assert wire["reply_to"]["author"] == question.author_label


def test_project_room_readers():
    coop = CoopFactory()
    alice, boss = member(coop), steward(coop)
    project = open_project(coop)
    room = room_for(project)
    policy = policy_for(room)
    assert policy.can_read(room, alice.user) and policy.can_read(room, boss.user)
    assert policy.can_read(room, project.organisation.owner)
    assert not policy.can_read(room, member().user)  # another coop
    other_org_project = open_project(coop)
    assert not policy.can_read(room, other_org_project.organisation.owner)
    with pytest.raises(NotAllowed):
        services.message_post(user=other_org_project.organisation.owner, room=room, body="Hi")
    assert [r.pk for r in selectors.rooms_readable(user=project.organisation.owner)] == [room.pk]
    assert room.pk in [r.pk for r in selectors.rooms_readable(user=alice.user)]


def test_project_room_leaves_out_members_who_may_not_work_on_it_but_not_stewards():
    coop = CoopFactory(params={"banned_data_categories": ["faces"]})
    alice, boss = member(coop), steward(coop)
    project = open_project(coop, data_flags=["faces"])
    room = room_for(project)
    policy = policy_for(room)
    assert not policy.can_read(room, alice.user)
    assert policy.can_read(room, boss.user) and policy.is_moderator(room, boss.user)
    assert room.pk not in [r.pk for r in selectors.rooms_readable(user=alice.user)]


def test_project_room_members_who_must_consent_first_still_take_part():
    alice = member()
    project = open_project(alice.coop, data_flags=["personal_data"])
    room = room_for(project)
    assert policy_for(room).can_read(room, alice.user)


def test_mentions_in_project_rooms_use_pseudonyms():
    alice = member()
    project = open_project(alice.coop)
    room = room_for(project)
    pseudonym = worker_pseudonym(user=alice.user, organisation=project.organisation)
    services.message_post(user=project.organisation.owner, room=room, body=f"Thanks @{pseudonym}!")
    notice = Notice.objects.get(kind="forum.mention")
    assert notice.user == alice.user and project.organisation.name in notice.text


def _proposal(coop, author, status="discussion"):
    from coop.governance.models import Proposal

    return Proposal.objects.create(coop=coop, author=author, title="Raise the floor rate", based_on_version=1,
                                   status=status)


def test_proposal_room_members_discuss_then_voters_write():
    from coop.governance.models import EligibleVoter

    alice = member()
    bob, boss = member(coop=alice.coop), steward(coop=alice.coop)
    proposal = _proposal(alice.coop, alice.user)
    room = room_for(proposal)
    policy = policy_for(room)
    assert (room.kind, room.title, room.coop) == ("proposal", "Raise the floor rate", alice.coop)
    assert policy.can_write(room, bob.user) and not policy.can_read(room, member().user)
    services.message_post(user=bob.user, room=room, body="Good idea")
    # voting opens: the eligible voters are fixed; Bob is not one of them
    EligibleVoter.objects.create(proposal=proposal, user=alice.user, coop=alice.coop)
    proposal.status = "voting"
    proposal.save()
    assert policy.can_read(room, bob.user) and not policy.can_write(room, bob.user)
    assert policy.can_write(room, alice.user) and policy.can_write(room, boss.user)
    with pytest.raises(NotAllowed):
        services.message_post(user=bob.user, room=room, body="Me too")
    assert room.pk in [r.pk for r in selectors.rooms_readable(user=bob.user)]


def test_proposal_room_of_a_draft_is_the_authors_and_federation_proposals_have_none():
    from coop.forums.errors import UnknownRoomKind

    alice = member()
    bob = member(coop=alice.coop)
    room = room_for(_proposal(alice.coop, alice.user, status="draft"))
    assert policy_for(room).can_read(room, alice.user) and not policy_for(room).can_read(room, bob.user)
    assert room.pk not in [r.pk for r in selectors.rooms_readable(user=bob.user)]
    with pytest.raises(UnknownRoomKind):
        room_for(_proposal(None, alice.user))


def _appeal_with_jury(coop, appellant, jurors):
    from datetime import timedelta

    from django.utils import timezone

    from tasks.appeals.models import Appeal, JurySeat

    appeal = Appeal.objects.create(kind="rejection", coop=coop, appellant=appellant, statement="x" * 20,
                                   status="awaiting_draw", rulebook_version=1, jury_size=3, response_hours=24,
                                   juror_pay=200, event_id=0)
    for n, (user, status) in enumerate(jurors):
        JurySeat.objects.create(appeal=appeal, juror=user, draw_index=n, label=f"Juror {'ABC'[n]}",
                                status=status, respond_by=timezone.now() + timedelta(hours=24))
    return appeal


def test_appeal_room_is_for_its_jurors_only_under_their_seat_labels():
    coop = CoopFactory()
    appellant, a, b, declined, boss = member(coop), member(coop), member(coop), member(coop), steward(coop)
    appeal = _appeal_with_jury(coop, appellant.user, [(a.user, "accepted"), (b.user, "invited"),
                                                      (declined.user, "declined")])
    room = room_for(appeal)
    policy = policy_for(room)
    assert (room.kind, room.coop, room.title) == ("appeal", coop, f"Jury #{appeal.pk}")
    assert policy.can_read(room, a.user) and policy.can_read(room, b.user)
    for outsider in (appellant, declined, boss):
        assert not policy.can_read(room, outsider.user)
    assert not policy.is_moderator(room, boss.user)
    message = services.message_post(user=a.user, room=room, body="@Juror B what do you think?")
    assert (message.author_label, message.author_role) == ("A", "juror")  # the seat's letter, in no language
    assert message.author_shown == "Juror A"
    with translation.override("fr"):
        assert message.author_shown == "Juré·e A"
    assert Notice.objects.get(kind="forum.mention").user == b.user
    assert [r.pk for r in selectors.rooms_readable(user=b.user) if r.kind == "appeal"] == [room.pk]
    assert [r for r in selectors.rooms_readable(user=boss.user) if r.kind == "appeal"] == []
