"""Which payload each reader sees (docs/eventlog.md "Who sees what"; issue 15).

Requesters (leak 2): a payload naming their organisation, reduced to an allowlist of keys.
Member identities under `MEMBER_KEYS` become the per-organisation worker pseudonym; every
other key not in `REQUESTER_KEYS` is dropped, so a new payload key (a seat, a wallet, a
membership...) stays hidden until someone decides it is safe. A payload filed under a member's
own row (`MEMBER_SUBJECTS`: its id is in the public envelope) is never shown to a requester:
the pseudonym beside that id would let requesters join their pseudonyms across organisations.

Members (leak 3): the payloads of their coop's events, except money that went into or out of
one member's wallet (`register_personal`): only that member sees it (and, for payouts, the
coop's stewards, who settle them). Everyone else gets the envelope and the leaf only
(`payload_view` "withheld"), so the chain still verifies for everyone.

The event log is a lower layer: the apps that record money events register them here from
their `AppConfig.ready()` (the ledger and the marketplace), with a resolver when the owner must
be looked up from an id in the payload. The worker pseudonym itself is accounts' (a layer above):
`accounts.apps` registers it with `register_pseudonym`."""

from dataclasses import dataclass

_PSEUDONYM = []


def register_pseudonym(function):
    """`function(*, user, organisation) -> str`: the worker pseudonym shown to requesters
    (accounts.pseudonyms.worker_pseudonym, registered from `AccountsConfig.ready()`)."""
    _PSEUDONYM[:] = [function]


def worker_pseudonym(*, user, organisation):
    return _PSEUDONYM[0](user=user, organisation=organisation)

# payload keys that hold a member's user id: shown to requesters as their worker pseudonym
MEMBER_KEYS = ("actor", "member", "user", "author", "appellant", "juror")

# payload keys a requester may read as they are: ids of the requester's own objects and the
# work, amounts the requester paid, codes and counts
REQUESTER_KEYS = frozenset({
    "organisation", "project", "task", "tasks", "assignment", "appeal", "bonus", "import", "qualification",
    "qualifications", "test", "invitation", "staff", "role", "api_key", "keys_revoked", "fields", "version",
    "kind", "reason", "decision", "rulebook_version", "reward", "amount", "refunded", "slots", "auto", "seconds",
    "revision", "flags", "resumed", "uphold", "overturn", "rejections", "batch", "member_day", "pct_limit",
    "member_day_limit", "coop",
})

# subject types whose id is a member's internal id (a user, membership, profile, jury seat,
# payout or wallet account)
MEMBER_SUBJECTS = frozenset({
    "accounts.user", "accounts.memberprofile", "federation.membership", "appeals.juryseat", "ledger.payout",
    "ledger.account", "accounts.dataexport",
})


def requester_payload(payload, *, organisation_id, subject_type):
    """The payload as a requester of `organisation_id` reads it, or None when they may not."""
    if payload.get("organisation") != organisation_id or subject_type in MEMBER_SUBJECTS:
        return None
    shown = {}
    for key, value in payload.items():
        if key in MEMBER_KEYS:
            shown[key] = _pseudonymise(value, organisation_id)
        elif key in REQUESTER_KEYS:
            shown[key] = value
    return shown


def _pseudonymise(value, organisation_id):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | str):
        return worker_pseudonym(user=value, organisation=organisation_id)
    if isinstance(value, list):
        return [_pseudonymise(v, organisation_id) for v in value]
    return None


# --- personal money -----------------------------------------------------------------------

@dataclass(frozen=True)
class Personal:
    owner_key: str  # the payload key that names the owner, or the id a resolver turns into one
    resolver: str | None = None
    stewards: bool = False  # the coop's stewards see it too (they settle payouts)


PERSONAL = {}
RESOLVERS = {}


def register_personal(*types, owner_key, resolver=None, stewards=False):
    """Events of these types move one member's money: their payload is that member's only."""
    for type_ in types:
        PERSONAL[type_] = Personal(owner_key=owner_key, resolver=resolver, stewards=stewards)


def register_owner_resolver(name, fn):
    """`fn(ids)` -> {id: user id}, one query for a page of events."""
    RESOLVERS[name] = fn


def owners_resolve(items):
    """{(resolver, id): user id} for `(event type, payload)` pairs that need a lookup."""
    wanted = {}
    for type_, payload in items:
        spec = PERSONAL.get(type_)
        if spec is None or spec.resolver is None:
            continue
        value = payload.get(spec.owner_key)
        if isinstance(value, int) and not isinstance(value, bool):
            wanted.setdefault(spec.resolver, set()).add(value)
    found = {}
    for name, ids in wanted.items():
        for pk, user_id in RESOLVERS[name](ids).items():
            found[(name, pk)] = user_id
    return found


def member_may_read(*, type, payload, coop_id, user_id, steward_coop_ids, owners):
    """Whether a member of the event's coop may read this payload (False: withheld)."""
    spec = PERSONAL.get(type)
    if spec is None:
        return True
    if spec.stewards and coop_id in steward_coop_ids:
        return True
    value = payload.get(spec.owner_key)
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    owner = owners.get((spec.resolver, value)) if spec.resolver else value
    return owner is not None and owner == user_id
