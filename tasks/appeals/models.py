"""Appeals to a jury of peers, the mass-rejection brake, member flags and requester
scorecards (DESIGN.md seams 6 and 12)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Appeal(models.Model):
    class Kind(models.TextChoices):
        REJECTION = "rejection", _("rejected work")
        REVOCATION = "revocation", _("revoked qualification")
        SANCTION = "sanction", _("sanction")

    class Status(models.TextChoices):
        AWAITING_DRAW = "awaiting_draw", _("waiting for the jury draw")
        JURY = "jury", _("with the jury")
        UPHELD = "upheld", _("upheld")
        OVERTURNED = "overturned", _("overturned")

    class Decision(models.TextChoices):
        UPHOLD = "uphold", _("uphold the decision")
        OVERTURN = "overturn", _("overturn the decision")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    coop = models.ForeignKey("federation.Coop", on_delete=models.PROTECT, related_name="+")
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals")
    assignment = models.OneToOneField("tasks.Assignment", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="appeal")
    revocation = models.OneToOneField("qualifications.QualificationRevocation", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="appeal")
    sanction = models.ForeignKey("federation.Membership", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    statement = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AWAITING_DRAW)
    rulebook_version = models.PositiveIntegerField()
    jury_size = models.PositiveSmallIntegerField()
    response_hours = models.PositiveSmallIntegerField()
    juror_pay = models.BigIntegerField(help_text="pay per juror for a decided case (floor rate × juror minutes)")
    filed_at = models.DateTimeField(default=timezone.now)
    event_id = models.BigIntegerField(help_text="the appeal.filed event; the draw waits for a checkpoint over it")
    # the reproducible draw (DESIGN.md seam 12)
    checkpoint_size = models.BigIntegerField(null=True, blank=True)
    checkpoint_root = models.CharField(max_length=64, blank=True)
    seed = models.CharField(max_length=64, blank=True)
    candidates = models.JSONField(default=list, blank=True, help_text="candidate user ids, sorted, as drawn from")
    draw_order = models.JSONField(default=list, blank=True, help_text="the candidates in drawn order")
    preferred_holders = models.BooleanField(default=False)
    drawn_at = models.DateTimeField(null=True, blank=True)
    requester_answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    uphold_votes = models.PositiveSmallIntegerField(default=0)
    overturn_votes = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-filed_at", "-pk"]
        indexes = [models.Index(fields=["status", "coop"])]
        constraints = [
            models.UniqueConstraint(fields=["sanction", "kind"], condition=Q(kind="sanction", status__in=[
                "awaiting_draw", "jury"]), name="one_open_sanction_appeal"),
        ]

    def __str__(self):
        return f"appeal {self.pk} ({self.kind}, {self.status})"

    @property
    def is_open(self):
        return self.status in (self.Status.AWAITING_DRAW, self.Status.JURY)


class JurySeat(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("invited")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        LAPSED = "lapsed", _("did not answer in time")
        VOTED = "voted", _("voted")

    LIVE = (Status.INVITED, Status.ACCEPTED, Status.VOTED)

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="seats")
    juror = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jury_seats")
    draw_index = models.PositiveSmallIntegerField(help_text="position in the appeal's draw order")
    label = models.CharField(max_length=16, help_text="the seat's letter: A, B, ... (pages say “Juror A”)")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    invited_at = models.DateTimeField(default=timezone.now)
    respond_by = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    vote = models.CharField(max_length=16, choices=Appeal.Decision.choices, blank=True)
    vote_reason = models.TextField(blank=True)
    voted_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["appeal_id", "draw_index"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "juror"], name="one_seat_per_juror"),
            models.UniqueConstraint(fields=["appeal", "draw_index"], name="one_seat_per_draw_index"),
        ]
        indexes = [models.Index(fields=["juror", "status"]), models.Index(fields=["status", "respond_by"])]

    def __str__(self):
        return f"{self.label} on appeal {self.appeal_id} ({self.status})"

    @property
    def letter(self):
        """The juror's letter ("A"; seats drawn before it was stored alone hold "Juror A")."""
        return self.label.rsplit(" ", 1)[-1]

    @property
    def api_label(self):
        """"Juror A": the API speaks English, whatever the seat stores."""
        return f"Juror {self.letter}"

    @property
    def shown_label(self):
        """"Juror A" in the reader's language."""
        return juror_label(self.letter)


def juror_label(letter):
    return _("Juror %(l)s") % {"l": letter}


class ProjectBrake(models.Model):
    """The mass-rejection brake engaged on a project: further rejections are frozen for a
    steward's review until a steward lifts it."""

    project = models.OneToOneField("tasks.Project", on_delete=models.PROTECT, related_name="brake")
    reason = models.CharField(max_length=32)  # batch_pct | member_day
    figures = models.JSONField(default=dict)
    engaged_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    def __str__(self):
        return f"brake on project {self.project_id}"

    @property
    def is_engaged(self):
        return self.lifted_at is None


class ProjectFlag(models.Model):
    class Kind(models.TextChoices):
        PAY_TOO_LOW = "pay_too_low", _("pay too low")
        OFFENSIVE = "offensive", _("offensive")
        OTHER = "other", _("other")

    project = models.ForeignKey("tasks.Project", on_delete=models.PROTECT, related_name="flags")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "member"], name="one_flag_per_member")]

    def __str__(self):
        return f"flag {self.kind} on project {self.project_id}"


class Scorecard(models.Model):
    """A requester's public figures, computed from the ledger and the event log by a job."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="scorecard")
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"scorecard of {self.organisation_id}"


class RequesterReview(models.Model):
    """A member's short review of a requester after a finished project; stewards moderate."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for moderation")
        PUBLISHED = "published", _("published")
        HIDDEN = "hidden", _("hidden by a steward")

    project = models.ForeignKey("tasks.Project", on_delete=models.PROTECT, related_name="reviews")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="reviews")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField()
    text = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    moderation_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "member"], name="one_review_per_member_project"),
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_5"),
        ]

    def __str__(self):
        return f"review of {self.organisation_id} by {self.member_id}"
