from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.selectors import notices_for, notices_unread_count
from coop.core.errors import DomainError
from coop.federation import selectors, services
from coop.federation.forms import ApplyForm
from coop.federation.models import Coop


@login_required
def dashboard(request):
    membership = selectors.membership_live(user=request.user)
    rulebook = None
    if membership and membership.status in ("active", "suspended", "left"):
        rulebook = selectors.rulebook_in_force(coop=membership.coop)
    return render(request, "federation/dashboard.html", {
        "membership": membership, "rulebook": rulebook,
        "notices": notices_for(user=request.user), "unread": notices_unread_count(user=request.user),
    })


@login_required
def apply(request):
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_apply(user=request.user, coop=form.cleaned_data["coop"],
                                      statement=form.cleaned_data["statement"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your application was sent. A steward will answer you here."))
            return redirect("federation:dashboard")
    return render(request, "federation/apply.html", {"form": form, "membership": selectors.membership_live(
        user=request.user)})


def rulebook(request, slug):
    coop = get_object_or_404(Coop, slug=slug)
    book = selectors.rulebook_in_force(coop=coop)
    return render(request, "federation/rulebook.html", {
        "coop": coop, "rulebook": book, "rows": selectors.rulebook_rows(rulebook=book),
        "versions": selectors.rulebook_versions(coop=coop),
    })


@login_required
def leave(request):
    if request.method == "POST":
        try:
            services.membership_leave(user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("You have left the coop. You can still see and withdraw what is yours."))
    return redirect("federation:dashboard")
