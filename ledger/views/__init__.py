"""Ledger pages: the member's wallet, the requester's money, the steward's payout queue and
the operator's deposits and reconciliation. Every write calls a service."""

import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Organisation
from coop.core.csv import csv_response
from coop.core.errors import DomainError
from coop.core.money import LOCAL_CURRENCIES, currency, exponent
from coop.federation.access import is_operator, operator_required, requester_staff_require, steward_required
from coop.federation.selectors import membership_live, rulebook_in_force
from ledger import selectors, services
from ledger.forms import (
    DepositForm,
    ExchangeRateForm,
    FailForm,
    MonthForm,
    PayoutRequestForm,
    ReverseForm,
    SettleForm,
)
from ledger.models import Payout, Transaction

STATEMENT_PAGE = 50


def _month(request):
    form = MonthForm(request.GET)
    return form.cleaned_data["month"] if form.is_valid() else ""


def _page(request, qs):
    return Paginator(qs, STATEMENT_PAGE).get_page(request.GET.get("page"))


def _decimal(minor):
    return Decimal(minor).scaleb(-exponent())


def _csv(rows, filename):
    code = currency()
    lines = ([line.transaction.created_at.isoformat(), line.transaction_id, line.transaction.kind,
              line.transaction.memo, _decimal(line.amount), _decimal(line.balance_after), code]
             for line in rows.iterator())
    return csv_response(filename, ["date", "transaction", "kind", "memo", "amount", "balance", "currency"], lines)


# --- member ------------------------------------------------------------------------------

def _payout_methods(membership):
    if membership is None or membership.status in ("applicant", "declined"):
        return None
    return list(rulebook_in_force(coop=membership.coop)["payout_methods"])


@login_required
def wallet(request):
    membership = membership_live(user=request.user)
    methods = _payout_methods(membership)
    form = None
    if methods is not None:
        form = PayoutRequestForm(request.POST or None, methods=methods, initial={"nonce": uuid.uuid4().hex})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.payout_request(user=request.user, amount=data["amount"], method=data["method"],
                                        destination=form.destination(), key=data["nonce"] or None)
            except DomainError as exc:
                fields = exc.extra.get("fields", {}) if isinstance(exc.extra, dict) else {}
                for name, message in fields.items():
                    form.add_error(f"dest_{name}" if f"dest_{name}" in form.fields else None, message)
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Your payout request was sent to your coop's stewards."))
                return redirect("ledger:wallet")
    month = _month(request)
    statement = selectors.wallet_statement(user=request.user, month=month)
    page = _page(request, statement)
    page.object_list = selectors.statement_subjects(page.object_list)
    return render(request, "ledger/wallet.html", {
        "membership": membership, "balance": selectors.wallet_balance(user=request.user),
        "held": selectors.wallet_held(user=request.user), "page": page, "month": month,
        "months": selectors.statement_months(selectors.wallet_statement(user=request.user)),
        "form": form, "payouts": selectors.payouts_of(user=request.user)[:20],
        "minimum": rulebook_in_force(coop=membership.coop)["payout_minimum"] if methods is not None else None,
    })


@login_required
def wallet_csv(request):
    month = _month(request)
    rows = selectors.wallet_statement(user=request.user, month=month)
    return _csv(rows, f"wallet-{month or 'all'}.csv")


# --- requester ---------------------------------------------------------------------------

def _organisation(request, org_id):
    organisation = get_object_or_404(Organisation, pk=org_id)
    if not is_operator(request.user):
        try:
            requester_staff_require(request.user, organisation_id=organisation.pk)
        except DomainError:
            raise PermissionDenied(_("Only the staff of this requester may see its money."))
    return organisation


@login_required
def requester_money(request, org_id):
    organisation = _organisation(request, org_id)
    month = _month(request)
    escrows = selectors.escrow_by_project(organisation=organisation)
    page = _page(request, selectors.requester_statement(organisation=organisation, month=month))
    page.object_list = selectors.statement_subjects(page.object_list)
    return render(request, "ledger/requester.html", {
        "organisation": organisation, "balance": selectors.requester_balance(organisation=organisation),
        "escrows": sorted(escrows.items()), "escrow_total": sum(escrows.values()), "month": month,
        "page": page,
        "months": selectors.statement_months(selectors.requester_statement(organisation=organisation)),
    })


@login_required
def requester_csv(request, org_id):
    organisation = _organisation(request, org_id)
    month = _month(request)
    return _csv(selectors.requester_statement(organisation=organisation, month=month),
                f"{organisation.slug}-{month or 'all'}.csv")


