"""Qualifications: published rules, paid tests and grants by hand (issue 8).

Every qualification belongs to one coop (where it is published and where its members can
hold it) and is owned either by the coop itself (`organisation` empty) or by a requester
organisation. Its rule (computed kind) changes only by a new `QualificationVersion`. A member
holds a qualification while they have an active `QualificationGrant`; a revocation is its own
record (`QualificationRevocation`) carrying the reason and the evidence, which the appeals
issue can appeal."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Qualification(models.Model):
    class Kind(models.TextChoices):
        COMPUTED = "computed", _("computed from your record")
        TEST = "test", _("earned by passing a paid test")
        GRANTED = "granted", _("granted by hand")

    coop = models.ForeignKey("federation.Coop", on_delete=models.PROTECT, related_name="qualifications")
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="qualifications")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # the latest version (a denormalised pointer, set by the services in the same transaction)
    current_version = models.ForeignKey("QualificationVersion", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["coop", "organisation"])]

    def __str__(self):
        return self.name

    @property
    def owned_by_coop(self):
        return self.organisation_id is None


class QualificationVersion(models.Model):
    """One immutable version of a qualification's rule (computed kind) or terms."""

    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    rule = models.JSONField(null=True, blank=True)  # normal form, see rules.py; NULL for test / granted kinds
    reason = models.TextField(_("reason for this version"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    rulebook_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["qualification_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["qualification", "number"], name="qualification_version_unique")]

    def __str__(self):
        return f"{self.qualification} v{self.number}"


class QualificationGrant(models.Model):
    """A member holds (or held) a qualification. Active while `revoked_at` is empty."""

    class Source(models.TextChoices):
        RULE = "rule", _("met the published rule")
        TEST = "test", _("passed the test")
        HAND = "hand", _("granted by hand")

    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="grants")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qualification_grants")
    version = models.ForeignKey(QualificationVersion, on_delete=models.PROTECT, related_name="grants")
    source = models.CharField(max_length=8, choices=Source.choices)
    evidence = models.JSONField(default=dict, blank=True)  # clause key -> integer value, or {"score": n}
    reason = models.TextField(blank=True)  # written reason of a grant by hand (shown to the member)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["qualification", "member"], condition=Q(revoked_at__isnull=True),
                                    name="one_active_grant_per_member"),
        ]
        indexes = [models.Index(fields=["member", "revoked_at"]), models.Index(fields=["qualification", "revoked_at"])]

    def __str__(self):
        return f"{self.qualification} → {self.member_id}"

    @property
    def is_active(self):
        return self.revoked_at is None


