"""The solidarity fund's pages (issue 23; docs/solidarity.md): the members' page (the fund by
month, anonymous grants, giving, asking for help, one's own applications) and the stewards'
queue (statements, four-eyes grants, refusals, putting a large grant to the members' vote)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coop.core.errors import DomainError
from coop.federation.access import membership_active_of, steward_required
from coop.federation.selectors import rulebook_in_force
from coop.governance.services import hardship_vote_open
from ledger import selectors
from ledger.forms import ContributionForm, HardshipDecisionForm, HardshipForm
from ledger.models import HardshipApplication
from ledger.services.hardship import hardship_apply, hardship_approve, hardship_refuse
from ledger.services.solidarity import solidarity_contribute


def _reasons():
    return HardshipApplication.Reason.choices


@login_required
def solidarity(request):
    membership = membership_active_of(request.user)
    if membership is None:
        raise PermissionDenied(_("Only active members see their coop's solidarity fund."))
    coop = membership.coop
    give = ContributionForm(prefix="give", initial={"nonce": uuid.uuid4().hex})
    ask = HardshipForm(prefix="ask", reasons=_reasons())
    if request.method == "POST":
        try:
            if "give-amount" in request.POST:
                give = ContributionForm(request.POST, prefix="give")
                if give.is_valid():
                    solidarity_contribute(user=request.user, amount=give.cleaned_data["amount"],
                                          key=give.cleaned_data["nonce"] or uuid.uuid4().hex)
                    messages.success(request, _("Thank you: your gift is in the solidarity fund."))
                    return redirect("ledger:solidarity")
            else:
                ask = HardshipForm(request.POST, prefix="ask", reasons=_reasons())
                if ask.is_valid():
                    data = ask.cleaned_data
                    hardship_apply(user=request.user, reason=data["reason"], statement=data["statement"],
                                   amount=data["amount"])
                    messages.success(request, _("Your request was sent to your coop's stewards."))
                    return redirect("ledger:solidarity")
        except DomainError as exc:
            messages.error(request, exc.message)
    rulebook = rulebook_in_force(coop=coop)
    return render(request, "ledger/solidarity.html", {
        "coop": coop, "balance": selectors.solidarity_fund_balance(coop=coop),
        "months": selectors.solidarity_months(coop=coop), "grants": selectors.solidarity_grants_public(coop=coop),
        "mine": selectors.hardship_applications_of(user=request.user)[:10], "give": give, "ask": ask,
        "share_pct": rulebook["solidarity_fund_bps"] / 100, "steward_max": rulebook["solidarity_steward_grant_max"],
        "vote_hours": rulebook["solidarity_vote_hours"],
    })


@steward_required
def solidarity_steward(request, stewardship):
    coop = stewardship.coop
    return render(request, "ledger/solidarity_steward.html", {
        "coop": coop, "balance": selectors.solidarity_fund_balance(coop=coop),
        "queue": selectors.hardship_queue(coop=coop), "decided": selectors.hardship_decided(coop=coop),
        "steward_max": rulebook_in_force(coop=coop)["solidarity_steward_grant_max"],
    })


@steward_required
@require_POST
def hardship_decide(request, stewardship, pk):
    application = get_object_or_404(HardshipApplication, pk=pk, coop=stewardship.coop)
    form = HardshipDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("ledger:solidarity_steward")
    action = form.cleaned_data["action"]
    try:
        if action == "approve":
            application = hardship_approve(steward=request.user, application=application)
            if application.status == HardshipApplication.Status.AWAITING_SECOND:
                messages.success(request, _("Recorded. A second steward must approve this grant."))
            else:
                messages.success(request, _("Granted: the money is in the member's wallet."))
        elif action == "refuse":
            hardship_refuse(steward=request.user, application=application, note=form.cleaned_data["note"])
            messages.success(request, _("Refused; the member was told."))
        else:
            proposal = hardship_vote_open(steward=request.user, application=application)
            messages.success(request, _("Put to the members' secret vote."))
            return redirect("governance:proposal", proposal.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("ledger:solidarity_steward")
