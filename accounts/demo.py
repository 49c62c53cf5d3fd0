"""Demo requester: "Ravina Labs" with an owner, a staff member, a pending invitation, the
federation's terms v1 accepted, and one API key printed by `make run`.

Runs after the federation's demo (seed_demo runs `coop.federation` first). Idempotent: the
demo key's secret is derived from SECRET_KEY, so every run finds the same key (and prints the
same secret) instead of creating another."""

import hashlib
import hmac

from django.conf import settings
from django.db import transaction

from accounts.keys import api_key_generate, secret_digest
from accounts.models import ApiKey, Organisation, OrganisationStaff, StaffInvitation, TermsVersion, User
from accounts.requesters import services
from accounts.selectors import organisation_terms_current
from accounts.services import user_signup

TERMS = """# Terms of service for requesters

1. **Pay.** You fund each project in full before it is published. Rewards are never below the
   floor hourly rate of the coop you post to, computed on your own time estimate.
2. **Review.** You review submitted work within the coop's auto-approval delay. You reject work only
   with one of the coop's published reasons and an explanation; members may appeal to a jury of
   their peers, whose decision you accept.
3. **Privacy.** You see workers only under a pseudonymous id. You do not try to identify them, and
   you do not ask them for personal data.
4. **Content.** You do not post work in the data categories a coop has banned, and you flag
   sensitive content honestly.
5. **Suspension.** The federation may suspend your organisation for a breach of these terms; it
   tells you why.
"""

OWNER = ("requester@ravina.example", "Mireille Ravina")
STAFF = ("staff@ravina.example", "Paul Ravina")
PENDING = "data@ravina.example"


def demo_key_randomness():
    """32 bytes derived from SECRET_KEY: the same demo key on every run of one installation."""
    return hmac.new(settings.SECRET_KEY.encode(), b"atelier-demo-api-key:ravina", hashlib.sha256).digest()


def _user(email, name, password):
    return User.objects.filter(email=email).first() or user_signup(
        email=email, password=password, display_name=name, country="FR", languages=["fr", "en"])


@transaction.atomic
def seed(ctx):
    password = ctx.get("password", "atelier-demo")
    operator = ctx.get("operator") or User.objects.filter(is_staff=True).order_by("pk").first()
    if not TermsVersion.objects.exists():
        services.terms_version_publish(operator=operator, text=TERMS)
    owner = _user(*OWNER, password)
    org = Organisation.objects.filter(slug="ravina-labs").first()
    if org is None:
        org = services.organisation_register(
            user=owner, name="Ravina Labs", country="FR", contact_email="contact@ravina.example",
            website="https://ravina.example",
            description="A speech and language lab in Lyon. We build open datasets for under-served languages, "
                        "Malagasy and Yoruba first.")
    if not organisation_terms_current(organisation=org):
        services.terms_accept(user=owner, organisation=org, version=TermsVersion.objects.order_by("-number").first())
    staff = _user(*STAFF, password)
    if not OrganisationStaff.objects.filter(organisation=org, user=staff).exists():
        _inv, token = services.invitation_create(user=owner, organisation=org, email=staff.email, send=False)
        services.invitation_accept(user=staff, token=token)
    if not StaffInvitation.objects.filter(organisation=org, email=PENDING).exists():
        services.invitation_create(user=owner, organisation=org, email=PENDING, send=False)
    secret, _prefix = api_key_generate(randomness=demo_key_randomness())
    if not ApiKey.objects.filter(secret_hash=secret_digest(secret)).exists():
        services.api_key_create(user=owner, organisation=org, name="demo script", randomness=demo_key_randomness())
    ctx.setdefault("organisations", {})["ravina"] = org
    ctx.setdefault("users", {}).update({owner.email: owner, staff.email: staff})
    ctx["logins"] += [
        ("requester owner (Ravina)", owner.email),
        ("requester staff (Ravina)", staff.email),
        ("requester API key (Ravina)", secret),
    ]
