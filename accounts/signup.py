"""Sign-up that does not tell whether an email has an account (issue 15, leak 12).

The sign-up page answers the same way for every valid form: "check your email". What
happens behind it depends on the address, and only its mailbox learns which:

- a new address gets an account that cannot log in yet (`is_active=False`) and a link to
  confirm it; the link works once, until `PASSWORD_RESET_TIMEOUT`, and only with the
  password chosen at sign-up (so a stranger who signs the same address up again, racing the
  owner, cannot get the owner to open an account whose password the stranger knows);
- an address whose account is not confirmed yet: the newer sign-up replaces the password and
  name, and a new link is sent (older links stop working: the token covers the password);
- an address with an account: its owner gets an email saying someone tried to sign up with
  it, with links to log in and to reset the password. Nothing else changes.

Logging in with an unconfirmed account fails like a wrong password. The sign-up and confirm
pages are throttled per IP (`THROTTLE_RATES["signup"]`, accounts.throttles)."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlencode, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.locks import user_by_email_for_update, user_for_update
from accounts.models import MemberProfile, User
from coop.eventlog.services import event_record


class SignupTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset tokens with their own salt; a token covers the account's state, its
    password hash and its email, so confirming (or a newer sign-up) makes it stale."""

    key_salt = "atelier.accounts.signup.SignupTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.is_active}{user.password}{timestamp}{user.email}"


signup_tokens = SignupTokenGenerator()


def _is_unconfirmed(user):
    return not user.is_active and user.last_login is None


@transaction.atomic
def signup_request(*, email, password, display_name, country="", next_url="", link_base=""):
    """One sign-up form: returns nothing, and the caller shows the same page whatever the
    address (see the module docstring). The emails go after commit."""
    email = (email or "").strip().lower()
    base = (link_base or settings.SITE_URL).rstrip("/")
    user = user_by_email_for_update(email)
    if user is None or _is_unconfirmed(user):
        if user is None:
            user = User.objects.create_user(email=email, password=password, is_active=False)
            MemberProfile.objects.create(user=user, display_name=display_name.strip(), country=country)
            event_record(type="user.signed_up", actor=user, subject=user, payload={"user": user.pk})
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
            MemberProfile.objects.filter(user=user).update(display_name=display_name.strip(), country=country)
        link = base + reverse("accounts:signup_confirm", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                                              signup_tokens.make_token(user)])
        if next_url:
            link += "?" + urlencode({"next": next_url})
        subject = _("Confirm your Atelier account")
        body = _("Welcome to %(fed)s.\n\nTo finish creating your account, open this link and type the password "
                 "you chose: %(link)s\n\nIf you did not sign up, ignore this message: no account opens without "
                 "it.") % {"fed": settings.FEDERATION_NAME, "link": link}
    else:
        subject = _("Someone tried to sign up with your address")
        body = _("Someone (perhaps you) tried to create an account on %(fed)s with this email address, which "
                 "already has one.\n\nIf it was you, log in: %(login)s\nForgot your password? Choose a new one: "
                 "%(reset)s\n\nIf it was not you, you can ignore this message: nothing changed on your "
                 "account.") % {"fed": settings.FEDERATION_NAME, "login": base + reverse("login"),
                                "reset": base + reverse("password_reset")}
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True))


def signup_user_for_link(uidb64, token):
    """The unconfirmed account a confirmation link names, or None (bad, used or stale link)."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    if not _is_unconfirmed(user) or not signup_tokens.check_token(user, token):
        return None
    return user


@transaction.atomic
def signup_confirm(*, uidb64, token, password):
    """Open the account a confirmation link names, if the password is the one chosen at
    sign-up. Returns the user, or None (the page says the link or password is wrong)."""
    user = signup_user_for_link(uidb64, token)
    if user is None or not user.check_password(password or ""):
        return None
    user = user_for_update(user.pk)
    if not _is_unconfirmed(user):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    event_record(type="user.confirmed", actor=user, subject=user, payload={"user": user.pk})
    return user
