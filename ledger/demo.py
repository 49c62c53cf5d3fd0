"""Demo money: Ravina Labs' deposit (recorded by the operator), each coop's members' dues in its
treasury and its juror fund topped up to the voted reserve (so the demo's appeals pay their
jurors), welcome bonuses in a few members' wallets, one payout sent and one waiting in the
Antananarivo stewards' queue.
Idempotent: every movement has a fixed key, so a second run replays instead of moving money."""

from accounts.models import Organisation, User
from coop.federation.models import Coop
from ledger import services, treasury
from ledger.models import Payout

TREASURY_DUES = 20_000  # members' yearly dues, recorded by the operator
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
        sent = services.payout_request(user=member, amount=1_000, method="mobile_money", details="+261 34 00 000 01",
                                       key="demo-1")
        if sent.status in Payout.OPEN:
            services.payout_settle(steward=steward, payout=sent, reference="MVOLA-DEMO-0001")
    waiting = User.objects.filter(email="member2@tana.example").first()
    if waiting:
        services.payout_request(user=waiting, amount=600, method="bank_transfer", details="BOA MG 0001 2345",
                                key="demo-2")
