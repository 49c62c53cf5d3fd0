from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Federation(models.Model):
    """The one federation this deployment hosts."""

    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class Coop(models.Model):
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="coops")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), unique=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    description = models.TextField(_("description"), blank=True)
    # who members doing disturbing work can reach (issue 23; docs/disturbing-content.md), set by stewards
    support_contact = models.TextField(_("support contact"), blank=True, max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    # a sandbox coop: the organisation whose sandbox it is (its only members are that
    # organisation's staff's sandbox personas; docs/sandbox.md). Never changes once set.
    sandbox_of = models.OneToOneField("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="sandbox_coop")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RulebookVersion(models.Model):
    """One immutable version of a rulebook. `coop` NULL is the federation's own rulebook,
    whose `parameters` are the bounds every coop's parameters are checked against."""

    coop = models.ForeignKey(Coop, null=True, blank=True, on_delete=models.PROTECT, related_name="rulebooks")
    number = models.PositiveIntegerField()
    parameters = models.JSONField()
    effective_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    # Set by governance when a proposal adopted this version (kept as a plain id so the
    # foundation does not depend on the governance app).
    adopted_by_proposal_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["coop_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["coop", "number"], name="rulebook_version_unique"),
            models.UniqueConstraint(fields=["number"], condition=Q(coop__isnull=True),
                                    name="federation_rulebook_version_unique"),
        ]

    def __str__(self):
        return f"{self.coop or 'federation'} v{self.number}"


class Article(models.Model):
    rulebook = models.ForeignKey(RulebookVersion, on_delete=models.PROTECT, related_name="articles")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["rulebook", "number"], name="article_number_unique")]

    def __str__(self):
        return f"Art. {self.number}: {self.title}"


def active_q(prefix: str = "") -> Q:
    """The condition "an active membership", on a membership row or through a relation
    (`prefix="memberships__"` counts a coop's active members)."""
    return Q(**{f"{prefix}status": Membership.Status.ACTIVE})


def steward_q(prefix: str = "") -> Q:
    """The one condition "an active steward": an active membership with the steward role. A
    suspended or departed steward holds no steward power. `Membership.is_steward` and
    `Membership.steward_state` are the same test on a row in memory."""
    return active_q(prefix) & Q(**{f"{prefix}role": Membership.Role.STEWARD})


class MembershipQuerySet(models.QuerySet):
    """The membership states the access layer speaks of (coop/federation/access.py)."""

    def live(self):
        """Applicant, active or suspended: the one membership a user may hold at a time."""
        return self.filter(status__in=Membership.LIVE)

    def active(self):
        """Members in good standing: they work, read their coop's forums and governance."""
        return self.filter(active_q())

    def stewards(self):
        """Active stewards. A suspended or departed steward holds no steward power."""
        return self.filter(steward_q())

    def participating(self, *, coop, since_us, until_us):
        """Active memberships of `coop` whose user did any work, voted or joined between the
        two times (UTC microseconds): DESIGN.md "participating member", for quorum and juries.
        `coop.federation.selectors.members_participating` reads the window from the rulebook."""
        event = apps.get_model("eventlog", "Event")
        actors = event.objects.filter(
            coop=coop, type__in=PARTICIPATION_EVENT_TYPES, occurred_at__gte=since_us, occurred_at__lte=until_us,
            actor__isnull=False,
        ).values("actor_id")
        # steward.appointed and membership.admitted are recorded with the steward or operator as
        # actor; the member is the subject, so count subjects of those too.
        subjects = event.objects.filter(
            coop=coop, type__in=("membership.admitted", "steward.appointed"), subject_type="federation.membership",
            occurred_at__gte=since_us, occurred_at__lte=until_us,
        ).annotate(membership_id=Cast("subject_id", models.BigIntegerField())).values("membership_id")
        return self.active().filter(coop=coop).filter(Q(user_id__in=actors) | Q(pk__in=subjects))


# Activity that makes a member "participating" (DESIGN.md "People and roles"): work, votes,
# and joining. Apps record these event types; counting them here keeps federation free of
# imports from tasks and governance.
PARTICIPATION_EVENT_TYPES = ("membership.admitted", "assignment.submitted", "ballot.cast", "steward.appointed")


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        STEWARD = "steward", _("steward")

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("applicant")
        DECLINED = "declined", _("declined")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        LEFT = "left", _("left")

    LIVE = (Status.APPLICANT, Status.ACTIVE, Status.SUSPENDED)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    coop = models.ForeignKey(Coop, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPLICANT)
    statement = models.TextField(_("why you want to join"), blank=True)
    applied_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(null=True, blank=True)
    # the last decision on this membership (admit, decline, suspend, reinstate, leave)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    status_reason = models.TextField(blank=True)
    status_article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rulebook_version = models.PositiveIntegerField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status__in=["applicant", "active", "suspended"]),
                                    name="one_live_membership_per_user"),
        ]
        indexes = [models.Index(fields=["coop", "status"])]

    def __str__(self):
        return f"{self.user} @ {self.coop} ({self.status})"

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @staticmethod
    def steward_state(*, role: str, status: str) -> bool:
        """Do a membership's `role` and `status` (read as values) make an active steward?"""
        return role == Membership.Role.STEWARD and status == Membership.Status.ACTIVE

    @property
    def is_steward(self) -> bool:
        """An active steward (`steward_q` on this row)."""
        return self.steward_state(role=self.role, status=self.status)
