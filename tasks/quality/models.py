"""Aggregation runs of a project, their per-task results and per-member agreement."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AggregationRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Method(models.TextChoices):
        MAJORITY_VOTE = "majority_vote", _("majority vote")
        DAWID_SKENE = "dawid_skene", _("Dawid-Skene")
        GLAD = "glad", _("GLAD")

    class Trigger(models.TextChoices):
        ON_DEMAND = "on_demand", _("on demand")
        CLOSE = "close", _("project closed")

    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="aggregation_runs")
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.DAWID_SKENE)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.ON_DEMAND)
    # a run made by a close names it (project:<id>:close:<holds>), so a close is aggregated once
    close_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total_steps = models.PositiveIntegerField(default=0)
    done_steps = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    tasks = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["project", "-id"], name="aggregation_run_project")]

    def __str__(self):
        return f"aggregation {self.pk} of project {self.project_id} ({self.status})"

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return 0 if not self.total_steps else min(99, self.done_steps * 100 // self.total_steps)


class TaskAggregate(models.Model):
    run = models.ForeignKey(AggregationRun, on_delete=models.CASCADE, related_name="results")
    task = models.ForeignKey("tasks.Task", on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=40)
    answer = models.JSONField(null=True)
    confidence = models.FloatField(null=True, blank=True)  # the model's posterior (categorical fields)
    agreement = models.FloatField()  # share of answers equal to the aggregate (boxes: mean IoU)
    answers = models.PositiveIntegerField()

    class Meta:
        ordering = ["task_id", "field"]
        constraints = [models.UniqueConstraint(fields=["run", "task", "field"], name="aggregate_once_per_field")]

    def __str__(self):
        return f"{self.field} of task {self.task_id} (run {self.run_id})"


class MemberAgreement(models.Model):
    """How often a member's answers agree with the aggregate: shown to the member and to their
    coop's stewards, never a hidden score."""

    run = models.ForeignKey(AggregationRun, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answers = models.PositiveIntegerField()
    agreement = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "member"], name="agreement_once_per_member")]

    def __str__(self):
        return f"agreement of {self.member_id} in run {self.run_id}"


class GoldAnswer(models.Model):
    """A task the requester marked gold: its expected answer (checked against the form) and an
    explanation the member reads after submitting. Gold never rejects by itself: it is a
    training signal and a record (the member's accuracy, a qualification metric, the appeal)."""

    task = models.OneToOneField("tasks.Task", on_delete=models.CASCADE, related_name="gold")
    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="gold_answers")
    expected = models.JSONField()
    explanation = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task_id"]

    def __str__(self):
        return f"gold answer of task {self.task_id}"
