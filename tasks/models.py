"""The marketplace: projects, tasks, slots and assignments (DESIGN.md "Work").

A *project* is a batch for one coop; a *task* one item with its input data; publishing
creates one *slot* per task x assignment; an *assignment* is one member's work in a slot.
Money amounts are integer minor units of the federation's currency."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DATA_FLAGS = [
    ("personal_data", _("personal data")),
    ("faces_or_identity_documents", _("faces or identity documents")),
    ("adult_content", _("adult content")),
    # issue 23: disturbing content, with exposure limits and a premium (tasks/exposure.py)
    ("violent_or_graphic", _("violent or graphic content")),
    ("abuse_material_review", _("review of hateful or sexual abuse material")),
]
DATA_FLAG_CODES = [code for code, _label in DATA_FLAGS]


class Project(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        REVIEW = "review", _("awaiting the stewards' review")  # issue 23: a country requirement, before it opens
        OPEN = "open", _("open")
        PAUSED = "paused", _("paused")
        CANCELLED = "cancelled", _("cancelled")

    coop = models.ForeignKey("federation.Coop", on_delete=models.PROTECT, related_name="projects")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="projects")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    category = models.SlugField(_("category"), max_length=60,
                                help_text=_("A short word such as transcription, labelling, rating."))
    instructions = models.TextField(_("instructions"), blank=True, help_text=_("Markdown."))
    question_form = models.JSONField(_("question form"), default=list, blank=True)
    reward = models.BigIntegerField(_("reward per assignment"))
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"))
    assignments_per_task = models.PositiveSmallIntegerField(_("assignments per task"), default=1)
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), default=60)
    auto_approval_hours = models.PositiveIntegerField(_("automatic approval after (hours)"), default=72)
    data_flags = models.JSONField(_("data sensitivity flags"), default=list, blank=True)
    # issue 23: who the data is for and why (tasks/transparency.py); null data_published = not declared
    end_client = models.CharField(_("end client"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose of the data"), max_length=20, blank=True)
    purpose_text = models.CharField(_("purpose in a sentence"), max_length=300, blank=True)
    data_published = models.BooleanField(_("the data will be published"), null=True, blank=True)
    # issue 20: the share of each member's tasks in this project that are gold tasks (percent),
    # within the coop's voted bound `gold_rate_max_pct`; 0 = gold tasks come in slot order
    gold_rate_pct = models.PositiveSmallIntegerField(_("gold tasks in each member's work (%)"), default=0)
    # issue 23: the legal reason a country requirement cites (tasks/transparency.py LEGAL_REASONS)
    legal_reason = models.CharField(_("legal reason for a country requirement"), max_length=20, blank=True)
    legal_reason_text = models.CharField(_("the legal reason in a sentence"), max_length=300, blank=True)
    # issue 23: the stewards' review of a country-restricted project (tasks/services/country_review.py):
    # "" (never reviewed), pending (status review), approved (it opened) or refused (back to draft, with the reason)
    review_state = models.CharField(max_length=10, blank=True, default="")
    review_reason = models.CharField(max_length=1000, blank=True, default="")
    review_submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    # fixed at publish (DESIGN.md seam 1, tasks/fees.py): the fee totals of every batch opened
    # so far (each slot stores its exact share) and the rules they came from
    fee_coop = models.BigIntegerField(default=0)
    fee_federation = models.BigIntegerField(default=0)
    fee_juror = models.BigIntegerField(default=0)
    rulebook_version = models.PositiveIntegerField(null=True, blank=True)
    allocation_policy = models.CharField(max_length=16, blank=True)
    # fair share of the batch that opened last (DESIGN.md seam 4)
    batch_opened_at = models.DateTimeField(null=True, blank=True)
    fair_share_until = models.DateTimeField(null=True, blank=True)
    fair_share_cap = models.PositiveIntegerField(null=True, blank=True)
    escrow_held = models.BigIntegerField(default=0)
    escrow_refunded = models.BigIntegerField(default=0)
    holds = models.PositiveIntegerField(default=0)  # number of escrow holds (key project:<id>:hold:<n>)
    # how many of its slots are open (claimable) is not here but in OpenSlotStripe (below): a
    # counter in this row made every claim of a batch hold the row from its decrement to COMMIT
    # the floor at the measured median time (tasks/services/floor.py)
    floor_paused_at = models.DateTimeField(null=True, blank=True)
    floor_median_seconds = models.PositiveIntegerField(null=True, blank=True)
    floor_raises = models.PositiveIntegerField(default=0)
    floor_raised_from = models.BigIntegerField(null=True, blank=True)
    floor_raised_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["coop", "status"]), models.Index(fields=["organisation", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(reward__gte=0), name="project_reward_not_negative"),
            models.CheckConstraint(condition=Q(assignments_per_task__gte=1), name="project_assignments_positive"),
        ]

    def __str__(self):
        return self.title

    @property
    def fee(self):
        """The fees of all the batches opened so far (their slots' shares added up)."""
        return self.fee_coop + self.fee_federation + self.fee_juror

    @property
    def hourly_rate(self):
        """Expected pay per hour in minor units (rounded down)."""
        return self.reward * 60 // max(1, self.estimated_minutes)

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    @property
    def floor_median_minutes(self):
        """The measured median time that paused the project, in minutes (one decimal)."""
        return round(self.floor_median_seconds / 60, 1) if self.floor_median_seconds else None


class Task(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tasks")
    data = models.JSONField(default=dict)
    line = models.PositiveIntegerField(null=True, blank=True, help_text="line in the CSV it came from")
    created_at = models.DateTimeField(default=timezone.now)
    # closed by its requester (`task_close`): its open slots were refunded, and a slot given
    # back later is refunded rather than reopened
    closed_at = models.DateTimeField(null=True, blank=True)
    # a gold task (its expected answer is tasks.quality's GoldAnswer): set with it, through
    # `task_gold_mark`, so the claim can mix gold in at the project's rate without reading the
    # quality layer
    is_gold = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["project", "id"])]

    def __str__(self):
        return f"task {self.pk} of project {self.project_id}"


