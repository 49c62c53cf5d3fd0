"""The use cases of requester organisations: registration, terms, staff, invitations, API keys,
suspension. Keyword-only, atomic, each records its event (payloads: ids and codes only)."""

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts import locks, selectors
from accounts.errors import (
    AlreadyStaff,
    ApiKeyRevoked,
    InvitationExpired,
    InvitationRevoked,
    InvitationUsed,
    InvitationWrongUser,
    LastOwner,
    NotOperator,
    OrganisationRoleRequired,
    TermsOutdated,
)
from accounts.keys import api_key_generate, api_key_scopes_clean, secret_digest, secret_seal, token_generate
from accounts.models import (
    ApiKey,
    Organisation,
    OrganisationStaff,
    StaffInvitation,
    TermsAcceptance,
    TermsVersion,
    User,
)
from accounts.selectors import organisation_suspended_check
from accounts.services import notify
from coop.core.errors import Conflict, DomainError
from coop.eventlog.services import event_record
from coop.federation.access import access_changed, operator_require, requester_staff_require

INVITATION_DAYS = 7
MIN_REASON = 10
OWNER = OrganisationStaff.Role.OWNER
ROLES = {OrganisationStaff.Role.OWNER, OrganisationStaff.Role.STAFF}


def _clean_text(value, *, field, max_length, required=False):
    value = (value or "").strip()
    if "\x00" in value:
        raise DomainError("invalid", _("Text may not contain NUL characters."), {"field": field})
    if required and not value:
        raise DomainError("invalid", _("This field is required."), {"field": field})
    if len(value) > max_length:
        raise DomainError("invalid", _("This text is too long."), {"field": field})
    return value


def _clean_fields(*, name=None, country=None, contact_email=None, website=None, description=None):
    out = {}
    if name is not None:
        out["name"] = _clean_text(name, field="name", max_length=160, required=True)
    if country is not None:
        country = (country or "").strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise DomainError("invalid", _("Country: two letters (ISO 3166), e.g. FR."), {"field": "country"})
        out["country"] = country
    if contact_email is not None:
        contact_email = (contact_email or "").strip().lower()
        if contact_email:
            try:
                validate_email(contact_email)
            except ValidationError:
                raise DomainError("invalid", _("Enter a valid contact email."), {"field": "contact_email"})
        out["contact_email"] = contact_email
    if website is not None:
        website = (website or "").strip()
        if website:
            try:
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                raise DomainError("invalid", _("Enter a valid website address (https://…)."), {"field": "website"})
        out["website"] = website
    if description is not None:
        out["description"] = _clean_text(description, field="description", max_length=4000)
    return out


def _unique_slug(name):
    base = slugify(name)[:40] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- organisations ---------------------------------------------------------------------------

@transaction.atomic
def organisation_register(*, user: User, name: str, country: str = "", contact_email: str = "", website: str = "",
                          description: str = "") -> Organisation:
    """Register a requester organisation; `user` becomes its first owner."""
    fields = _clean_fields(name=name, country=country, contact_email=contact_email or user.email, website=website,
                           description=description)
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(slug=_unique_slug(fields["name"]), **fields)
    except IntegrityError:  # another registration took the same slug meanwhile
        organisation = Organisation.objects.create(
            slug=f"{_unique_slug(fields['name'])[:40]}-{secrets.token_hex(3)}", **fields)
    OrganisationStaff.objects.create(organisation=organisation, user=user, role=OWNER)
    event_record(type="organisation.registered", actor=user, subject=organisation,
                 payload={"organisation": organisation.pk})
    return organisation


