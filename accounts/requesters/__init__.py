"""The requester side of accounts: organisations, terms, staff, invitations, API keys.

Models live in `accounts.models`, reads in `accounts.selectors` (the names other apps call),
writes in `accounts.requesters.services`; pages in `views.py`, the API in `api.py`."""
