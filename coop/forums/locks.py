"""The only place forum rows are locked."""

from coop.forums.errors import UnknownRoom
from coop.forums.models import Room


def room_for_update(room_id: int):
    """Lock one room row (its sequence counter). Every post, edit and hide of the room takes
    this lock first, so sequence numbers are handed out, and committed, in order."""
    room = Room.objects.select_for_update(of=("self",)).select_related("coop").filter(pk=room_id).first()
    if room is None:
        raise UnknownRoom()
    return room