@transaction.atomic
def organisation_update(*, user: User, organisation: Organisation, **fields: Any) -> Organisation:
    requester_staff_require(user, organisation_id=organisation.pk, role=OWNER)
    allowed = {"name", "country", "contact_email", "website", "description"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError("invalid_field", _("Unknown field."), {"fields": sorted(unknown)})
    organisation = locks.organisation_for_update(organisation.pk)
    for key, value in _clean_fields(**fields).items():
        setattr(organisation, key, value)
    organisation.save()
    event_record(type="organisation.updated", actor=user, subject=organisation,
                 payload={"organisation": organisation.pk, "fields": sorted(fields)})
    return organisation


@transaction.atomic
def organisation_suspend(*, operator: User, organisation: Organisation, reason: str) -> Organisation:
    """The operator suspends an organisation: its API keys stop working at once, its staff
    see the reason (in a notice and on their pages)."""
    operator_require(operator, error=NotOperator())
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise DomainError("reason_required", _("Write a reason (at least 10 characters)."))
    organisation = locks.organisation_for_update(organisation.pk)
    if organisation.is_suspended:
        raise Conflict("already_suspended", _("This organisation is already suspended."))
    organisation.suspended_at = timezone.now()
    organisation.suspended_reason = reason
    organisation.save(update_fields=["suspended_at", "suspended_reason"])
    event_record(type="organisation.suspended", actor=operator, subject=organisation,
                 payload={"organisation": organisation.pk})
    link = reverse("accounts:requester_home")
    for row in organisation.staff.select_related("user"):
        notify(user=row.user, kind="organisation.suspended", link=link,
               message=gettext_noop("The federation suspended %(org)s. Reason: %(reason)s"),
               params={"org": organisation.name,
                                                                                 "reason": reason})
    return organisation


@transaction.atomic
def organisation_unsuspend(*, operator: User, organisation: Organisation) -> Organisation:
    operator_require(operator, error=NotOperator())
    organisation = locks.organisation_for_update(organisation.pk)
    if not organisation.is_suspended:
        raise Conflict("not_suspended", _("This organisation is not suspended."))
    organisation.suspended_at = None
    organisation.suspended_reason = ""
    organisation.save(update_fields=["suspended_at", "suspended_reason"])
    event_record(type="organisation.unsuspended", actor=operator, subject=organisation,
                 payload={"organisation": organisation.pk})
    link = reverse("accounts:requester_home")
    for row in organisation.staff.select_related("user"):
        notify(user=row.user, kind="organisation.unsuspended", link=link,
               message=gettext_noop("The federation lifted the suspension of %(org)s."),
               params={"org": organisation.name})
    return organisation


# --- terms -----------------------------------------------------------------------------------

@transaction.atomic
def terms_version_publish(*, operator: User, text: str) -> TermsVersion:
    """The operator publishes a new version of the requesters' terms. Every organisation must
    accept it before its next project is published; their owners get a notice."""
    operator_require(operator, error=NotOperator())
    text = _clean_text(text, field="text", max_length=100_000, required=True)
    number = locks.terms_number_latest_for_update() + 1
    version = TermsVersion.objects.create(number=number, text=text, published_by=operator)
    event_record(type="terms.published", actor=operator, subject=version, payload={"version": number})
    link = reverse("accounts:requester_terms")
    owners = OrganisationStaff.objects.filter(role=OWNER).select_related("user", "organisation")
    for row in owners:
        notify(user=row.user, kind="terms.published", link=link,
               message=gettext_noop("New terms of service (version %(n)s): accept them before %(org)s publishes "
                          "its next project."), params={"n": number, "org": row.organisation.name})
    return version


@transaction.atomic
def terms_accept(*, user: User, organisation: Organisation, version: TermsVersion | int) -> TermsAcceptance:
    """An owner accepts `version` (a TermsVersion or its number) for the organisation. Only
    the latest version can be accepted; accepting it twice changes nothing."""
    requester_staff_require(user, organisation_id=organisation.pk, role=OWNER)
    number = getattr(version, "number", version)
    latest = TermsVersion.objects.order_by("-number").first()
    if latest is None or str(latest.number) != str(number):
        raise TermsOutdated(extra={"latest": latest.number if latest else None})
    existing = TermsAcceptance.objects.filter(organisation=organisation, version=latest).first()
    if existing:
        return existing
    acceptance = TermsAcceptance.objects.create(organisation=organisation, version=latest, accepted_by=user)
    event_record(type="terms.accepted", actor=user, subject=organisation,
                 payload={"organisation": organisation.pk, "version": latest.number})
    return acceptance


# --- staff and invitations -------------------------------------------------------------------

@transaction.atomic
def invitation_create(*, user: User, organisation: Organisation, email: str, role: str = OrganisationStaff.Role.STAFF,
                      link_base: str = "", days: int = INVITATION_DAYS,
                      send: bool = True) -> tuple[StaffInvitation, str]:
    """An owner invites `email` to the staff. Returns (invitation, token): the token is in the
    emailed link only (`link_base` defaults to settings.SITE_URL; `send=False` for the demo);
    the database keeps its keyed hash. A newer invitation to the same address replaces a
    pending older one."""
    requester_staff_require(user, organisation_id=organisation.pk, role=OWNER)
    organisation = Organisation.objects.get(pk=organisation.pk)  # fresh: suspension may be newer
    organisation_suspended_check(organisation)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("invalid", _("Enter a valid email address."), {"field": "email"})
    if role not in ROLES:
        raise DomainError("invalid", _("Role: owner or staff."), {"field": "role"})
    if organisation.staff.filter(user__email__iexact=email).exists():
        raise AlreadyStaff()
    now = timezone.now()
    StaffInvitation.objects.filter(organisation=organisation, email=email, accepted_at__isnull=True,
                                   revoked_at__isnull=True).update(revoked_at=now)
    token = token_generate()
    invitation = StaffInvitation.objects.create(
        organisation=organisation, email=email, role=role, token_hash=secret_digest(token, purpose="invitation"),
        created_by=user, created_at=now, expires_at=now + timedelta(days=days),
    )
    event_record(type="staff.invited", actor=user, subject=organisation,
                 payload={"organisation": organisation.pk, "invitation": invitation.pk, "role": role})
    if not send:
        return invitation, token
    link = (link_base or settings.SITE_URL).rstrip("/") + reverse("accounts:invitation_accept", args=[token])
    subject = _("Join %(org)s on Atelier") % {"org": organisation.name}
    body = ngettext("You are invited to join %(org)s as %(role)s on %(fed)s.\n\nAccept within %(days)s day: %(link)s",
                    "You are invited to join %(org)s as %(role)s on %(fed)s.\n\nAccept within %(days)s days: %(link)s",
                    days) % {
        "org": organisation.name, "role": invitation.get_role_display(), "fed": settings.FEDERATION_NAME,
        "days": days, "link": link}
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email],
                                            fail_silently=True))
    return invitation, token


