"""Demo federation: two coops with stewards, members and an applicant."""

from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.services import user_signup
from coop.federation import services
from coop.federation.models import Coop, Membership

PASSWORD = "atelier-demo"
FAIR_SHARE_MINUTES = 24 * 60

COOPS = [
    ("tana", "Coop Antananarivo", "MG", "Transcription and labelling, Malagasy, French and English."),
    ("lagos", "Lagos Click Workers Coop", "NG", "Image labelling, rating and moderation."),
]
# the local rails each coop voted (issue 23, ledger/payout_methods.py)
PAYOUT_RAILS = {
    "tana": {"payout_methods": ["mvola", "orange_money_mg", "airtel_money_mg", "bank_transfer", "cash_pickup"]},
    "lagos": {"payout_methods": ["opay", "paga", "bank_transfer"]},
}
PEOPLE = [
    # email, display name, country, coop, role
    ("steward@tana.example", "Hery Rakoto", "MG", "tana", "steward"),
    ("steward2@tana.example", "Voahangy Rabe", "MG", "tana", "steward"),
    ("member@tana.example", "Fara Andriamanana", "MG", "tana", "member"),
    ("member2@tana.example", "Lova Randria", "MG", "tana", "member"),
    ("member3@tana.example", "Nirina Solo", "MG", "tana", "member"),
    ("member4@tana.example", "Tiana Ravelo", "MG", "tana", "member"),
    ("steward@lagos.example", "Chidi Okafor", "NG", "lagos", "steward"),
    ("member@lagos.example", "Amaka Eze", "NG", "lagos", "member"),
    ("member2@lagos.example", "Tunde Bello", "NG", "lagos", "member"),
]


def _user(email, name, country):
    user = User.objects.filter(email=email).first()
    return user or user_signup(email=email, password=PASSWORD, display_name=name, country=country,
                               languages=["fr", "en"] if country == "MG" else ["en"])


@transaction.atomic
def seed(ctx):
    ctx["password"] = PASSWORD
    services.federation_setup(name=settings.FEDERATION_NAME, currency=settings.FEDERATION_CURRENCY)
    operator = User.objects.filter(email="operator@atelier.example").first()
    if operator is None:
        operator = User.objects.create_superuser(email="operator@atelier.example", password=PASSWORD)
    ctx["operator"] = operator
    ctx["logins"].append(("federation operator (admin)", operator.email))
    coops = {}
    for slug, name, country, description in COOPS:
        # a fair-share window of 24 hours spans every time zone a coop's members live in
        coop = Coop.objects.filter(slug=slug).first() or services.coop_create(
            operator=operator, name=name, slug=slug, country=country, description=description,
            parameters={"fair_share_window_minutes": FAIR_SHARE_MINUTES, **PAYOUT_RAILS.get(slug, {})})
        coops[slug] = coop
    ctx["coops"] = coops
    users = {}
    for email, name, country, slug, role in PEOPLE:
        user = _user(email, name, country)
        users[email] = user
        coop = coops[slug]
        if Membership.objects.filter(user=user).exists():
            continue
        if role == "steward":
            services.steward_appoint(operator=operator, coop=coop, user=user)
        else:
            membership = services.membership_apply(user=user, coop=coop,
                                                   statement="I have done transcription work for two years.")
            steward = next(u for e, _n, _c, s, r in PEOPLE if s == slug and r == "steward" for u in [users[e]])
            services.membership_admit(steward=steward, membership=membership)
    applicant = _user("applicant@tana.example", "Soa Rasoa", "MG")
    if not Membership.objects.filter(user=applicant).exists():
        services.membership_apply(user=applicant, coop=coops["tana"],
                                  statement="I would like to do transcription work in Malagasy and French.")
    users[applicant.email] = applicant
    ctx["users"] = users
    towns = {"tana": "Antananarivo", "lagos": "Lagos"}
    ctx["logins"] += [(f"{role} ({towns[slug]})", email) for email, _name, _country, slug, role in PEOPLE]
    ctx["logins"].append(("applicant (Antananarivo)", "applicant@tana.example"))
