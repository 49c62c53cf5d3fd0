"""Demo money: Ravina Labs' deposit (recorded by the operator), each coop's members' dues in its
treasury and its juror fund topped up to the voted reserve (so the demo's appeals pay their
jurors), welcome bonuses in a few members' wallets, one payout sent and one waiting in the
Antananarivo stewards' queue; the operator's exchange rates, and one Antananarivo member who
reads amounts in ariary too.
Idempotent: every movement has a fixed key, so a second run replays instead of moving money."""

from accounts.models import Organisation, User
from accounts.services import profile_update
from coop.federation.models import Coop
from ledger import services, treasury
from ledger.models import ExchangeRate, Payout

TREASURY_DUES = 20_000  # members' yearly dues, recorded by the operator
DEMO_RATES = {"MGA": "4600", "NGN": "1550", "KES": "129", "EUR": "0.92", "XOF": "603", "VES": "36.5"}
BONUSES = [("member@tana.example", 2_500), ("member2@tana.example", 1_500), ("member@lagos.example", 2_000)]


def seed(ctx):
    operator = ctx.get("operator") or User.objects.filter(is_staff=True).order_by("pk").first()
    org = ctx.get("organisations", {}).get("ravina") or Organisation.objects.filter(slug="ravina-labs").first()
    if operator is None or org is None:
        return
    services.deposit_record(operator=operator, organisation=org, amount=500_000, reference="DEMO-WIRE-001")
    for coop in Coop.objects.order_by("pk"):
        treasury.treasury_contribution_record(operator=operator, coop=coop, amount=TREASURY_DUES,
                                              reference="DEMO-DUES-2026")
        treasury.juror_fund_top_up(coop=coop, key=f"demo:coop:{coop.pk}:juror-fund:top-up")
    for email, amount in BONUSES:
        user = User.objects.filter(email=email).first()
        if user is not None:
            services.bonus_pay(organisation=org, user=user, amount=amount, key=f"demo:bonus:{email}",
                               memo="Welcome to Atelier")
    member = User.objects.filter(email="member@tana.example").first()
    steward = User.objects.filter(email="steward@tana.example").first()
    if member and steward:
        sent = services.payout_request(user=member, amount=1_000, method="mvola", key="demo-1",
                                       destination={"phone": "034 20 000 01", "holder": "Fara Andriamanana"})
        if sent.status in Payout.OPEN:
            services.payout_settle(steward=steward, payout=sent, reference="MVOLA-DEMO-0001")
    waiting = User.objects.filter(email="member2@tana.example").first()
    if waiting:
        services.payout_request(user=waiting, amount=600, method="bank_transfer", key="demo-2",
                                destination={"holder": "Lova Randria", "account": "MG46 0000 5030 0712 8942 1016 045",
                                             "bank": "BOA Madagascar"})
    # the operator's rates (display only), and the Antananarivo member who reads amounts in ariary
    for code, rate in DEMO_RATES.items():
        if not ExchangeRate.objects.filter(currency=code).exists():
            services.exchange_rate_set(actor=operator, currency=code, rate=rate)
    if member is not None and member.profile.display_currency != "MGA":
        profile_update(user=member, display_currency="MGA")
