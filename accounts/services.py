import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from accounts import datarights
from accounts.errors import AlreadyErased, ErasureBlocked, WrongPassword
from accounts.keys import MEMBER_KEY_SCHEME, api_key_generate, member_key_scopes_clean, secret_digest
from accounts.locks import member_key_for_update, user_for_update
from accounts.models import ApiKey, DataExport, MemberApiKey, MemberProfile, Notice, OrganisationStaff, User
from accounts.notices import message_render, params_stored
from coop.core import clock
from coop.core.errors import Conflict, DomainError, NotFound
from coop.eventlog.erasure import event_payloads_erase, events_naming
from coop.eventlog.services import event_record


@transaction.atomic
def notify(*, user: User, kind: str, text: str | None = None, message: str = "", params: dict | None = None,
           link: str = "", subject: str = "") -> Notice:
    """Store a notice for the dashboard; email it after commit if the user opted in.

    Records no event: a notice tells one person about something whose own event its caller
    records (an application, a vote, a rejection); notices are private and not in the log.

    Give `message` (an English msgid marked with `gettext_noop`, or for a count
    `ngettext_lazy(singular, plural, "n")`) and `params`: the page builds
    the text in the reader's language when it shows it (accounts/notices.py). `text` (a string,
    or a function that builds it, called with the recipient's language active) is for texts
    that are not a message of the catalogue; the email is written in the recipient's language
    (`User.language`; the current one if unknown) either way."""
    language = getattr(user, "language", "") or translation.get_language()
    stored = params_stored(params)
    if isinstance(message, Promise):  # ngettext_lazy(singular, plural, "n"): params["n"] picks the form when shown
        message, stored["_plural"] = message._kw["singular"], message._kw["plural"]
    with translation.override(language):
        if message:
            text = message_render(message, stored)
        elif callable(text):
            text = text()
        text = str(text)
    notice = Notice.objects.create(user=user, kind=kind, text=text, message=message, params=stored, link=link,
                                   subject=subject)
    if _wants_email_notices(user):
        mail_subject, body = notice_email(text=text, link=link)
        transaction.on_commit(
            lambda: send_mail(mail_subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True)
        )
    return notice


def _wants_email_notices(user: User) -> bool:
    """Did the user opt in to notices by email? Their profile as already read, or one narrow
    query (reading the profile raised and caught DoesNotExist for every member without one, the
    most of a notice's cost: issue 21)."""
    if User.profile.is_cached(user):
        profile = getattr(user, "profile", None)
        return profile is not None and profile.email_notices
    return MemberProfile.objects.filter(user_id=user.pk, email_notices=True).exists()


def notice_email(*, text: str, link: str) -> tuple[str, str]:
    """A notice as an email: the subject says what happened (its first sentence, shortened),
    and the link is absolute (`settings.SITE_URL`), so it opens from a mail reader."""
    first = re.split(r"(?<=[.!?:])\s", text.strip(), maxsplit=1)[0].rstrip(".:")
    subject = f"{settings.FEDERATION_NAME}: {Truncator(first).chars(78)}"
    if link.startswith("/"):
        link = settings.SITE_URL.rstrip("/") + link
    body = f"{text}\n\n{link}" if link else text
    return subject, body


def user_language_set(*, user: User | AnonymousUser, language: str) -> bool:
    """Remember the language a person uses Atelier in (one of `settings.LANGUAGES`; anything
    else is ignored), so notices caused by others reach them in it.

    Records no event: a display preference of the person's own, decided by no one else and
    changed at each log-in; an event would only publish it."""
    language = (language or "").split("-")[0].lower()
    if language not in dict(settings.LANGUAGES) or not user.is_authenticated or user.language == language:
        return False
    user.language = language
    User.objects.filter(pk=user.pk).update(language=language)
    return True


@transaction.atomic
def notices_resolve(*, subject: str) -> int:
    """The thing `subject` names was handled (an application admitted, declined or withdrawn):
    every open notice about it, whoever received it, is resolved and read. Returns how many.

    Records no event: the handling that resolves them (`membership.admitted`, ...) is recorded
    by its own service; notices are private bookkeeping, not in the log."""
    if not subject:
        return 0
    now = timezone.now()
    open_notices = Notice.objects.filter(subject=subject, resolved_at__isnull=True)
    open_notices.filter(read_at__isnull=True).update(read_at=now)
    return open_notices.update(resolved_at=now)


