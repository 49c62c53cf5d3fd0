from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coop.core.errors import DomainError, NotFound
from coop.federation.selectors import membership_active
from coop.governance import selectors, services
from coop.governance.forms import ProposeForm, VoteForm


def _proposal(request, pk):
    try:
        return selectors.proposal_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404


@login_required
def proposals(request):
    groups = selectors.proposals_grouped(user=request.user)
    can_propose = membership_active(user=request.user) is not None
    return render(request, "governance/proposal_list.html", {"groups": groups, "can_propose": can_propose})


@login_required
def proposal_new(request):
    choices = selectors.propose_choices(user=request.user)
    if choices is None:
        messages.error(request, _("Only active members make proposals."))
        return redirect("governance:proposals")
    form = ProposeForm(request.POST or None, choices=choices)
    if request.method == "POST" and request.POST.get("submit") == "preview":
        form.is_valid()  # show the rule the builder makes, save nothing (works without JavaScript)
    elif request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(
                author=request.user, title=form.cleaned_data["title"], body=form.cleaned_data["body"],
                changes=form.changes(), secret=form.cleaned_data["secret"],
                federation=form.cleaned_data.get("federation", False))
            if request.POST.get("submit") == "discussion":
                services.proposal_submit(author=request.user, proposal=proposal)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your proposal is saved."))
            return redirect("governance:proposal", pk=proposal.pk)
    return render(request, "governance/proposal_form.html", {"form": form, "choices": choices})


@login_required
def proposal_detail(request, pk):
    proposal = _proposal(request, pk)
    return render(request, "governance/proposal_detail.html", {
        "proposal": proposal, "diff": selectors.proposal_diff(proposal=proposal),
        "tally": selectors.tally_summary(proposal=proposal), "per_coop": selectors.results_per_coop(proposal=proposal),
        "my_vote": selectors.my_vote(proposal=proposal, user=request.user),
        "votes": selectors.votes_public(proposal=proposal), "voted": selectors.voters_who_voted(proposal=proposal),
        "time_left": selectors.time_left(proposal=proposal), "vote_form": VoteForm(),
    })


def _act(request, pk, action, done):
    proposal = _proposal(request, pk)
    try:
        action(proposal)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("governance:proposal", pk=proposal.pk)


@login_required
@require_POST
def proposal_submit(request, pk):
    return _act(request, pk, lambda p: services.proposal_submit(author=request.user, proposal=p),
                _("The discussion is open."))


@login_required
@require_POST
def proposal_withdraw(request, pk):
    return _act(request, pk, lambda p: services.proposal_withdraw(author=request.user, proposal=p),
                _("The proposal is withdrawn."))


@login_required
@require_POST
def proposal_vote(request, pk):
    form = VoteForm(request.POST)
    choice = form.cleaned_data["choice"] if form.is_valid() else request.POST.get("choice", "")
    return _act(request, pk, lambda p: services.ballot_cast(user=request.user, proposal=p, choice=choice),
                _("Your vote is recorded. You may change it until the vote closes."))
