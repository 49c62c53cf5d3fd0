"""Who may work on a project, and why not (DESIGN.md seam 5).

`project_eligibility(*, member, project)` is the one entry point: it returns a list of
reasons (`{"code", "message"}`), empty when the member may claim. `member` is a User.
The marketplace ships the basic reasons; other apps add theirs with `register_check(fn)`,
where `fn(*, member, project)` returns a list of reasons. Projects are never hidden, with one
exception (issue 23, docs/transparency.md): a project open only to members in some countries,
for a legal reason, is not shown to a member whose country it excludes; the feed counts such
projects without naming them (`country_blocked`). Everywhere else the feed shows these reasons
next to each project."""

from django.utils.translation import gettext as _

from coop.federation.models import Membership
from coop.federation.selectors import rulebook_in_force
from tasks.models import DATA_FLAGS, Assignment, DataConsent, Project

_CHECKS = []

# Reasons a member can lift by themselves right now (they do not make a member "not
# eligible" when the fair share of a batch is computed).
TRANSIENT_CODES = {"data_consent", "open_assignments_cap"}


def register_check(fn):
    """Add an eligibility check `fn(*, member, project) -> list of reasons`. Usable as a decorator;
    registering the same function twice has no effect. A check that sets `fn.wants_context = True`
    is also given `ctx=` (the MemberContext: `ctx.cache` is a dict it may use to read things once
    per feed or claim); one that sets `fn.prime = f(*, ctx, projects)` is asked first to read what
    it needs for a whole page of projects at once (`eligibility_of_page`). A check that can say it
    has nothing against anyone for a project sets `fn.applies = lambda project: bool`: counting
    eligible members then skips it (publishing counts them for the fair share). A check whose
    refusals the claim's database function (`atelier_claim`, tasks migration 0011) detects sets
    `fn.in_database = lambda project: bool` (True: the function sends such claims to Python, which
    words the reason); a check without it sends every claim to the Python path."""
    if fn not in _CHECKS:
        _CHECKS.append(fn)
    return fn


def registered_checks():
    return list(_CHECKS)


def reason(code, message):
    return {"code": code, "message": str(message)}


class MemberContext:
    """What the basic checks need about one member, read once for a whole feed."""

    def __init__(self, member, *, at=None, membership=False, open_count=None, rulebook=None):
        """`membership`: the member's active membership (its coop loaded) or None, when the caller
        has read it already (the feed: `tasks.selectors.member_for_feed`, which also gives
        `open_count` and the `rulebook` in force in the membership's coop); by default all three
        are read here."""
        self.member = member
        self.at = at  # the rulebook read is the version in force at `at` (default: now)
        self.membership = None
        self.cache = {}  # for registered checks: lives as long as this context (one feed, one claim)
        if membership is not False:
            self.membership = membership
        elif member is not None and member.is_authenticated:
            self.membership = Membership.objects.active().select_related("coop").filter(user=member).first()
        self._rulebooks = {}
        self.open_count = 0
        self.consents = {}
        if self.membership is not None:
            if rulebook is not None:
                self._rulebooks[self.membership.coop_id] = rulebook
            self.open_count = open_count if open_count is not None else Assignment.objects.filter(
                member=member, status__in=Assignment.OPEN_STATUSES).count()
            self.consents = {c.project_id: set(c.flags) for c in DataConsent.objects.filter(member=member)}

    @classmethod
    def of_membership(cls, membership, *, rulebook, at=None):
        """A context for an active `membership` (its `user` loaded) and its coop's `rulebook`,
        without reading the member's open assignments and consents: for counting who has a
        lasting reason against a project (the transient reasons, which those give, are ignored
        there). No query."""
        ctx = cls(None, at=at)
        ctx.member, ctx.membership = membership.user, membership
        ctx._rulebooks[membership.coop_id] = rulebook
        return ctx

    def rulebook(self, coop_id):
        if coop_id not in self._rulebooks:
            coop = self.membership.coop if self.membership and self.membership.coop_id == coop_id else coop_id
            self._rulebooks[coop_id] = rulebook_in_force(coop=coop, at=self.at)
        return self._rulebooks[coop_id]


