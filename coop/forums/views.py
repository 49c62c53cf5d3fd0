"""Forum pages. They work without JavaScript (post, then the page reloads); static/js/forums.js
makes the room page live over the websocket."""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coop.core.errors import DomainError
from coop.federation.selectors import membership_active
from coop.forums import selectors, services
from coop.forums.forms import MessageForm, ReasonForm, RoomForm
from coop.forums.models import Message
from coop.forums.registry import room_for


def _room_or_404(request, room_id):
    try:
        return selectors.room_get(user=request.user, room_id=room_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message)
        raise PermissionDenied(exc.message)


@login_required
def rooms(request):
    membership = membership_active(user=request.user)
    if membership is not None:
        room_for(membership.coop)
    form = RoomForm() if membership and membership.is_steward else None
    return render(request, "forums/room_list.html", {
        "rooms": selectors.rooms_readable(user=request.user), "membership": membership, "form": form,
    })


@login_required
@require_POST
def room_new(request):
    membership = membership_active(user=request.user)
    form = RoomForm(request.POST)
    if form.is_valid() and membership is not None:
        try:
            room = services.room_create(steward=request.user, coop=membership.coop, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The room is open."))
            return redirect("forums:room", room.pk)
    elif membership is None:
        messages.error(request, _("Only a steward of this coop may do this."))
    return render(request, "forums/room_list.html", {
        "rooms": selectors.rooms_readable(user=request.user), "membership": membership, "form": form,
    }, status=400)


def _room_page(request, room, form=None, status=200):
    access = selectors.room_access(room=room, user=request.user)
    page = selectors.room_messages(room=room, before=request.GET.get("before") or None)
    for message in page:
        message.mine = message.author_id == request.user.pk
        message.visible = not message.is_hidden or message.mine or access["moderate"]
    if form is None:
        form = MessageForm(initial={"reply_to": request.GET.get("reply")})
    reply_to = None
    reply_id = form["reply_to"].value()
    if reply_id:
        reply_to = Message.objects.filter(room=room, pk=reply_id if str(reply_id).isdigit() else None).first()
    if status == 200:
        services.read_marker_set(user=request.user, room=room)
    return render(request, "forums/room.html", {
        "room": room, "messages_page": page, "access": access, "form": form, "reply_to": reply_to,
        "head_seq": room.head_seq, "reason_form": ReasonForm(),
        "older": page[0].posted_seq if page and page[0].posted_seq > 1 else None,
        "max_chars": services.max_message_chars(),
    }, status=status)


@login_required
def room(request, room_id):
    return _room_page(request, _room_or_404(request, room_id))


@login_required
@require_POST
def post(request, room_id):
    room = _room_or_404(request, room_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            message = services.message_post(user=request.user, room=room, body=form.cleaned_data["body"],
                                            reply_to=form.cleaned_data["reply_to"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect(reverse("forums:room", args=[room.pk]) + f"#m{message.pk}")
    return _room_page(request, room, form=form, status=400)


def _message_or_404(request, message_id):
    message = Message.objects.select_related("room").filter(pk=message_id).first()
    if message is None:
        raise Http404
    _room_or_404(request, message.room_id)
    return message


@login_required
def edit(request, message_id):
    message = _message_or_404(request, message_id)
    if message.author_id != request.user.pk:
        # the edit page shows the text: it is its author's only (a hidden message's text is
        # not for the room's other readers; stewards hide, they do not edit)
        raise Http404
    form = MessageForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.message_edit(user=request.user, message=message, body=form.cleaned_data["body"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect(reverse("forums:room", args=[message.room_id]) + f"#m{message.pk}")
    return render(request, "forums/message_edit.html", {"message": message, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def hide(request, message_id):
    message = _message_or_404(request, message_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.message_hide(steward=request.user, message=message, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The message is hidden."))
    else:
        messages.error(request, _("Please give a reason (at least 5 characters)."))
    return redirect(reverse("forums:room", args=[message.room_id]) + f"#m{message.pk}")


@login_required
@require_POST
def report(request, message_id):
    message = _message_or_404(request, message_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.message_report(user=request.user, message=message, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you. The stewards will look at it."))
    else:
        messages.error(request, _("Please give a reason (at least 5 characters)."))
    return redirect(reverse("forums:room", args=[message.room_id]) + f"#m{message.pk}")


@login_required
def subject_room(request, label, subject_id):
    """`/forums/about/tasks.project/12/`: the room about a subject, made when first needed.
    Other apps link here (`{% url 'forums:subject_room' 'tasks.project' project.pk %}`)."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404
    subject = model._default_manager.filter(pk=subject_id).first() if str(subject_id).isdigit() else None
    if subject is None:
        raise Http404
    try:
        room = room_for(subject)
    except DomainError:
        raise Http404
    _room_or_404(request, room.pk)
    return redirect("forums:room", room.pk)
