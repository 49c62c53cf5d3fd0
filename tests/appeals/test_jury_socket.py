"""Leak 6 (issue 15), the jury room: a juror's socket stops receiving once their seat is
lost (declined, or lapsed and replaced)."""

import pytest

from coop.forums.registry import room_for
from tasks.appeals.services import appeal_draw, appeal_file, seat_decline
from tests.appeals.conftest import STATEMENT, seal
from tests.sockets import committed, connect, join, recv, run

pytestmark = pytest.mark.django_db


def test_a_juror_who_declines_stops_receiving_the_jury_room(case):
    appeal = appeal_file(member=case["worker"], assignment=case["rejected"], statement=STATEMENT)
    seal()
    appeal_draw(appeal_id=appeal.pk)
    juror, other = [seat.juror for seat in appeal.seats.order_by("pk")][:2]
    room = room_for(appeal)

    async def scenario():
        socket = await connect(juror)
        _, joined = await join(socket, room.pk)
        assert joined["type"] == "joined"
        await committed(seat_decline, juror=juror, appeal=appeal)
        assert await recv(socket) == {"type": "left", "room": room.pk, "code": "access_lost",
                                      "message": "You can no longer read this room."}
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        still = await connect(other)
        _, joined = await join(still, room.pk)
        assert joined["type"] == "joined"
        await still.disconnect()

    run(scenario)
