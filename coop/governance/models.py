"""Proposals, their typed changes, the eligible voters fixed at opening, and ballots.

A proposal with `coop` NULL is federation-wide: stewards propose it, every participating
member of every coop votes, and it changes the federation rulebook (the bounds). See
docs/governance.md for the decisions."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Proposal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        DISCUSSION = "discussion", _("in discussion")
        VOTING = "voting", _("voting")
        ADOPTED = "adopted", _("adopted")
        REJECTED = "rejected", _("rejected")
        FAILED_QUORUM = "failed_quorum", _("failed for lack of quorum")
        WITHDRAWN = "withdrawn", _("withdrawn")

    OPEN = (Status.DRAFT, Status.DISCUSSION, Status.VOTING)
    CLOSED = (Status.ADOPTED, Status.REJECTED, Status.FAILED_QUORUM, Status.WITHDRAWN)

    coop = models.ForeignKey("federation.Coop", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="proposals", help_text="NULL: a federation-wide proposal")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("explanation"), blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    secret = models.BooleanField(_("secret ballot"), default=False)
    needs_supermajority = models.BooleanField(default=False)

    # the rulebook version (of the coop, or of the federation) the diff was computed against,
    # and the version the adoption created
    based_on_version = models.PositiveIntegerField()
    created_version = models.PositiveIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    discussion_started_at = models.DateTimeField(null=True, blank=True)
    discussion_ends_at = models.DateTimeField(null=True, blank=True)
    voting_opened_at = models.DateTimeField(null=True, blank=True)
    voting_ends_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="the deadline, even when closed late")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    # voting rules fixed when voting opens, with the rulebook version they came from
    rules_version = models.PositiveIntegerField(null=True, blank=True)
    quorum_pct = models.PositiveIntegerField(null=True, blank=True)
    threshold_pct = models.PositiveIntegerField(null=True, blank=True)
    supermajority = models.CharField(max_length=16, blank=True)
    eligible_count = models.PositiveIntegerField(null=True, blank=True)

    # the result, stored at close
    yes_count = models.PositiveIntegerField(null=True, blank=True)
    no_count = models.PositiveIntegerField(null=True, blank=True)
    abstain_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "voting_ends_at"]),
                   models.Index(fields=["status", "discussion_ends_at"])]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def is_federation(self):
        return self.coop_id is None

    @property
    def is_closed(self):
        return self.status in self.CLOSED


class ProposalChange(models.Model):
    """One typed change. `current` is the value when the proposal was made (the diff's left
    side), `proposed` the new one; `key` names what changes (parameter name, article number,
    data category)."""

    class Kind(models.TextChoices):
        PARAMETER = "parameter", _("rulebook parameter")
        ARTICLE = "article", _("article")
        DATA_CATEGORY = "data_category", _("data category")
        STEWARD_ELECT = "steward_elect", _("elect a steward")
        STEWARD_RECALL = "steward_recall", _("recall a steward")
        QUALIFICATION_RULE = "qualification_rule", _("qualification rule")
        SOLIDARITY_GRANT = "solidarity_grant", _("hardship grant from the solidarity fund")
        PATRONAGE = "patronage", _("share of the surplus by work done")
        # further kinds register through coop.governance.changes.register_kind

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="changes")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=32)
    key = models.CharField(max_length=64, blank=True)
    current = models.JSONField(null=True, blank=True)
    proposed = models.JSONField(null=True, blank=True)
    membership = models.ForeignKey("federation.Membership", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # at adoption: applied, or skipped with a reason code (e.g. the member left meanwhile)
    skipped = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.kind} {self.key}"


class EligibleVoter(models.Model):
    """The members who may vote, fixed when voting opens (participating members, seam 14).
    `voted` stays after close, so the list of who voted survives a secret ballot."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="voters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    coop = models.ForeignKey("federation.Coop", on_delete=models.PROTECT, related_name="+")
    voted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="eligible_voter_unique")]

    def __str__(self):
        return f"{self.user_id} on {self.proposal_id}"


class Ballot(models.Model):
    """One member's vote. The unique constraint makes a second ballot of a member on a
    proposal impossible. A secret ballot's `voter` and `cast_at` are erased at close: the
    rows are re-inserted in random order with new random ids (seam 13)."""

    class Choice(models.TextChoices):
        YES = "yes", _("yes")
        NO = "no", _("no")
        ABSTAIN = "abstain", _("abstain")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    coop = models.ForeignKey("federation.Coop", on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    cast_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "voter"], name="one_ballot_per_member"),
            models.CheckConstraint(condition=Q(choice__in=["yes", "no", "abstain"]), name="ballot_choice_valid"),
        ]

    def __str__(self):
        return f"ballot on {self.proposal_id}"
