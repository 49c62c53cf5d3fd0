"""One vocabulary for who may do what in Atelier (docs/security.md).

Every app builds its own object checks (who reads this room, this project, this appeal) on
these few facts, and nothing else re-derives them:

- the **federation operator** is a user with `is_staff` (`is_operator`, `operator_require`);
- an **active member** of a coop holds an active membership there (`membership_active_of`,
  `member_require`); applicants, declined applicants, suspended members and people who left
  are not active members;
- an **active steward** of a coop is an active member with the steward role (`is_steward`,
  `steward_require`, `stewardship_of`, `steward_coop_ids`): a suspended or departed steward has no steward power;
- **requester staff** are users on the staff of an organisation (`is_requester_staff`,
  `requester_staff_require`);
- **governance** (proposals, named votes, tallies, proposal rooms) is for the coop's active
  members (`governance_membership`); the coop's rulebook is public to everyone;
- an **API key** acts for its organisation within its scopes: every API view declares the
  scope it needs (`required_scope`), and `HasKeyScope` (in every view's permission classes)
  holds keys to it; a view that declares none is closed to keys. Sessions are unaffected.

Predicates (`is_*`) return booleans. `*_require` raise a DomainError (403) naming the rule,
or the error the caller passes (some places answer 404 so as not to reveal that a thing
exists). The decorators at the end are the same checks for pages."""

import logging
from functools import wraps

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated

from accounts.errors import (
    ApiKeyNotAllowed,
    ApiKeyScopeMissing,
    NotOrganisationStaff,
    OrganisationRoleRequired,
    PasswordConfirmationRequired,
    WrongPassword,
)
from accounts.models import ApiKey, MemberApiKey, OrganisationStaff
from coop.core.errors import Forbidden
from coop.eventlog import selectors as eventlog_selectors
from coop.federation.errors import NotAMember, NotASteward
from coop.federation.models import Membership

logger = logging.getLogger(__name__)


