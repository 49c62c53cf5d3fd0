from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import MemberProfile, Notice, User
from coop.core.errors import DomainError
from coop.eventlog.services import event_record


@transaction.atomic
def notify(*, user, kind, text, link="", subject=""):
    """Store a notice for the dashboard; email it after commit if the user opted in.

    `text` is a string or, so the notice reads in the recipient's language rather than in
    the language of whoever caused it, a function of no arguments that builds it: it is
    called with the recipient's language active (`User.language`; the current one if unknown)."""
    if callable(text):
        language = getattr(user, "language", "") or translation.get_language()
        with translation.override(language):
            text = text()
    notice = Notice.objects.create(user=user, kind=kind, text=str(text), link=link, subject=subject)
    profile = getattr(user, "profile", None)
    if profile is not None and profile.email_notices:
        transaction.on_commit(
            lambda: send_mail(f"Atelier: {kind}", f"{text}\n\n{link}", settings.DEFAULT_FROM_EMAIL,
                              [user.email], fail_silently=True)
        )
    return notice


def user_language_set(*, user, language):
    """Remember the language a person uses Atelier in (one of `settings.LANGUAGES`; anything
    else is ignored), so notices caused by others reach them in it."""
    language = (language or "").split("-")[0].lower()
    if language not in dict(settings.LANGUAGES) or not user.is_authenticated or user.language == language:
        return False
    user.language = language
    User.objects.filter(pk=user.pk).update(language=language)
    return True


@transaction.atomic
def notices_resolve(*, subject):
    """The thing `subject` names was handled (an application admitted, declined or withdrawn):
    every open notice about it, whoever received it, is resolved and read. Returns how many."""
    from django.utils import timezone

    if not subject:
        return 0
    now = timezone.now()
    open_notices = Notice.objects.filter(subject=subject, resolved_at__isnull=True)
    open_notices.filter(read_at__isnull=True).update(read_at=now)
    return open_notices.update(resolved_at=now)


@transaction.atomic
def notices_mark_read(*, user):
    from django.utils import timezone

    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def user_signup(*, email, password, display_name, country="", timezone="UTC", languages=None):
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
def profile_update(*, user, **fields):
    profile, _ = MemberProfile.objects.get_or_create(user=user, defaults={"display_name": user.display_name})
    allowed = {"display_name", "country", "timezone", "languages", "email_notices"}
    for key, value in fields.items():
        if key not in allowed:
            raise DomainError("invalid_field", _("Unknown profile field %(key)s.") % {"key": key})
        setattr(profile, key, value)
    profile.full_clean()
    profile.save()
    event_record(type="profile.updated", actor=user, subject=user, payload={"user": user.pk})
    return profile
