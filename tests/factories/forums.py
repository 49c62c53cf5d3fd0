from coop.forums import services
from coop.forums.registry import room_for

__all__ = ["coop_room", "post"]


def coop_room(coop):
    """The coop's room (made when first needed)."""
    return room_for(coop)


def post(membership, body="Hello", room=None, **kwargs):
    """A message posted by `membership`'s user in their coop's room (or `room`)."""
    return services.message_post(user=membership.user, room=room or room_for(membership.coop), body=body, **kwargs)
