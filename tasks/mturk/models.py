"""What the MTurk-compatible API keeps beside the marketplace: the MTurk names of Atelier's
things (HIT type -> project settings, HIT -> task), the question XML, request tokens and
an organisation's defaults. Money, work and reviews stay in `tasks` and `ledger`."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HitType(models.Model):
    """A HIT type: the settings a batch of HITs shares. MTurk gives identical settings the same
    HIT type, so CreateHIT reuses one by `signature` (a hash of the settings)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=32, unique=True)
    signature = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    description = models.TextField()
    keywords = models.TextField(blank=True)
    reward = models.BigIntegerField()
    assignment_duration_seconds = models.PositiveIntegerField()
    auto_approval_delay_seconds = models.PositiveIntegerField()
    qualification_requirements = models.JSONField(default=list, blank=True)
    coop = models.ForeignKey("federation.Coop", on_delete=models.PROTECT, related_name="+")
    estimated_minutes = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "signature"], name="mturk_hit_type_once")]

    def __str__(self):
        return f"HIT type {self.code}"


class Hit(models.Model):
    """A HIT: one task of a project, with the question as the requester sent it."""

    class Kind(models.TextChoices):
        HTML = "html", "HTMLQuestion"
        EXTERNAL = "external", "ExternalQuestion"
        FORM = "form", "QuestionForm"

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    hit_type = models.ForeignKey(HitType, on_delete=models.PROTECT, related_name="hits")
    project = models.ForeignKey("tasks.Project", on_delete=models.PROTECT, related_name="+")
    task = models.OneToOneField("tasks.Task", on_delete=models.PROTECT, related_name="mturk_hit")
    code = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    question = models.TextField()
    # QuestionForm only: {field name: {"id": QuestionIdentifier, "choices": {text: SelectionIdentifier}}}
    answer_map = models.JSONField(default=dict, blank=True)
    frame_height = models.PositiveIntegerField(default=600)
    external_url = models.URLField(max_length=2000, blank=True)
    max_assignments = models.PositiveSmallIntegerField()
    expires_at = models.DateTimeField()
    requester_annotation = models.TextField(blank=True)
    unique_request_token = models.CharField(max_length=64, null=True, blank=True)
    review_status = models.CharField(max_length=32, default="NotReviewed")  # HITReviewStatus
    reviewing = models.BooleanField(default=False)  # UpdateHITReviewStatus: HITStatus Reviewing
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "unique_request_token"],
                                               name="mturk_hit_token_once")]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self):
        return f"HIT {self.code}"


class BonusToken(models.Model):
    """SendBonus's UniqueRequestToken: the same token pays once."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64)
    bonus = models.OneToOneField("tasks.Bonus", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "token"], name="mturk_bonus_token_once")]

    def __str__(self):
        return f"bonus token {self.token}"


class RequesterDefaults(models.Model):
    """What an organisation sets once for its MTurk scripts (docs/mturk.md): the coop its HITs
    go to and the published rejection reason that RejectAssignment uses."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE,
                                        related_name="mturk_defaults")
    coop = models.ForeignKey("federation.Coop", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("coop"))
    rejection_reason = models.CharField(_("rejection reason"), max_length=64, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self):
        return f"MTurk defaults of {self.organisation_id}"


class WorkerBlock(models.Model):
    """A private block between one organisation and one member (never a platform sanction:
    the member is not told who, and it does not count against their record)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "member"], name="mturk_block_once")]

    def __str__(self):
        return f"block by {self.organisation_id}"


class AssignmentsToken(models.Model):
    """CreateAdditionalAssignmentsForHIT's UniqueRequestToken: the same token adds once."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "token"], name="mturk_assignments_token_once")]

    def __str__(self):
        return f"assignments token {self.token}"


class Notified(models.Model):
    """One NotifyWorkers call (for its hourly limit): when and to how many, never to whom."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    workers = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organisation", "created_at"])]

    def __str__(self):
        return f"notified {self.workers} workers"


class QualificationType(models.Model):
    """What MTurk says of a qualification type that Atelier's qualification does not hold: its
    keywords and its status. A row exists for the qualifications a requester made through the
    API (CreateQualificationType, or a system requirement mapped onto a published rule); any
    other qualification of the coop reads as Active with no keywords. Its QualificationTypeId
    is derived from the qualification's id (`ids.qualification_type_code`)."""

    class Status(models.TextChoices):
        ACTIVE = "Active", "Active"
        INACTIVE = "Inactive", "Inactive"
        DISPOSED = "Disposed", "Disposed"

    qualification = models.OneToOneField("qualifications.Qualification", on_delete=models.PROTECT,
                                         related_name="mturk_type")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    keywords = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # a system qualification type (NumberHITsApproved...) mapped onto this published rule
    system = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"MTurk qualification type of {self.qualification_id}"