def basic_reasons(*, ctx, project):
    """The marketplace's own reasons: membership, banned data, data consent, the open cap."""
    reasons = []
    membership = ctx.membership
    if membership is None or membership.coop_id != project.coop_id:
        return [reason("not_a_member", _("Only active members of this coop can work on its projects."))]
    rulebook = ctx.rulebook(project.coop_id)
    flags = set(project.data_flags or [])
    banned = flags & set(rulebook["banned_data_categories"])
    if banned:
        reasons.append(reason("banned_data_category",
                              _("Your coop has voted to ban work with this kind of data: %(flags)s.")
                              % {"flags": _flag_words(banned)}))
    elif flags and not flags <= ctx.consents.get(project.pk, set()):
        reasons.append(reason("data_consent",
                              _("This project handles sensitive data (%(flags)s): read what it involves and "
                                "give your consent before you take a task.") % {"flags": _flag_words(flags)}))
    if ctx.open_count >= rulebook["max_open_assignments"]:
        reasons.append(reason("open_assignments_cap",
                              _("You already hold %(n)s open tasks, the most your coop allows at once.")
                              % {"n": ctx.open_count}))
    return reasons


def eligibility_with(*, ctx, project, checks=None):
    """The reasons, from the basic checks and the registered ones (or only `checks`: those that
    apply to the project, when counting eligible members)."""
    reasons = basic_reasons(ctx=ctx, project=project)
    if reasons and reasons[0]["code"] == "not_a_member":
        return reasons
    for check in _CHECKS if checks is None else checks:
        extra = {"ctx": ctx} if getattr(check, "wants_context", False) else {}
        reasons.extend(check(member=ctx.member, project=project, **extra) or [])
    return reasons


def eligibility_of_page(*, ctx, projects):
    """[reasons] for each of `projects` (a feed's page) in one pass: first every registered check
    that can read what it needs for many projects at once (`fn.prime(ctx=, projects=)`) does so,
    then each project is checked as `eligibility_with` does."""
    for check in _CHECKS:
        prime = getattr(check, "prime", None)
        if prime is not None:
            prime(ctx=ctx, projects=projects)
    return [eligibility_with(ctx=ctx, project=project) for project in projects]


def _user(member):
    """Callers may pass a User or a Membership; checks always receive the User."""
    return member.user if isinstance(member, Membership) else member


def project_eligibility(*, member, project):
    """Reasons `member` (a User, or a Membership) may not claim in `project` now; empty = eligible."""
    return eligibility_with(ctx=MemberContext(_user(member)), project=project)


def projects_eligibility(*, member, projects):
    """{project.pk: reasons} for many projects, reading the member's record once."""
    ctx = MemberContext(_user(member))
    return {project.pk: eligibility_with(ctx=ctx, project=project) for project in projects}


def _flag_words(codes):
    """Data categories in the reader's language ("faces or identity documents"), not as codes."""
    labels = dict(DATA_FLAGS)
    return ", ".join(str(labels.get(code, code)) for code in sorted(codes))


def country_reason(reasons) -> bool:
    """Whether one of `reasons` is a country clause the member fails (a check marks such a reason
    with `"country": True`)."""
    return any(r.get("country") for r in reasons)


def country_blocked(*, ctx, coop_id) -> set:
    """Ids of the coop's open and paused projects that are open only to members in some countries
    (they cite a legal reason: tasks.transparency) and that `ctx`'s member may not take because of
    their country (issue 23). One query for those projects; their checks read what they need once
    per context (the feed's cards share it), so the cost does not grow with the number of projects."""
    projects = (Project.objects.filter(coop_id=coop_id, status__in=[Project.Status.OPEN, Project.Status.PAUSED])
                .exclude(legal_reason="").order_by("pk"))
    return {p.pk for p in projects if country_reason(eligibility_with(ctx=ctx, project=p))}
