"""Rooms, messages and moderation. Written only by `coop.forums.services`.

Sequence numbers: each room counts its changes (`Room.next_seq`, taken under the room's row
lock). A post, an edit and a hide each take the next number; `Message.seq` is the number of
the message's latest change (unique per room) and `Message.posted_seq` the number it was
posted with (its place in the conversation). A client that last saw number N asks for every
message with `seq > N` and gets the current state of everything that changed since."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Room(models.Model):
    class Kind(models.TextChoices):
        COOP = "coop", _("coop")
        CUSTOM = "custom", _("steward-created")
        PROJECT = "project", _("project")
        PROPOSAL = "proposal", _("proposal")
        APPEAL = "appeal", _("appeal")
        SUPPORT = "support", _("support for disturbing work")

    class Audience(models.TextChoices):
        MEMBERS = "members", _("all members of the coop")
        STEWARDS = "stewards", _("stewards only")

    kind = models.CharField(max_length=32)
    # The thing the room is about (`app_label.model_name`, pk as text); blank for rooms
    # stewards create. One room per subject.
    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    coop = models.ForeignKey("federation.Coop", on_delete=models.PROTECT, related_name="rooms")
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("who may take part"), max_length=16, choices=Audience.choices,
                                default=Audience.MEMBERS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    next_seq = models.PositiveBigIntegerField(default=1)

    class Meta:
        ordering = ["coop_id", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], condition=~Q(subject_type=""),
                                    name="forum_room_one_per_subject"),
        ]
        indexes = [models.Index(fields=["coop", "kind"])]

    def __str__(self):
        return self.title

    @property
    def head_seq(self):
        """The number of the room's latest change (0 when nothing happened yet)."""
        return self.next_seq - 1


class Message(models.Model):
    class AuthorRole(models.TextChoices):
        MEMBER = "member", _("member")
        STEWARD = "steward", _("steward")
        REQUESTER = "requester", _("requester")
        JUROR = "juror", _("juror")

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="messages")
    seq = models.PositiveBigIntegerField(help_text="number of the latest change (post, edit or hide)")
    posted_seq = models.PositiveBigIntegerField(help_text="number the message was posted with")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="forum_messages")
    # How the author appears in this room, fixed when posting by the room's policy (a display
    # name, a pseudonym or an organisation's name): every reader sees the same label.
    author_label = models.CharField(max_length=160)
    author_role = models.CharField(max_length=16, choices=AuthorRole.choices, default=AuthorRole.MEMBER)
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.TextField(blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["room_id", "posted_seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="forum_message_seq_unique"),
            models.UniqueConstraint(fields=["room", "posted_seq"], name="forum_message_posted_seq_unique"),
        ]

    def __str__(self):
        return f"#{self.posted_seq} in {self.room_id}"

    @property
    def is_hidden(self):
        return self.hidden_at is not None

    @property
    def author_shown(self):
        """The author as the reader sees them: a juror's seat letter becomes "Juror A" in the
        reader's language (older messages stored the whole English label)."""
        if self.author_role == self.AuthorRole.JUROR:
            return author_label_shown(self.author_label, self.author_role)
        return self.author_label


def author_label_shown(label, role):
    if role == Message.AuthorRole.JUROR:
        return _("Juror %(l)s") % {"l": label.rsplit(" ", 1)[-1]}
    return label


class MessageRevision(models.Model):
    """A body a message had before an edit. Edits keep every earlier text, visible to readers."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    body_html = models.TextField()
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message_id", "number"]
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="forum_revision_unique")]

    def __str__(self):
        return f"revision {self.number} of {self.message_id}"


class ReadMarker(models.Model):
    """The room sequence number a person has read up to (unread = posts after it)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="read_markers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_seq = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="forum_read_marker_unique")]

    def __str__(self):
        return f"{self.user_id} read {self.room_id} to {self.last_seq}"


class Report(models.Model):
    """A reader flags a message to the stewards of the room's coop."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["message", "reporter"], name="forum_report_once")]

    def __str__(self):
        return f"report on {self.message_id}"