@transaction.atomic
def notices_mark_read(*, user: User) -> int:
    """Mark every unread notice of `user` read. Records no event: reading one's own notices is
    private bookkeeping, not a decision (notices are not in the event log either)."""
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def user_signup(*, email: str, password: str, display_name: str, country: str = "", timezone: str = "UTC",
                languages: list[str] | None = None) -> User:
    email = (email or "").strip().lower()
    if User.objects.filter(email=email).exists():
        raise DomainError("email_taken", _("An account with this email already exists."))
    user = User.objects.create_user(email=email, password=password)
    MemberProfile.objects.create(
        user=user, display_name=display_name.strip(), country=country, timezone=timezone,
        languages=languages or [],
    )
    event_record(type="user.signed_up", actor=user, subject=user, payload={"user": user.pk})
    return user


@transaction.atomic
def profile_update(*, user: User, **fields: Any) -> MemberProfile:
    profile, _created = MemberProfile.objects.get_or_create(user=user, defaults={"display_name": user.display_name})
    allowed = {"display_name", "country", "timezone", "languages", "email_notices", "fallback_language",
               "display_currency"}
    for key, value in fields.items():
        if key not in allowed:
            raise DomainError("invalid_field", _("Unknown profile field %(key)s.") % {"key": key})
        setattr(profile, key, value)
    profile.full_clean()
    profile.save()
    event_record(type="profile.updated", actor=user, subject=user, payload={"user": user.pk})
    return profile


# --- members' data rights (issue 15; docs/security.md) -------------------------------------

ERASED_DOMAIN = "erased.invalid"
EXPORT_STALE = timedelta(minutes=15)


@transaction.atomic
def data_export_request(*, user: User, now: datetime | None = None) -> DataExport:
    """"Download my data": queue the building of a ZIP of everything the member may see about
    themselves. A request while one is waiting or being built returns that one (unless it has
    been stuck for `EXPORT_STALE`: a worker died)."""
    now = now or timezone.now()
    pending = (DataExport.objects.filter(user=user, status__in=(DataExport.Status.PENDING, DataExport.Status.RUNNING),
                                         requested_at__gt=now - EXPORT_STALE).defer("content").first())
    if pending is not None:
        return pending
    export = DataExport.objects.create(user=user, requested_at=now, sections_total=len(datarights.SECTIONS))
    event_record(type="data_export.requested", actor=user, subject=export, payload={"export": export.pk})
    transaction.on_commit(lambda: async_task("accounts.jobs.data_export_build", export.pk))
    return export


def data_export_build(*, export_id: int, now: datetime | None = None) -> bool:
    """Build one export (a job: each step its own short transaction, DESIGN.md seam 8). Only the
    call that moves it from waiting to running builds it, so a retried job does nothing."""
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.RUNNING)
    if not claimed:
        return False
    export = DataExport.objects.defer("content").select_related("user").get(pk=export_id)
    user = export.user

    def progress(done, total):
        DataExport.objects.filter(pk=export_id).update(sections_done=done, sections_total=total)

    try:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            content = datarights.export_zip(user=user, readme=str(_export_readme(user)), progress=progress)
    except Exception:
        DataExport.objects.filter(pk=export_id).update(status=DataExport.Status.FAILED,
                                                       finished_at=now or timezone.now())
        raise
    with transaction.atomic(durable=True):
        DataExport.objects.filter(user=user, status=DataExport.Status.READY).update(content=None)
        DataExport.objects.filter(pk=export_id).update(status=DataExport.Status.READY, content=content,
                                                       size=len(content), finished_at=now or timezone.now())
        event_record(type="data_export.ready", subject=export, payload={"export": export.pk, "bytes": len(content)})
    return True


def _export_readme(user):
    return _("Your data on Atelier, as JSON and CSV: one pair of files per section (profile, memberships, "
             "assignments and answers, wallet statement, payouts, appeals, jury seats, votes, proposals, forum "
             "posts, notices...). It holds what Atelier knows about you and shows you; requesters only ever saw "
             "your worker pseudonym and your work.")