def _user_id(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


# --- the federation operator --------------------------------------------------------------

def is_operator(user):
    """The federation operator: a logged-in user with `is_staff` (the only use of that flag)."""
    return _user_id(user) is not None and bool(getattr(user, "is_staff", False))


def operator_require(user, *, error=None):
    """Raise `error` (default Forbidden `operator_only`) unless `user` is the operator."""
    if not is_operator(user):
        raise error if error is not None else Forbidden("operator_only", _("Only the federation operator may do this."))


# --- members and stewards --------------------------------------------------------------------

def membership_active_of(user, *, coop_id=None):
    """The user's active membership (of `coop_id` when given), or None."""
    user_id = _user_id(user)
    if user_id is None:
        return None
    qs = Membership.objects.active().filter(user_id=user_id)
    if coop_id is not None:
        qs = qs.filter(coop_id=coop_id)
    return qs.select_related("coop").first()


def member_require(user, *, coop_id=None, error=None):
    """The user's active membership (of `coop_id` when given), or `error` (default NotAMember)."""
    membership = membership_active_of(user, coop_id=coop_id)
    if membership is None:
        raise error if error is not None else NotAMember()
    return membership


def is_steward(user, *, coop_id):
    """The one check of "an active steward of this coop"."""
    user_id = _user_id(user)
    return user_id is not None and Membership.objects.stewards().filter(user_id=user_id, coop_id=coop_id).exists()


def steward_require(user, *, coop_id, error=None):
    """Raise `error` (default NotASteward) unless `user` is an active steward of the coop."""
    if not is_steward(user, coop_id=coop_id):
        raise error if error is not None else NotASteward()


def steward_coop_ids(user):
    """The ids of the coops where `user` is an active steward, in id order (empty for anyone else)."""
    user_id = _user_id(user)
    if user_id is None:
        return []
    return list(Membership.objects.stewards().filter(user_id=user_id).order_by("coop_id")
                .values_list("coop_id", flat=True))


def stewardship_of(user):
    """The user's active steward membership (its coop is the one their steward pages show), or None."""
    user_id = _user_id(user)
    if user_id is None:
        return None
    return Membership.objects.stewards().select_related("coop").filter(user_id=user_id).first()


def stewards_of(coop_id):
    """The users who are active stewards of the coop (who gets a steward's notices)."""
    return [m.user for m in Membership.objects.stewards().filter(coop_id=coop_id).select_related("user")]


# --- governance ----------------------------------------------------------------------------

def governance_membership(user):
    """The membership through which `user` reads governance (their coop's proposals, named
    votes and tallies, and the federation-wide ones): their active membership, or None.
    Applicants, declined applicants, suspended members and people who left read none; the
    rulebook in force is public (`coop.federation.views.rulebook`)."""
    return membership_active_of(user)


# --- readers of the event log ---------------------------------------------------------------

def event_reader_for(*, user, auth=None) -> eventlog_selectors.Reader:
    """Who is reading: the coops whose payloads they see (active membership) and the requester
    organisations they act for (an API key acts for its organisation only)."""
    organisation = getattr(auth, "organisation", None)
    if organisation is not None:
        return eventlog_selectors.Reader(organisation_ids=frozenset([organisation.pk]))
    if not getattr(user, "is_authenticated", False):
        return eventlog_selectors.ANONYMOUS
    coops = list(Membership.objects.active().filter(user=user).values_list("coop_id", "role", "status"))
    orgs = OrganisationStaff.objects.filter(user=user).values_list("organisation_id", flat=True)
    return eventlog_selectors.Reader(
        coop_ids=frozenset(c for c, _r, _s in coops), organisation_ids=frozenset(orgs), user_id=user.pk,
        steward_coop_ids=frozenset(c for c, r, s in coops if Membership.steward_state(role=r, status=s)))


# --- requester staff -------------------------------------------------------------------------

def is_requester_staff(user, *, organisation_id):
    """Is `user` on the staff of the organisation (any role)?"""
    user_id = _user_id(user)
    return user_id is not None and OrganisationStaff.objects.filter(
        user_id=user_id, organisation_id=organisation_id).exists()


def requester_staff_require(user, *, organisation_id: int, role: str | None = None,
                            error: Exception | None = None) -> OrganisationStaff:
    """The staff row of `user` in the organisation (one query). Raise `error` (default
    `NotOrganisationStaff`, 403) when they are not on its staff, `OrganisationRoleRequired`
    when `role` is given and theirs differs."""
    user_id = _user_id(user)
    row = None if user_id is None else OrganisationStaff.objects.filter(
        organisation_id=organisation_id, user_id=user_id).first()
    if row is None:
        raise error if error is not None else NotOrganisationStaff()
    if role is not None and row.role != role:
        raise OrganisationRoleRequired()
    return row


# --- API keys and their scopes -----------------------------------------------------------

Scope = ApiKey.Scope  # what views name in `required_scope`

# The request header that carries the key owner's password on an `admin`-scoped request.
PASSWORD_HEADER = "X-Atelier-Password"


def key_scope_required(view, method):
    """The scope a key needs to call `view` with `method`: the view's `required_scope`, a
    scope or a {method: scope} map (HEAD and OPTIONS count as GET). None: keys may not call it."""
    declared = getattr(view, "required_scope", None)
    if isinstance(declared, dict):
        return declared.get("GET" if method in ("HEAD", "OPTIONS") else method)
    return declared


def key_admin_confirm(request, key):
    """An `admin`-scoped request: the key's creator must still be an owner of the key's
    organisation, and the request must carry their password (`PASSWORD_HEADER`). The password
    is checked by `authenticate()`, so wrong guesses count toward the log-in lockout."""
    if not OrganisationStaff.objects.filter(organisation_id=key.organisation_id, user_id=key.created_by_id,
                                            role=OrganisationStaff.Role.OWNER).exists():
        raise OrganisationRoleRequired(message=_("Only an owner's key may use the admin scope."))
    password = request.headers.get(PASSWORD_HEADER, "")
    if not password:
        raise PasswordConfirmationRequired(extra={"header": PASSWORD_HEADER})
    django_request = getattr(request, "_request", request)
    user = authenticate(django_request, username=key.created_by.email, password=password)
    if getattr(django_request, "axes_locked_out", False):  # too many wrong passwords: the log-in lockout
        from accounts.lockout import lockout_minutes  # imports axes.models: not while the app registry loads

        raise Throttled(wait=(lockout_minutes(django_request) or 0) * 60)
    if user is None or user.pk != key.created_by_id:
        raise WrongPassword(extra={"header": PASSWORD_HEADER})


def member_key_allowed(view, method, key):
    """A member's own key (issue 18) reaches only the views that declare a `member_scope` (a
    scope, or a {method: scope} map; HEAD and OPTIONS count as GET), and only with that scope."""
    declared = getattr(view, "member_scope", None)
    if isinstance(declared, dict):
        declared = declared.get("GET" if method in ("HEAD", "OPTIONS") else method)
    if declared is None:
        raise ApiKeyNotAllowed(message=_("A member key may call only the member API."))
    if not key.has_scope(declared):
        raise ApiKeyScopeMissing(extra={"required": declared, "scopes": list(key.scopes or ())})
    return True


class HasKeyScope(BasePermission):
    """DRF permission on every API view: a request authenticated by an API key passes only if
    the key holds the scope the view declares for the method (`key_scope_required`), and an
    `admin` request carries the owner's password. Requests by session pass untouched."""

    def has_permission(self, request, view):
        key = getattr(request, "auth", None)
        if isinstance(key, MemberApiKey):
            return member_key_allowed(view, request.method, key)
        if not isinstance(key, ApiKey):
            return True
        scope = key_scope_required(view, request.method)
        if scope is None:
            raise ApiKeyNotAllowed()
        if not key.has_scope(scope):
            raise ApiKeyScopeMissing(extra={"required": scope, "scopes": list(key.scopes or ())})
        if scope == ApiKey.Scope.ADMIN:
            key_admin_confirm(request, key)
        return True


# Permission lists for views that set their own (the default is SIGNED_IN, in settings).
PUBLIC = [AllowAny, HasKeyScope]
SIGNED_IN = [IsAuthenticated, HasKeyScope]


# --- telling open sockets -----------------------------------------------------------------

def access_group(user_id):
    """The channel-layer group of every open socket of one user."""
    return f"access.user.{int(user_id)}"


def access_changed(*, user_id):
    """After commit, tell every open socket of `user_id` that their access changed (a
    suspension, a departure, a lost jury seat or staff place, a steward elected or recalled):
    each socket checks its rooms again at once and leaves those it may no longer read.
    Services that take access away call this; sockets also recheck on their own at every
    catch-up and every `ACCESS_RECHECK_SECONDS` of delivery, since the layer may drop it."""
    transaction.on_commit(lambda: _access_push(user_id), robust=True)


def _access_push(user_id):
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(access_group(user_id), {"type": "access.changed"})
    except Exception:  # committed already; sockets recheck on their own
        logger.exception("access: telling the sockets of user %s failed", user_id)


# --- the same checks for pages ---------------------------------------------------------------

def steward_required(view):
    """Page decorator: pass the steward's active membership to the view; anyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        stewardship = stewardship_of(request.user)
        if stewardship is None:
            raise PermissionDenied(_("Only a steward of a coop may open this page."))
        return view(request, stewardship, *args, **kwargs)

    return wrapper


def operator_required(view=None, *, hide=False):
    """Page decorator: the operator only; anyone else gets 403 (404 with `hide=True`, for
    pages whose existence is nobody else's business)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not is_operator(request.user):
                if hide:
                    raise Http404
                raise PermissionDenied(_("Only the federation operator may open this page."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
