from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery
from rest_framework.request import Request

from accounts.errors import (
    InvitationInvalid,
    NotOrganisationStaff,
    OrganisationNotFound,
    OrganisationRequired,
    OrganisationSuspended,
    TermsNotAccepted,
)
from accounts.keys import secret_digest
from accounts.models import (
    ApiKey,
    DataExport,
    MemberApiKey,
    Notice,
    Organisation,
    OrganisationStaff,
    StaffInvitation,
    TermsAcceptance,
    TermsVersion,
    User,
)
from coop.core.errors import Forbidden


def notices_for(*, user: User, limit: int = 20) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user)[:limit]


def notices_unread_count(*, user: User) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True, resolved_at__isnull=True).count()


# --- requester organisations ---------------------------------------------------------------

def organisations_of(*, user: User | AnonymousUser) -> QuerySet[Organisation]:
    """The organisations `user` is on the staff of (suspended ones included)."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(staff__user=user).order_by("name", "pk")



def organisation_suspended_check(organisation: Organisation) -> None:
    if organisation.is_suspended:
        raise OrganisationSuspended(extra={"reason": organisation.suspended_reason})


def organisation_for_request(*, request: Request, organisation_id: int | None = None) -> Organisation:
    """The organisation the caller acts for.

    API key: the key's organisation (another `organisation_id` → 404). Session: the one
    given (among the user's, else 404), or the user's only one (none → 403, several → 400).
    A suspended organisation → 403 `organisation_suspended` with the reason in `extra`."""
    key = getattr(request, "auth", None)
    if isinstance(key, ApiKey):
        organisation = key.organisation
        if organisation_id not in (None, "") and str(organisation_id) != str(organisation.pk):
            raise OrganisationNotFound()
    else:
        user = getattr(request, "user", None)
        if not getattr(user, "is_authenticated", False):
            raise Forbidden("not_authenticated", "Log in or use an API key.")
        mine = organisations_of(user=user)
        if organisation_id not in (None, ""):
            try:
                organisation = mine.filter(pk=int(organisation_id)).first()
            except (TypeError, ValueError):
                organisation = None
            if organisation is None:
                raise OrganisationNotFound()
        else:
            rows = list(mine[:2])
            if not rows:
                raise NotOrganisationStaff()
            if len(rows) > 1:
                raise OrganisationRequired()
            organisation = rows[0]
    organisation_suspended_check(organisation)
    return organisation


# --- terms ----------------------------------------------------------------------------------

def terms_latest() -> TermsVersion | None:
    return TermsVersion.objects.order_by("-number").first()


def organisation_terms_accepted(*, organisation: Organisation) -> TermsAcceptance | None:
    """The organisation's latest acceptance (or None)."""
    return (TermsAcceptance.objects.filter(organisation=organisation).select_related("version", "accepted_by")
            .order_by("-version__number").first())


def organisations_annotate_terms(queryset: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Annotate `terms_current_flag` (the latest terms accepted) in the same query."""
    latest = TermsVersion.objects.order_by("-number").values("number")[:1]
    accepted = TermsAcceptance.objects.filter(organisation=OuterRef("pk"), version__number=Subquery(latest))
    return queryset.annotate(terms_current_flag=Exists(accepted))


def organisation_terms_current(*, organisation: Organisation) -> bool:
    """True when the organisation accepted the latest published terms version. With no terms
    published at all there is nothing to contract on: False."""
    if getattr(organisation, "sandbox_of_id", None) is not None:
        return True  # a sandbox contracts nothing: test money only (docs/sandbox.md)
    latest = TermsVersion.objects.aggregate(n=Max("number"))["n"]
    if latest is None:
        return False
    return TermsAcceptance.objects.filter(organisation=organisation, version__number=latest).exists()


def organisation_terms_require(*, organisation: Organisation) -> None:
    """Raise 403 `terms_not_accepted` (with the latest version in `extra`) unless the latest
    terms are accepted: for anything that needs a contract in force, e.g. publishing."""
    if not organisation_terms_current(organisation=organisation):
        latest = TermsVersion.objects.aggregate(n=Max("number"))["n"]
        raise TermsNotAccepted(extra={"latest": latest})


# --- staff, invitations, keys ----------------------------------------------------------------

def organisation_staff_list(*, organisation: Organisation) -> QuerySet[OrganisationStaff]:
    return OrganisationStaff.objects.filter(organisation=organisation).select_related("user").order_by("created_at",
                                                                                                      "pk")


def organisation_invitations(*, organisation: Organisation) -> QuerySet[StaffInvitation]:
    return StaffInvitation.objects.filter(organisation=organisation).select_related("created_by").order_by(
        "-created_at", "-pk")


def organisation_api_keys(*, organisation: Organisation) -> QuerySet[ApiKey]:
    return (ApiKey.objects.filter(organisation=organisation).select_related("created_by", "organisation")
            .order_by("-created_at", "-pk"))


def organisations_for_operator() -> QuerySet[Organisation]:
    """Every organisation with its latest accepted terms version and when (for the operator)."""
    latest = TermsAcceptance.objects.filter(organisation=OuterRef("pk")).order_by("-version__number")
    return Organisation.objects.annotate(
        terms_number=Subquery(latest.values("version__number")[:1]),
        terms_accepted_at=Subquery(latest.values("accepted_at")[:1]),
    ).order_by("name", "pk")


def organisation_public(*, slug: str) -> Organisation | None:
    return Organisation.objects.filter(slug=slug).first()


# --- a member's own data (docs/security.md "Members' data rights") -------------------------

def profile_rows(*, user: User) -> list:
    profile = getattr(user, "profile", None)
    return [{"email": user.email, "date_joined": user.date_joined, "language": user.language,
             "display_name": profile.display_name if profile else "", "country": profile.country if profile else "",
             "timezone": profile.timezone if profile else "", "languages": profile.languages if profile else [],
             "email_notices": profile.email_notices if profile else False}]


def notice_rows(*, user: User) -> list:
    return [{"created_at": n.created_at, "kind": n.kind, "text": n.text, "link": n.link, "read_at": n.read_at}
            for n in Notice.objects.filter(user=user).order_by("pk")]


def data_exports_of(*, user: User) -> QuerySet[DataExport]:
    return DataExport.objects.filter(user=user).defer("content")


def invitation_for_token(token: str) -> StaffInvitation:
    """The invitation a clear token names (any state), or InvitationInvalid."""
    invitation = (StaffInvitation.objects.select_related("organisation")
                  .filter(token_hash=secret_digest(token or "", purpose="invitation")).first())
    if invitation is None:
        raise InvitationInvalid()
    return invitation


def member_keys_of(*, user: User) -> list[MemberApiKey]:
    """A person's keys for the member API, newest first (revoked ones too, marked)."""
    return list(MemberApiKey.objects.filter(user=user).order_by("-created_at", "-pk"))