@transaction.atomic
def member_erase(*, user: User, password: str, donate: bool = False) -> User:
    """Leave the federation with erasure. The member confirms with their password. What stays
    in their wallet must be paid out first, or given to the coop's treasury (`donate`); work,
    appeals and payouts that may still move money must be final (each app registers its
    reasons). Then every app replaces the member's personal data and free texts with a
    tombstone; ledger amounts, events and the chain stay as they are. The account can no longer
    log in. Refusals change nothing (the whole erasure is one transaction)."""
    user = user_for_update(user.pk)
    if user.email.endswith("@" + ERASED_DOMAIN):
        raise AlreadyErased()
    if not user.check_password(password or ""):
        raise WrongPassword()
    if OrganisationStaff.objects.filter(user=user).exists():
        raise ErasureBlocked(message=_("You are on the staff of a requester organisation: leave it first."),
                             extra={"reasons": [{"code": "organisation_staff"}]})
    for prepare in datarights.PREPARERS:
        prepare(user=user, donate=donate)
    reasons = [reason for blocker in datarights.BLOCKERS for reason in blocker(user=user)]
    if reasons:
        raise ErasureBlocked(message=" ".join(str(message) for _code, message in reasons),
                             extra={"reasons": [{"code": code, "message": str(message)} for code, message in reasons]})
    for erase in datarights.ERASERS:
        erase(user=user, tombstone=datarights.TOMBSTONE)
    subjects = [("accounts.user", user.pk)] + [pair for fn in datarights.SUBJECTS for pair in fn(user=user)]
    erased = event_payloads_erase(event_ids=events_naming(user_id=user.pk, subjects=subjects))
    User.objects.filter(pk=user.pk).update(email=f"erased-{uuid.uuid4().hex}@{ERASED_DOMAIN}", is_active=False,
                                           password=make_password(None), language="")
    MemberProfile.objects.filter(user=user).update(display_name=datarights.TOMBSTONE, country="", timezone="UTC",
                                                   languages=[], email_notices=False, fallback_language="",
                                                   display_currency="")
    Notice.objects.filter(user=user).delete()
    DataExport.objects.filter(user=user).delete()
    MemberApiKey.objects.filter(user=user).delete()  # their names are the member's own text
    event_record(type="member.erased", actor=user, subject=user, payload={"user": user.pk, "events_erased": erased})
    user.refresh_from_db()
    return user


API_KEY_TOUCH_SECONDS = 60


def api_key_mark_used(*, key: ApiKey | MemberApiKey, now: datetime | None = None) -> bool:
    """Note when a key was last used, at most once a minute (one UPDATE, no lock, no event:
    usage is bookkeeping, not a decision; it stays off the event log on purpose)."""
    now = now or clock.now()
    if key.last_used_at and (now - key.last_used_at).total_seconds() < API_KEY_TOUCH_SECONDS:
        return False
    with connection.cursor() as cursor:  # an ApiKey or a MemberApiKey; hand-written: every request (issue 21)
        cursor.execute(f"UPDATE {type(key)._meta.db_table} SET last_used_at = %s WHERE id = %s",
                       [connection.ops.adapt_datetimefield_value(now), key.pk])
    key.last_used_at = now
    return True


MEMBER_KEYS_MAX = 10  # active keys a person may hold at once


@transaction.atomic
def member_key_create(*, user: User, name: str, scopes: list[str] | tuple[str, ...],
                      randomness: bytes | None = None) -> tuple[MemberApiKey, str]:
    """A person makes a key for the member API (issue 18) with `scopes` (read, work). Returns
    (key, secret): the secret is shown once and not stored in clear (only its keyed hash)."""
    user = user_for_update(user.pk)  # the count of active keys, one creation at a time
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError("invalid", _("Give the key a name of 1 to 80 characters."), {"field": "name"})
    scopes = member_key_scopes_clean(scopes)
    if MemberApiKey.objects.filter(user=user, revoked_at__isnull=True).count() >= MEMBER_KEYS_MAX:
        raise DomainError("too_many_keys", _("You hold %(n)s active keys: revoke one first.") % {"n": MEMBER_KEYS_MAX},
                          {"max": MEMBER_KEYS_MAX})
    secret, prefix = api_key_generate(randomness=randomness, scheme=MEMBER_KEY_SCHEME)
    key = MemberApiKey.objects.create(user=user, name=name, prefix=prefix, secret_hash=secret_digest(secret),
                                      scopes=scopes)
    event_record(type="member_key.created", actor=user, subject=user, payload={"member_key": key.pk, "scopes": scopes})
    return key, secret


@transaction.atomic
def member_key_revoke(*, user: User, key_id: int) -> MemberApiKey:
    """A person revokes one of their own keys; the next request with it fails. Someone else's
    key, or no such key, is NotFound (nothing said about whether it exists)."""
    key = member_key_for_update(key_id, user_id=user.pk)
    if key is None:
        raise NotFound("unknown_key", _("No such key."))
    if key.revoked_at is not None:
        raise Conflict("key_revoked", _("This key is already revoked."))
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    event_record(type="member_key.revoked", actor=user, subject=user, payload={"member_key": key.pk})
    return key
