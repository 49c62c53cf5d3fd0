"""The work socket `/ws/work/` (issue 18): an active member sees work open without polling.

Through the whole ASGI stack (origin check, session, routing), on SQLite and PostgreSQL alike
(tests/sockets.py: the consumers see the test's transaction; `committed` runs the pushes)."""

import pytest
from django.utils import timezone

from coop.federation.models import Membership
from tasks.models import Project
from tests.factories import CoopFactory, member, published_project, steward
from tests.sockets import committed, connect, handshake, recv, run

pytestmark = pytest.mark.django_db

WORK = "/ws/work/"


async def ready(user):
    socket = await connect(user, WORK)
    frame = await recv(socket)
    assert frame["type"] == "ready", frame
    return socket, frame


def test_anonymous_non_members_and_foreign_origins_are_refused():
    coop = CoopFactory()
    applicant = member(coop, status=Membership.Status.APPLICANT).user
    suspended = member(coop, status=Membership.Status.SUSPENDED).user
    alice = member(coop).user

    async def scenario():
        socket = await connect(None, WORK)
        assert (await recv(socket))["code"] == "not_authenticated"
        assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
        for user in (applicant, suspended):
            socket = await connect(user, WORK)
            assert (await recv(socket))["code"] == "not_a_member"
            assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
        _, accepted = await handshake(alice, WORK, origin=b"http://evil.example")
        assert not accepted

    run(scenario)


def test_members_of_the_coop_are_told_when_a_project_opens_and_no_one_else():
    coop, other = CoopFactory(), CoopFactory()
    alice, boss = member(coop).user, steward(coop).user
    outsider = member(other).user

    async def scenario():
        sockets = {}
        for name, user in (("alice", alice), ("boss", boss), ("outsider", outsider)):
            sockets[name], frame = await ready(user)
            assert frame["coop"] == (other.pk if name == "outsider" else coop.pk)
        project = await committed(published_project, coop, tasks=5, title="Count the owls", reward=90,
                                  estimated_minutes=3)
        for name in ("alice", "boss"):
            frame = await recv(sockets[name])
            assert frame["type"] == "work_opened" and frame["kind"] == "published", frame
            assert (frame["project"], frame["title"], frame["remaining"], frame["reward"], frame["hourly"]) == (
                project.pk, "Count the owls", 5, 90, 1800)
            assert frame["url"] == f"/work/projects/{project.pk}/"
            assert frame["opened_at"] <= frame["sent_at"]  # stamped when sent, after the commit
        assert await sockets["outsider"].receive_nothing(timeout=0.2)
        for socket in sockets.values():
            await socket.disconnect()

    run(scenario)


def test_a_new_batch_and_a_resumed_project_are_pushed_too():
    from tasks.services import project_pause, project_resume, tasks_add

    coop = CoopFactory()
    alice = member(coop).user
    project = published_project(coop, tasks=2)
    owner = project.organisation.owner

    async def scenario():
        socket, _ = await ready(alice)
        await committed(tasks_add, actor=owner, project=project, rows=[{"image_url": "https://img.example/x.jpg"}] * 3)
        added = await recv(socket)
        assert (added["kind"], added["project"], added["remaining"]) == ("tasks_added", project.pk, 5)
        await committed(project_pause, actor=owner, project=project)
        assert await socket.receive_nothing(timeout=0.2)  # pausing opens nothing
        await committed(project_resume, actor=owner, project=project)
        resumed = await recv(socket)
        assert (resumed["kind"], resumed["project"]) == ("resumed", project.pk)
        await socket.disconnect()

    run(scenario)


def test_a_socket_catches_up_on_what_opened_while_it_was_away():
    coop = CoopFactory()
    alice = member(coop).user
    before = timezone.now()
    first = published_project(coop, tasks=1, title="First")
    second = published_project(coop, tasks=1, title="Second")
    Project.objects.filter(pk=first.pk).update(batch_opened_at=before + timezone.timedelta(seconds=1))
    Project.objects.filter(pk=second.pk).update(batch_opened_at=before + timezone.timedelta(seconds=2))
    published_project(CoopFactory(), tasks=1, title="Another coop's")

    async def scenario():
        socket, _ = await ready(alice)
        await socket.send_json_to({"type": "catch_up", "since": before.isoformat()})
        got = [await recv(socket) for _ in range(3)]
        assert [f.get("title") for f in got[:2]] == ["First", "Second"]
        assert got[2] == {"type": "caught_up", "more": False}
        later = (before + timezone.timedelta(seconds=1)).isoformat()
        await socket.send_json_to({"type": "catch_up", "since": later})
        assert (await recv(socket))["title"] == "Second"
        assert (await recv(socket))["type"] == "caught_up"
        for bad in ({"type": "catch_up", "since": "yesterday"}, {"type": "catch_up", "since": "2026-12-05T00:00:00"},
                    {"type": "catch_up"}):
            await socket.send_json_to(bad)
            assert (await recv(socket))["code"] == "bad_frame", bad
        await socket.send_to(text_data="{not json")
        assert (await recv(socket))["code"] == "unknown_type"
        await socket.send_to(text_data="x" * 5000)
        assert (await recv(socket))["code"] == "bad_frame"
        await socket.send_json_to({"type": "ping"})
        assert (await recv(socket)) == {"type": "pong"}
        await socket.disconnect()

    run(scenario)


def test_a_suspended_member_is_closed_at_once_and_told_nothing_more():
    from coop.federation.services import membership_suspend

    coop = CoopFactory()
    alice = member(coop)
    boss = steward(coop).user

    async def scenario():
        socket, _ = await ready(alice.user)
        await committed(membership_suspend, steward=boss, membership=alice, article_number=2,
                        reason="Threats in the coop room")
        frame = await recv(socket)
        assert (frame["type"], frame["code"]) == ("closed", "access_lost")
        assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
        await committed(published_project, coop, tasks=1)
        assert await socket.receive_nothing(timeout=0.2)

    run(scenario)
