"""The ledger: accounts, transactions, postings, balances, payouts.

Transactions and postings are insert-only (database triggers refuse UPDATE and DELETE; on
PostgreSQL a deferred constraint trigger refuses a transaction whose postings do not sum to
zero at commit). `Balance` is the only ledger table ever updated, always under a row lock
and in the same database transaction as the postings that change it (DESIGN.md seam 3)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Account(models.Model):
    """A place money can be. Owned generically (`owner_kind`, `owner_id`) so the ledger
    imports no model of the apps it serves. Shared accounts that many releases pay into
    (treasury, federation fee, juror fund) exist as `LEDGER_SHARDS` sub-accounts (`shard`)
    chosen by a hash of the transaction key and summed when read."""

    class Kind(models.TextChoices):
        WALLET = "wallet", _("member wallet")
        REQUESTER = "requester", _("requester balance")
        ESCROW = "escrow", _("project escrow")
        TREASURY = "treasury", _("coop treasury")
        FEDERATION_FEE = "federation_fee", _("federation fee account")
        JUROR_FUND = "juror_fund", _("juror fund")
        SOLIDARITY_FUND = "solidarity_fund", _("solidarity fund")
        PAYOUT_CLEARING = "payout_clearing", _("payout clearing")
        WORLD = "world", _("outside world")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    owner_kind = models.CharField(max_length=40)
    owner_id = models.BigIntegerField()
    shard = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "owner_kind", "owner_id", "shard"], name="ledger_account_unique"),
        ]
        indexes = [models.Index(fields=["owner_kind", "owner_id"])]

    def __str__(self):
        suffix = f"#{self.shard}" if self.shard else ""
        return f"{self.kind} {self.owner_kind}:{self.owner_id}{suffix}"


class Balance(models.Model):
    """The current balance of one account; read in constant time, changed only under the
    row lock together with the postings (and checked against them by the reconciliation)."""

    account = models.OneToOneField(Account, primary_key=True, on_delete=models.PROTECT, related_name="balance")
    amount = models.BigIntegerField(default=0)
    allow_negative = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0) | Q(allow_negative=True),
                                   name="ledger_balance_not_negative"),
        ]

    def __str__(self):
        return f"{self.account}: {self.amount}"


class Transaction(models.Model):
    """One movement of money: two or more postings summing to zero. Insert-only."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        ESCROW_HOLD = "escrow_hold", _("Escrow hold")
        ESCROW_RELEASE = "escrow_release", _("Payment for approved work")
        ESCROW_REFUND = "escrow_refund", _("Escrow refund")
        BONUS = "bonus", _("Bonus")
        JUROR_PAY = "juror_pay", _("Juror pay")
        TREASURY_FUND = "treasury_fund", _("Coop funding")
        TREASURY_CONTRIBUTION = "treasury_contribution", _("Contribution to the coop's treasury")
        JUROR_FUND_TOP_UP = "juror_fund_top_up", _("Juror fund top-up from the treasury")
        PAYOUT_REQUEST = "payout_request", _("Payout requested")
        PAYOUT_SETTLE = "payout_settle", _("Payout sent")
        PAYOUT_FAIL = "payout_fail", _("Payout failed, money returned")
        REVERSAL = "reversal", _("Correction")
        DONATION = "donation", _("Given to the coop's treasury")
        SOLIDARITY_CONTRIBUTION = "solidarity_contribution", _("Contribution to the solidarity fund")
        SOLIDARITY_FEE_SHARE = "solidarity_fee_share", _("Solidarity fund's share of the fees")
        SOLIDARITY_GRANT = "solidarity_grant", _("Solidarity grant")
        PATRONAGE = "patronage", _("Share of the coop's surplus (patronage)")

    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    memo = models.CharField(max_length=300, blank=True)
    # Referential checks of the hot path are done by the balanced-at-commit trigger with plain
    # reads (the referenced tables are append-only), not by FK constraints, whose KEY SHARE
    # row locks on shared rows cost a multixact and WAL per posting (docs/ledger.md).
    event = models.ForeignKey("eventlog.Event", on_delete=models.PROTECT, related_name="+", db_constraint=False,
                              db_index=False)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # a constraint, not unique=True: no second (LIKE) index on the hot path
        constraints = [models.UniqueConstraint(fields=["key"], name="ledger_transaction_key_unique")]

    def __str__(self):
        return f"{self.kind} {self.key}"


class Posting(models.Model):
    """One line of a transaction on one account. `balance_after` is the account's balance
    right after this posting (written under the account's lock): statements read it as the
    running balance. Insert-only."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="postings",
                                    db_constraint=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings", db_constraint=False,
                                db_index=False)  # the (account, id) index serves lookups
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["account", "id"])]

    def __str__(self):
        return f"{self.account}: {self.amount:+d}"


class Payout(models.Model):
    """A member's withdrawal to the outside world. The money leaves the wallet for the coop's
    payout clearing account at request; a steward records the external reference (and above
    `payout_four_eyes_above` a second steward confirms) or the failure, which returns it.
    The payout row carries its workflow status; the money itself moves only by transactions."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        AWAITING_SECOND = "awaiting_second", _("Awaiting a second steward")
        SETTLED = "settled", _("Sent")
        FAILED = "failed", _("Failed")

    OPEN = (Status.REQUESTED, Status.AWAITING_SECOND)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    coop = models.ForeignKey("federation.Coop", on_delete=models.PROTECT, related_name="payouts")
    amount = models.BigIntegerField()
    method = models.CharField(max_length=40)
    details = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    rulebook_version = models.PositiveIntegerField()
    requested_at = models.DateTimeField(default=timezone.now)
    request_transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="+")
    first_steward = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    reference = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    final_transaction = models.OneToOneField(Transaction, null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["coop", "status"]), models.Index(fields=["user", "-requested_at"])]

    def __str__(self):
        return f"payout {self.pk} {self.amount} ({self.status})"