@transaction.atomic
def invitation_revoke(*, user: User, invitation: StaffInvitation) -> StaffInvitation:
    requester_staff_require(user, organisation_id=invitation.organisation_id, role=OWNER)
    invitation = locks.invitation_for_update(invitation.pk)
    if invitation.accepted_at:
        raise InvitationUsed()
    if invitation.revoked_at:
        raise InvitationRevoked()
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    event_record(type="invitation.revoked", actor=user, subject=invitation.organisation,
                 payload={"organisation": invitation.organisation_id, "invitation": invitation.pk})
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, token: str) -> OrganisationStaff:
    """The invited person (logged in with the invited address) joins the staff."""
    invitation = locks.invitation_for_update(selectors.invitation_for_token(token).pk)
    if invitation.accepted_at:
        raise InvitationUsed()
    if invitation.revoked_at:
        raise InvitationRevoked()
    if invitation.expires_at <= timezone.now():
        raise InvitationExpired()
    if user.email.lower() != invitation.email.lower():
        raise InvitationWrongUser()
    if OrganisationStaff.objects.filter(organisation_id=invitation.organisation_id, user=user).exists():
        raise AlreadyStaff()
    staff = OrganisationStaff.objects.create(organisation_id=invitation.organisation_id, user=user,
                                             role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    event_record(type="staff.joined", actor=user, subject=invitation.organisation,
                 payload={"organisation": invitation.organisation_id, "invitation": invitation.pk,
                          "staff": staff.pk, "role": staff.role})
    return staff


def _staff_locked(staff):
    """Lock the organisation's owner rows (pk order), then the staff row, and re-read it.
    Owners first on every path, so two owners changing each other cannot deadlock; the
    owner list is re-read under the lock, so two concurrent demotions cannot both pass."""
    owners = locks.owners_for_update(staff.organisation_id)
    row = locks.staff_for_update(staff.pk)
    if row is None:
        raise DomainError("not_found", _("This person is no longer on the staff."))
    return row, owners


def _last_owner_guard(staff, owners):
    """Assumes `_staff_locked` holds the owner rows."""
    if staff.role == OWNER and len(owners) <= 1:
        raise LastOwner()


@transaction.atomic
def staff_role_change(*, user: User, staff: OrganisationStaff, role: str) -> OrganisationStaff:
    requester_staff_require(user, organisation_id=staff.organisation_id, role=OWNER)
    if role not in ROLES:
        raise DomainError("invalid", _("Role: owner or staff."), {"field": "role"})
    staff, owners = _staff_locked(staff)
    if staff.role == role:
        return staff
    if role != OWNER:
        _last_owner_guard(staff, owners)
    staff.role = role
    staff.save(update_fields=["role"])
    event_record(type="staff.role_changed", actor=user, subject=staff.organisation,
                 payload={"organisation": staff.organisation_id, "staff": staff.pk, "role": role})
    return staff


@transaction.atomic
def staff_remove(*, user: User, staff: OrganisationStaff) -> None:
    """An owner removes a staff member (or a person leaves). Their API keys are revoked with
    them: a key acts as its creator, who no longer acts for the organisation."""
    if staff.user_id != user.pk:
        requester_staff_require(user, organisation_id=staff.organisation_id, role=OWNER)
    staff, owners = _staff_locked(staff)
    _last_owner_guard(staff, owners)
    now = timezone.now()
    revoked = ApiKey.objects.filter(organisation_id=staff.organisation_id, created_by_id=staff.user_id,
                                    revoked_at__isnull=True).update(revoked_at=now, revoked_by=user)
    event_record(type="staff.removed", actor=user, subject=staff.organisation,
                 payload={"organisation": staff.organisation_id, "staff": staff.pk, "keys_revoked": revoked})
    access_changed(user_id=staff.user_id)
    staff.delete()


# --- API keys --------------------------------------------------------------------------------


@transaction.atomic
def api_key_create(*, user: User, organisation: Organisation, name: str, scopes: Iterable[str] = ApiKey.DEFAULT_SCOPES,
                   randomness: bytes | None = None) -> tuple[ApiKey, str]:
    """A staff member creates an API key with `scopes` (default `ApiKey.DEFAULT_SCOPES`: no
    `admin`). Only an owner may give the `admin` scope. Returns (key, secret): show the secret
    once, it is not stored in clear (only its keyed hash, and sealed: accounts/keys.py)."""
    staff_row = requester_staff_require(user, organisation_id=organisation.pk)
    scopes = api_key_scopes_clean(scopes)
    if ApiKey.Scope.ADMIN in scopes and staff_row.role != OWNER:
        raise OrganisationRoleRequired(message=_("Only an owner may create a key with the admin scope."))
    organisation = Organisation.objects.get(pk=organisation.pk)  # fresh: suspension may be newer
    organisation_suspended_check(organisation)
    name = _clean_text(name, field="name", max_length=80, required=True)
    secret, prefix = api_key_generate(randomness=randomness)
    key = ApiKey.objects.create(organisation=organisation, name=name, prefix=prefix, scopes=scopes,
                                secret_hash=secret_digest(secret), secret_sealed=secret_seal(secret),
                                created_by=user)
    event_record(type="api_key.created", actor=user, subject=organisation,
                 payload={"organisation": organisation.pk, "api_key": key.pk, "scopes": scopes})
    return key, secret


@transaction.atomic
def api_key_revoke(*, user: User, key: ApiKey) -> ApiKey:
    """Its creator or an owner revokes a key; the next request with it fails."""
    row = requester_staff_require(user, organisation_id=key.organisation_id)
    if key.created_by_id != user.pk and row.role != OWNER:
        requester_staff_require(user, organisation_id=key.organisation_id, role=OWNER)
    key = locks.api_key_for_update(key.pk)
    if key.revoked_at:
        raise ApiKeyRevoked()
    key.revoked_at = timezone.now()
    key.revoked_by = user
    key.save(update_fields=["revoked_at", "revoked_by"])
    event_record(type="api_key.revoked", actor=user, subject=key.organisation,
                 payload={"organisation": key.organisation_id, "api_key": key.pk})
    return key