# --- steward -----------------------------------------------------------------------------

@steward_required
def steward_funds(request, stewardship):
    """The coop's money for stewards: treasury, juror fund with its reserve and runway."""
    coop = stewardship.coop
    return render(request, "ledger/steward_funds.html", {
        "coop": coop, "funds": selectors.coop_fund_balances(coop=coop),
        "outlook": selectors.juror_fund_outlook(coop=coop),
    })


@steward_required
def steward_payouts(request, stewardship):
    coop = stewardship.coop
    return render(request, "ledger/steward_payouts.html", {
        "coop": coop, "queue": selectors.payouts_queue(coop=coop), "recent": selectors.payouts_recent(coop=coop),
        "funds": selectors.coop_fund_balances(coop=coop),
        "four_eyes_above": rulebook_in_force(coop=coop)["payout_four_eyes_above"],
        "settle_form": SettleForm(), "fail_form": FailForm(),
    })


def _payout_in_my_coop(stewardship, pk):
    return get_object_or_404(Payout, pk=pk, coop=stewardship.coop)


@steward_required
@require_POST
def payout_settle(request, stewardship, pk):
    payout = _payout_in_my_coop(stewardship, pk)
    form = SettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the payment reference."))
        return redirect("ledger:steward_payouts")
    try:
        payout = services.payout_settle(steward=request.user, payout=payout, reference=form.cleaned_data["reference"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if payout.status == Payout.Status.AWAITING_SECOND:
            messages.success(request, _("Recorded. A second steward must confirm this payout."))
        else:
            messages.success(request, _("Payout recorded as sent."))
    return redirect("ledger:steward_payouts")


@steward_required
@require_POST
def payout_fail(request, stewardship, pk):
    payout = _payout_in_my_coop(stewardship, pk)
    form = FailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the payout failed."))
        return redirect("ledger:steward_payouts")
    try:
        services.payout_fail(steward=request.user, payout=payout, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Payout recorded as failed; the money is back in the member's wallet."))
    return redirect("ledger:steward_payouts")


# --- federation operator -----------------------------------------------------------------

@operator_required
def operator_ledger(request):
    deposit_form = DepositForm(prefix="deposit")
    reverse_form = ReverseForm(prefix="reverse")
    rate_form = ExchangeRateForm(prefix="rate")
    if request.method == "POST" and "deposit-amount" in request.POST:
        deposit_form = DepositForm(request.POST, prefix="deposit")
        if deposit_form.is_valid():
            data = deposit_form.cleaned_data
            try:
                services.deposit_record(operator=request.user, organisation=data["organisation"],
                                        amount=data["amount"], reference=data["reference"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Deposit recorded."))
                return redirect("ledger:operator")
    elif request.method == "POST" and "reverse-transaction" in request.POST:
        reverse_form = ReverseForm(request.POST, prefix="reverse")
        if reverse_form.is_valid():
            data = reverse_form.cleaned_data
            original = Transaction.objects.filter(pk=data["transaction"]).first()
            try:
                services.transaction_reverse(operator=request.user, transaction=original or Transaction(),
                                             reason=data["reason"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Correction recorded."))
                return redirect("ledger:operator")
    elif request.method == "POST" and "rate-rate" in request.POST:
        rate_form = ExchangeRateForm(request.POST, prefix="rate")
        if rate_form.is_valid():
            data = rate_form.cleaned_data
            try:
                services.exchange_rate_set(actor=request.user, currency=data["currency"], rate=data["rate"],
                                           date=data["date"])
            except DomainError as exc:
                rate_form.add_error(exc.extra.get("field") if exc.extra.get("field") in rate_form.fields else None,
                                    exc.message)
            else:
                messages.success(request, _("Rate set."))
                return redirect("ledger:operator")
    elif request.method == "POST" and "reconcile" in request.POST:
        report = services.reconciliation_run(actor=request.user)
        if report.ok:
            messages.success(request, _("The books reconcile."))
        else:
            messages.error(request, _("The reconciliation found problems: see the report."))
        return redirect("ledger:operator")
    return render(request, "ledger/operator.html", {
        "deposit_form": deposit_form, "reverse_form": reverse_form, "rate_form": rate_form,
        "rates": [r for c in LOCAL_CURRENCIES if (r := selectors.exchange_rate_in_force(currency=c)) is not None],
        "deposits": selectors.transactions_recent(kind=Transaction.Kind.DEPOSIT, limit=20),
        "transactions": selectors.transactions_recent(limit=20),
        "reports": selectors.reconciliations_recent(), "federation_fee": selectors.federation_fee_balance(),
    })
