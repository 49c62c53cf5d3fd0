"""The surplus shared by work done (issue 23; docs/patronage.md): the members' page (each
distribution, one's own share and how it was computed) and the stewards' two actions (propose a
distribution to the members' vote; pay one the treasury could not pay at the vote's close)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from coop.core.errors import DomainError
from coop.federation.access import membership_active_of, steward_required
from coop.federation.selectors import rulebook_in_force
from coop.governance.services import patronage_vote_open
from ledger import selectors
from ledger.forms import PatronagePayForm, PatronageProposeForm
from ledger.models import PatronageDistribution
from ledger.services.patronage import patronage_pay, period_last


@login_required
@require_safe
def patronage(request):
    membership = membership_active_of(request.user)
    if membership is None:
        raise PermissionDenied(_("Only active members see how their coop shares its surplus."))
    coop = membership.coop
    rulebook = rulebook_in_force(coop=coop)
    distributions = list(selectors.patronage_distributions(coop=coop)[:20])
    shares = selectors.patronage_shares_of(user=request.user, distributions=distributions)
    for d in distributions:
        d.mine = shares.get(d.pk)
    start, end = period_last(period=rulebook["patronage_period"], now=timezone.now())
    return render(request, "ledger/patronage.html", {
        "coop": coop, "distributions": distributions, "is_steward": membership.is_steward,
        "treasury": selectors.coop_fund_balances(coop=coop)["treasury"], "period": rulebook["patronage_period"],
        "measure": rulebook["patronage_measure"], "next_start": start, "next_end": end,
        "form": PatronageProposeForm(),
    })


@steward_required
@require_POST
def patronage_propose(request, stewardship):
    form = PatronageProposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the amount of the surplus to share."))
        return redirect("ledger:patronage")
    try:
        proposal = patronage_vote_open(steward=request.user, amount=form.cleaned_data["amount"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("ledger:patronage")
    messages.success(request, _("Proposed: the members discuss it, then vote."))
    return redirect("governance:proposal", proposal.pk)


@steward_required
@require_POST
def patronage_pay_now(request, stewardship):
    form = PatronagePayForm(request.POST)
    found = form.is_valid() and PatronageDistribution.objects.filter(
        pk=form.cleaned_data["distribution"], coop=stewardship.coop).first()
    if not found:
        messages.error(request, _("Choose a distribution of your coop."))
        return redirect("ledger:patronage")
    try:
        patronage_pay(distribution=found, actor=request.user)
        messages.success(request, _("Paid: every member's share is in their wallet."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("ledger:patronage")