class Reconciliation(models.Model):
    """One run of the reconciliation job: balances against postings, transactions summing to
    zero, escrow against the obligations the marketplace reports."""

    started_at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField()
    accounts_checked = models.PositiveIntegerField(default=0)
    transactions_checked = models.PositiveIntegerField(default=0)
    escrow_checked = models.BooleanField(default=False)
    findings = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"reconciliation {self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'FAILED'}"


class HardshipApplication(models.Model):
    """A member's request for help from their coop's solidarity fund (docs/solidarity.md).

    Up to the voted `solidarity_steward_grant_max`, two different stewards grant it (four eyes,
    like payouts); above it, a steward puts it to a secret members' vote with a short deadline.
    The statement is read by the coop's stewards only: members (the vote included) see the
    amount and the decision. A workflow record, updated; the money moves only by the grant's
    transaction (`transaction`)."""

    class Reason(models.TextChoices):
        ILLNESS = "illness", _("Illness")
        INJURY = "injury", _("Injury")
        BEREAVEMENT = "bereavement", _("A death in the family")
        NO_WORK = "no_work", _("A drought of work")
        OTHER = "other", _("Other hardship")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the stewards")
        AWAITING_SECOND = "awaiting_second", _("Waiting for a second steward")
        TO_VOTE = "to_vote", _("Being put to a vote")
        IN_VOTE = "in_vote", _("Members are voting")
        GRANTED_UNPAID = "granted_unpaid", _("Granted, waiting for money in the fund")
        GRANTED = "granted", _("Granted and paid")
        REFUSED = "refused", _("Refused")

    OPEN = (Status.PENDING, Status.AWAITING_SECOND, Status.TO_VOTE, Status.IN_VOTE, Status.GRANTED_UNPAID)

    coop = models.ForeignKey("federation.Coop", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    statement = models.TextField(max_length=2000)
    amount = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    rulebook_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    first_steward = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    # the governance proposal of a members' vote (an id, not a key: the ledger sits below governance)
    proposal_id = models.PositiveIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_via = models.CharField(max_length=10, blank=True)  # "stewards" or "vote"
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_note = models.CharField(max_length=300, blank=True)  # stewards' note to the member
    grant_transaction = models.OneToOneField(Transaction, null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["coop", "status"]), models.Index(fields=["user", "-created_at"])]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="hardship_amount_positive")]

    def __str__(self):
        return f"hardship {self.pk} {self.amount} ({self.status})"


class PatronageDistribution(models.Model):
    """A share of the coop's treasury surplus returned to its members in proportion to their
    approved work in one finished period (docs/patronage.md). Stewards propose it (`amount`,
    the period and the measure fixed then, with every member's share computed and stored);
    the members vote; adoption pays one ledger transaction per member. A workflow record,
    updated; the money moves only by the shares' transactions."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, members to vote")
        ADOPTED = "adopted", _("Adopted, waiting for money in the treasury")
        PAID = "paid", _("Adopted and paid")
        REFUSED = "refused", _("Not adopted")

    class Measure(models.TextChoices):
        PAID_MINUTES = "paid_minutes", _("paid minutes of approved work")
        AMOUNT = "amount", _("amount earned by approved work")

    coop = models.ForeignKey("federation.Coop", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField(help_text="exclusive")
    measure = models.CharField(max_length=16, choices=Measure.choices)
    amount = models.BigIntegerField()
    total_work = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    rulebook_version = models.PositiveIntegerField()
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # the governance proposal of the members' vote (an id: the ledger sits below governance)
    proposal_id = models.PositiveIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0) & Q(total_work__gt=0), name="patronage_positive"),
            # a period is shared once: a refused distribution frees it for another proposal
            models.UniqueConstraint(fields=["coop", "period_start"], condition=~Q(status="refused"),
                                    name="patronage_one_per_period"),
        ]

    def __str__(self):
        return f"patronage {self.pk} {self.period_start} {self.amount} ({self.status})"


class PatronageShare(models.Model):
    """One member's share of a distribution, computed when it is proposed: `amount × work /
    total_work` rounded down (`floor`), plus one unit for the members with the largest
    remainders (`remainder`, the numerator over `total_work`) until the amounts add up."""

    distribution = models.ForeignKey(PatronageDistribution, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    work = models.BigIntegerField()
    floor = models.BigIntegerField()
    remainder = models.BigIntegerField()
    amount = models.BigIntegerField()
    transaction = models.OneToOneField(Transaction, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")

    class Meta:
        ordering = ["distribution", "user_id"]
        constraints = [models.UniqueConstraint(fields=["distribution", "user"], name="patronage_share_unique"),
                       models.CheckConstraint(condition=Q(work__gt=0) & Q(amount__gte=0),
                                              name="patronage_share_positive")]

    def __str__(self):
        return f"patronage share {self.distribution_id}/{self.user_id}: {self.amount}"


class ExchangeRate(models.Model):
    """The operator's rate for showing amounts in a member's local currency (issue 23): `rate`
    units of `currency` for one unit of the federation's currency, as of `date`. Display only:
    the ledger stays in the federation's currency. Rows are added, never changed; the one in
    force for a currency is the latest by `date` (then by id)."""

    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=6)
    date = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["currency", "-date", "-pk"]
        indexes = [models.Index(fields=["currency", "-date", "-id"], name="exchange_rate_in_force")]
        constraints = [models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive")]

    def __str__(self):
        return f"{self.currency} {self.rate} ({self.date})"
