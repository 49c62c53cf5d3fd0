"""The requester's webhook pages: the organisation's subscriptions (add one: its secret is
shown once), one subscription with its delivery log (every attempt, replay), its settings,
a new secret, removal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors as accounts_selectors
from accounts.models import Organisation
from coop.core.errors import DomainError
from coop.federation.access import requester_staff_require
from tasks.webhooks import selectors, services
from tasks.webhooks.forms import SubscriptionForm
from tasks.webhooks.models import Attempt, Subscription


def _organisation(request):
    mine = accounts_selectors.organisations_of(user=request.user)
    wanted = request.POST.get("org") or request.GET.get("org")
    try:
        organisation = mine.get(pk=int(wanted)) if wanted else mine.first()
    except (ValueError, Organisation.DoesNotExist):
        raise Http404
    if organisation is None:
        raise Http404
    requester_staff_require(request.user, organisation_id=organisation.pk)
    return organisation


def _subscription(request, pk):
    subscription = (Subscription.objects.select_related("organisation")
                    .filter(pk=pk, organisation__in=accounts_selectors.organisations_of(user=request.user)).first())
    if subscription is None:
        raise Http404
    return subscription


def _list_url(organisation):
    return reverse("webhooks:list") + f"?org={organisation.pk}"


def _form_errors(form, exc):
    field = exc.extra.get("field")
    form.add_error(field if field in form.fields else None, exc.message)


@login_required
def subscription_list(request, form=None, new_secret=None, status=200):
    organisation = _organisation(request)
    return render(request, "webhooks/list.html", {
        "organisation": organisation, "subscriptions": selectors.subscriptions_of(organisation=organisation),
        "form": form or SubscriptionForm(initial={"active": True, "balance_low_below": 0}),
        "new_secret": new_secret,
    }, status=status)


@login_required
@require_POST
def subscription_create(request):
    organisation = _organisation(request)
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            subscription, secret = services.subscription_create(
                user=request.user, organisation=organisation, url=data["url"], events=data["events"],
                description=data["description"], balance_low_below=data["balance_low_below"] or 0)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            # rendered, not redirected: the secret is shown this once
            return subscription_list(request, new_secret={"subscription": subscription, "secret": secret})
    return subscription_list(request, form=form, status=400)


@login_required
def subscription_detail(request, pk, form=None, new_secret=None, status=200):
    subscription = _subscription(request, pk)
    deliveries = list(subscription.deliveries.order_by("-pk").prefetch_related(
        Prefetch("attempt_log", queryset=Attempt.objects.order_by("number")))[:50])
    form = form or SubscriptionForm(initial={
        "url": subscription.url, "events": subscription.events, "description": subscription.description,
        "balance_low_below": subscription.balance_low_below, "active": subscription.active})
    return render(request, "webhooks/detail.html", {
        "organisation": subscription.organisation, "subscription": subscription, "deliveries": deliveries,
        "form": form, "new_secret": new_secret}, status=status)


@login_required
@require_POST
def subscription_edit(request, pk):
    subscription = _subscription(request, pk)
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.subscription_update(user=request.user, subscription=subscription, url=data["url"],
                                         events=data["events"], description=data["description"],
                                         balance_low_below=data["balance_low_below"] or 0, active=data["active"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("webhooks:detail", pk=subscription.pk)
    return subscription_detail(request, pk, form=form, status=400)


@login_required
@require_POST
def subscription_rotate(request, pk):
    subscription = _subscription(request, pk)
    subscription, secret = services.subscription_secret_rotate(user=request.user, subscription=subscription)
    return subscription_detail(request, pk, new_secret={"secret": secret})


@login_required
@require_POST
def subscription_delete(request, pk):
    subscription = _subscription(request, pk)
    organisation = subscription.organisation
    services.subscription_delete(user=request.user, subscription=subscription)
    messages.success(request, _("Webhook removed: nothing more is sent to it."))
    return redirect(_list_url(organisation))


@login_required
@require_POST
def delivery_replay(request, pk):
    delivery = selectors.delivery_among(organisations=accounts_selectors.organisations_of(user=request.user),
                                        delivery_id=pk)
    if delivery is None:
        raise Http404
    services.delivery_replay(user=request.user, delivery=delivery)
    messages.success(request, _("Sent again: the attempt is in the log below."))
    return redirect(reverse("webhooks:detail", kwargs={"pk": delivery.subscription_id}) + f"#delivery-{delivery.pk}")