class QualificationRevocation(models.Model):
    """Why a grant ended: the rule version, the reason and the evidence. The member is told,
    and the appeals issue appeals this record like a rejection."""

    class Cause(models.TextChoices):
        RULE_NOT_MET = "rule_not_met", _("the published rule is no longer met")
        BY_HAND = "by_hand", _("revoked by hand")

    grant = models.OneToOneField(QualificationGrant, on_delete=models.PROTECT, related_name="revocation")
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="revocations")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(QualificationVersion, on_delete=models.PROTECT, related_name="+")
    cause = models.CharField(max_length=16, choices=Cause.choices)
    reason = models.TextField()  # in words: what is missing, or the steward's / requester's reason
    evidence = models.JSONField(default=dict, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # set when an appeal (or the definer) reinstates the qualification
    reinstated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"revocation of {self.qualification} for {self.member_id}"


class QualificationTest(models.Model):
    """A paid test: questions in the marketplace's form format, an answer key (never shown
    before an attempt), a pass mark, a time limit, a retry delay and a funded budget of
    attempts held in escrow."""

    escrow_owner_kind = "qualifications.qualificationtest"  # its escrow account in the ledger

    qualification = models.OneToOneField(Qualification, on_delete=models.PROTECT, related_name="test")
    instructions = models.TextField(_("instructions"), blank=True)
    questions = models.JSONField(_("questions"))  # tasks.questions form (list of fields)
    answer_key = models.JSONField(_("answer key"))  # {field name: expected answer}
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (% of questions right)"))
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"))
    retry_hours = models.PositiveIntegerField(_("hours between attempts"))
    max_attempts = models.PositiveSmallIntegerField(_("attempts per member"))
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"))
    reward = models.BigIntegerField(_("pay per attempt"))
    # fees of every attempt funded so far; each funding is a batch whose fee is split exactly
    # (tasks/fees.py), and `funding_fees` keeps one [attempts, fee_coop, fee_federation,
    # fee_juror] per funding, in order: the n-th attempt paid takes the n-th slot's share
    fee_coop = models.BigIntegerField(default=0)
    fee_federation = models.BigIntegerField(default=0)
    fee_juror = models.BigIntegerField(default=0)
    funding_fees = models.JSONField(default=list, blank=True)
    rulebook_version = models.PositiveIntegerField()  # its fee terms hold for every funding
    attempts_funded = models.PositiveIntegerField(default=0)  # attempts paid into escrow so far
    attempts_reserved = models.PositiveIntegerField(default=0)  # attempts started (minus expired unpaid ones)
    fundings = models.PositiveIntegerField(default=0)  # number of fundings (key qualification_test:<id>:fund:<n>)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(attempts_reserved__lte=models.F("attempts_funded")),
                                   name="test_budget_not_overspent"),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="test_pass_mark_percent"),
        ]

    def __str__(self):
        return f"test for {self.qualification}"

    # duck-typed "project" for the ledger: escrow is held per test like per project
    @property
    def coop_id(self):
        return self.qualification.coop_id

    @property
    def organisation_id(self):
        return self.qualification.organisation_id

    @property
    def fee(self):
        """The fees of every attempt funded so far."""
        return self.fee_coop + self.fee_federation + self.fee_juror

    @property
    def funded_amount(self):
        """What the attempts funded so far cost: their pay and fees."""
        return self.attempts_funded * self.reward + self.fee

    @property
    def attempts_left(self):
        return self.attempts_funded - self.attempts_reserved

    @property
    def is_open(self):
        return self.attempts_left > 0


class Attempt(models.Model):
    class Status(models.TextChoices):
        STARTED = "started", _("in progress")
        SUBMITTED = "submitted", _("submitted (paid)")
        EXPIRED = "expired", _("expired without answers")

    test = models.ForeignKey(QualificationTest, on_delete=models.PROTECT, related_name="attempts")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="test_attempts")
    number = models.PositiveSmallIntegerField()  # this member's 1st, 2nd... attempt
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STARTED)
    started_at = models.DateTimeField(default=timezone.now)
    deadline_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)
    answers = models.JSONField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)  # % of questions right
    wrong = models.JSONField(default=list, blank=True)  # names of the questions answered wrongly
    passed = models.BooleanField(default=False)
    reward = models.BigIntegerField(default=0)  # what this attempt paid
    fee_coop = models.BigIntegerField(default=0)  # and its share of its funding's fees
    fee_federation = models.BigIntegerField(default=0)
    fee_juror = models.BigIntegerField(default=0)
    rulebook_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["test", "member", "number"], name="attempt_number_unique"),
            models.UniqueConstraint(fields=["test", "member"], condition=Q(status="started"),
                                    name="one_attempt_in_progress"),
        ]
        indexes = [models.Index(fields=["status", "deadline_at"])]

    def __str__(self):
        return f"attempt {self.number} of {self.member_id} at {self.test_id}"


class ProjectRequirement(models.Model):
    """A project requires a qualification (chosen by its requester; published with the project)."""

    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="qualification_requirements")
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="requirements")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["project", "qualification"], name="requirement_unique")]

    def __str__(self):
        return f"{self.project_id} requires {self.qualification_id}"


class QualificationWorkWatch(models.Model):
    """Whether a qualification's open work ran dry (issue 23 part 4; docs/qualification-work.md).
    The job `tasks.qualifications.jobs.work_watch` records when it last saw open work needing the
    qualification; after the coop's `qualification_drought_days` without any, it tells the holders
    once (`dry_notified_at`), and tells them again when work opens (clearing it)."""

    qualification = models.OneToOneField(Qualification, on_delete=models.CASCADE, related_name="work_watch")
    last_open_at = models.DateTimeField(null=True, blank=True)
    dry_notified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"work watch of {self.qualification_id}"