class Slot(models.Model):
    """One place for one member's work on a task. `open` slots are claimable."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        TAKEN = "taken", _("taken")
        CANCELLED = "cancelled", _("cancelled (refunded)")

    # no index of their own: (task, number) and (project, status, id) lead with them, and a claim
    # writes every index of the slot it takes (issue 18)
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="slots", db_index=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="slots", db_index=False)
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # this slot's exact share of its batch's fees (tasks/fees.py), moved on release or refund
    fee_coop = models.BigIntegerField(default=0)
    fee_federation = models.BigIntegerField(default=0)
    fee_juror = models.BigIntegerField(default=0)
    is_gold = models.BooleanField(default=False)  # its task's `is_gold`, copied so the claim picks by index

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["task", "number"], name="slot_number_unique")]
        indexes = [
            models.Index(fields=["project", "status", "id"], name="slot_project_status_idx"),
            # the claim's gold choice: a project's open gold slots in order (few), by index
            models.Index(fields=["project", "id"], condition=Q(status="open", is_gold=True), name="slot_open_gold_idx"),
        ]

    def __str__(self):
        return f"slot {self.number} of task {self.task_id}"

    @property
    def fee(self):
        return self.fee_coop + self.fee_federation + self.fee_juror


class OpenSlotStripe(models.Model):
    """A project's count of open (claimable) slots, split in STRIPES rows (issue 18): the row of a
    slot is `slot id % STRIPES`, and each row counts the open slots of its stripe. It follows every
    slot that opens, is taken, reopens or is cancelled, in the same transaction
    (tasks/services/open_slots.py), so the feed sums a project's rows instead of counting slots.

    Why not one counter in the project's row: every claim of a batch decremented it and held the
    row until its COMMIT (its WAL flush included), so a project's claims passed one at a time.
    Concurrent claims take consecutive slots (the first open one nobody else holds), which fall in
    different stripes, so they commit side by side. A claim locks its slot, then the slot's stripe:
    stripes come after slots in the global lock order (tasks/locks.py)."""

    STRIPES = 16

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="open_slot_stripes")
    stripe = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "stripe"], name="open_slot_stripe_unique"),
            models.CheckConstraint(condition=Q(count__gte=0), name="open_slot_stripe_not_negative"),
            models.CheckConstraint(condition=Q(stripe__lt=16), name="open_slot_stripe_in_range"),
        ]

    def __str__(self):
        return f"project {self.project_id} stripe {self.stripe}: {self.count} open"


class Assignment(models.Model):
    class Status(models.TextChoices):
        CLAIMED = "claimed", _("claimed")
        SUBMITTED = "submitted", _("submitted")
        REVISION_REQUESTED = "revision_requested", _("revision requested")
        APPROVED = "approved", _("approved (paid)")
        REJECTED = "rejected", _("rejected (money held)")
        REJECTION_FINAL = "rejection_final", _("rejection final")
        APPEALED = "appealed", _("appealed")
        UPHELD = "upheld", _("rejection upheld")
        OVERTURNED = "overturned", _("overturned (paid)")
        FROZEN = "frozen", _("frozen (under review)")
        VOIDED = "voided", _("voided (paid)")
        RETURNED = "returned", _("returned")
        EXPIRED = "expired", _("expired")

    OPEN_STATUSES = (Status.CLAIMED, Status.REVISION_REQUESTED)  # count against max_open_assignments
    HOLDING_STATUSES = (Status.CLAIMED, Status.SUBMITTED, Status.REVISION_REQUESTED, Status.REJECTED,
                        Status.APPEALED, Status.FROZEN)  # money still in escrow for it
    PAID_STATUSES = (Status.APPROVED, Status.OVERTURNED, Status.VOIDED)
    FINAL_REJECTIONS = (Status.REJECTION_FINAL, Status.UPHELD)

    # Every index here is written at each claim and again at each submission (a status change is
    # never a HOT update): an index another one already leads with is not kept (issue 18, session
    # 9: the task's by the unique (task, member), the project's and the member's by their
    # (…, status) ones; the reviewer is never searched), and the jobs' due-dates are partial.
    # a slot's live assignment is found by the unique partial index below; slots are never deleted
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="assignments", db_index=False)
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="assignments", db_index=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="assignments", db_index=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments",
                               db_index=False)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.CLAIMED)
    rulebook_version = models.PositiveIntegerField(null=True, blank=True)

    claimed_at = models.DateTimeField(default=timezone.now)
    deadline_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    time_spent_seconds = models.PositiveIntegerField(null=True, blank=True)
    answers = models.JSONField(null=True, blank=True)
    draft = models.JSONField(null=True, blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)

    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", db_index=False)
    auto_approved = models.BooleanField(default=False)
    revision_comment = models.TextField(blank=True)
    revisions = models.PositiveSmallIntegerField(default=0)
    rejection_reason = models.CharField(max_length=64, blank=True)
    rejection_explanation = models.TextField(blank=True)
    appeal_deadline = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # returned or expired

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "member"], name="assignment_one_per_task_member"),
            # one live assignment per slot: two members never hold the same slot
            models.UniqueConstraint(fields=["slot"], condition=~Q(status__in=["returned", "expired"]),
                                    name="assignment_one_live_per_slot"),
        ]
        indexes = [
            # a member's assignments in a project, counted at every claim (the fair share, the gold
            # mix): never the member's whole history (issue 18, session 10); a member's lists lead with it
            models.Index(fields=["member", "project", "status"], name="assignment_member_project"),
            models.Index(fields=["project", "status"]),
            # what the jobs find due (tasks/jobs.py): only the rows of the status each one reads
            models.Index(fields=["submitted_at"], condition=Q(status="submitted"), name="assignment_submitted_due"),
            models.Index(fields=["appeal_deadline"], condition=Q(status="rejected"), name="assignment_appeal_due"),
            # the open assignments: a member's, counted at every claim (the open cap), and the expiry
            # job's (all of them, few). One index: with a second partial index of the same rows the
            # planner, its statistics taken at a quiet hour (no open row), could count a member's
            # through every open assignment's entry (issue 18, session 10)
            models.Index(fields=["member", "deadline_at"], condition=Q(status__in=["claimed", "revision_requested"]),
                         name="assignment_member_open"),
            # the latest measured times of a project, read at every submission (tasks/services/floor.py)
            # in the order of the read (no sort)
            models.Index(fields=["project", "submitted_at", "id"], condition=Q(submitted_at__isnull=False),
                         name="assignment_project_measured"),
        ]

    def __str__(self):
        return f"assignment {self.pk} ({self.status})"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def auto_approve_at(self):
        """When submitted work is approved if the requester has not reviewed it (None otherwise)."""
        if self.status != self.Status.SUBMITTED or self.submitted_at is None:
            return None
        return self.submitted_at + timedelta(hours=self.project.auto_approval_hours)

    @property
    def time_spent_display(self):
        if self.time_spent_seconds is None:
            return ""
        minutes, seconds = divmod(self.time_spent_seconds, 60)
        return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


class Bonus(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="bonuses")
    amount = models.BigIntegerField()
    reason = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="bonus_positive")]

    def __str__(self):
        return f"bonus {self.amount} on assignment {self.assignment_id}"


class DataConsent(models.Model):
    """A member agreed to work with the data a flagged project carries (flags as shown)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="consents")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    flags = models.JSONField(default=list)
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "member"], name="consent_one_per_member")]

    def __str__(self):
        return f"consent of {self.member_id} to project {self.project_id}"


class ProjectWatch(models.Model):
    """'Tell me when it opens': a project (when it opens, reopens or gets new tasks), or, with
    `project` empty, any new project of the coop."""

    coop = models.ForeignKey("federation.Coop", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="watches")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "member"], name="watch_one_per_member"),
            models.UniqueConstraint(fields=["coop", "member"], condition=Q(project__isnull=True),
                                    name="watch_coop_one_per_member"),
        ]

    def __str__(self):
        return f"watch of {self.member_id} on {self.project_id or 'coop %s' % self.coop_id}"


class TaskImport(models.Model):
    """A CSV upload: rows are validated into `rows` (the staging area), then inserted at once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        VALIDATING = "validating", _("checking rows")
        INVALID = "invalid", _("bad rows: nothing created")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    filename = models.CharField(max_length=200, blank=True)
    content = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"line": n, "message": "..."}]
    rows = models.JSONField(null=True, blank=True)  # validated task data, before insert
    created_tasks = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        return f"import {self.pk} ({self.status})"

    @property
    def percent(self):
        return 100 if not self.total_rows else min(100, self.processed_rows * 100 // self.total_rows)
