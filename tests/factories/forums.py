from coop.forums import services
from coop.forums.registry import room_for

__all__ = ["coop_room", "post", "session_cookie"]


def coop_room(coop):
    """The coop's room (made when first needed)."""
    return room_for(coop)


def post(membership, body="Hello", room=None, **kwargs):
    """A message posted by `membership`'s user in their coop's room (or `room`)."""
    return services.message_post(user=membership.user, room=room or room_for(membership.coop), body=body, **kwargs)


def session_cookie(user):
    """A logged-in session for `user`: the `sessionid` cookie value (for websocket clients)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.UserBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key
