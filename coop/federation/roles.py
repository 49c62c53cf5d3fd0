"""The roles a signed-in person holds, the one they are acting in, and its menu (issue 16).

A person can be, at once, a member (or an applicant) of one coop, a steward of it, on the
staff of requester organisations, and the federation operator. Each role has its own home
and menu; the menu lists only pages that role can use. The role in use is the one whose
pages the person is on (`/steward/...` is the steward's), else the one whose pages they
were last on (kept in the session), else the first they hold in ROLES order. Switching is a
plain link to the other role's home, so it works without JavaScript.

One query per request, on the first page element that asks (the header does).
"""

from dataclasses import dataclass, field

from django.db.models import Case, CharField, IntegerField, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationStaff
from coop.federation.access import is_operator
from coop.federation.models import Membership

MEMBER, APPLICANT, NEWCOMER = "member", "applicant", "newcomer"
REQUESTER, STEWARD, OPERATOR = "requester", "steward", "operator"
ROLES = (MEMBER, APPLICANT, REQUESTER, STEWARD, OPERATOR, NEWCOMER)
SESSION_KEY = "atelier_role"

LABELS = {
    MEMBER: _("Member"), APPLICANT: _("Applicant"), NEWCOMER: _("Newcomer"),
    REQUESTER: _("Requester"), STEWARD: _("Steward"), OPERATOR: _("Operator"),
}

# Path prefixes that belong to one role: on these pages the menu is that role's.
AREAS = (
    ("/steward/", STEWARD), ("/appeals/steward/", STEWARD), ("/ledger/steward/", STEWARD),
    ("/operator/", OPERATOR), ("/admin/", OPERATOR),
    ("/requester/", REQUESTER), ("/requesters/", REQUESTER),
    ("/work/", MEMBER), ("/wallet/", MEMBER), ("/qualifications/", MEMBER), ("/appeals/", MEMBER),
    ("/proposals/", MEMBER), ("/forums/", MEMBER),
    ("/apply/", APPLICANT), ("/dashboard/", MEMBER),
)


@dataclass
class Nav:
    roles: list = field(default_factory=list)
    role: str = NEWCOMER
    organisation_id: int | None = None
    organisations: list = field(default_factory=list)  # [(pk, name)], by name
    path: str = ""

    @property
    def label(self):
        return LABELS[self.role]

    @property
    def others(self):
        """[(role, label, home)] of the person's other roles: following one switches to it."""
        return [(r, LABELS[r], role_home(r, self.organisation_id)) for r in self.roles if r != self.role]

    @property
    def home(self):
        return role_home(self.role, self.organisation_id)

    @property
    def items(self):
        """[(label, url, current)]: current marks the page being shown."""
        return [(label, url, url.split("#")[0].split("?")[0] == self.path)
                for label, url in menu(self.role, self.organisation_id)]


def _url(name, *args, query=""):
    return reverse(name, args=args) + query


def role_home(role, organisation_id=None):
    if role == REQUESTER:
        return _url("accounts:requester_home", query=f"?org={organisation_id}" if organisation_id else "")
    if role == STEWARD:
        return _url("federation:steward_applications")
    if role == OPERATOR:
        return _url("federation:operator")
    return _url("federation:dashboard")


def menu(role, organisation_id=None):
    """[(label, url)] of the pages `role` can use, its home first."""
    if role == MEMBER:
        return [(_("Home"), _url("federation:dashboard")), (_("Work"), _url("tasks:feed")),
                (_("My work"), _url("tasks:mine")), (_("My agreement with others"), _url("quality:mine")),
                (_("Wallet"), _url("ledger:wallet")),
                (_("Qualifications"), _url("qualifications:mine")), (_("Appeals"), _url("appeals:mine")),
                (_("Votes"), _url("governance:proposals")), (_("Forums"), _url("forums:rooms")),
                (_("Support"), _url("tasks:support"))]
    if role == REQUESTER:
        org = f"?org={organisation_id}" if organisation_id else ""
        items = [(_("Home"), role_home(REQUESTER, organisation_id)),
                 (_("Projects"), _url("tasks:requester_projects", query=org)),
                 (_("Review queue"), _url("tasks:requester_queue", query=org))]
        if organisation_id:
            items.append((_("Money"), _url("ledger:requester", organisation_id)))
        items += [(_("API keys"), _url("accounts:requester_home", query=org + "#keys")),
                  (_("Staff"), _url("accounts:requester_home", query=org + "#staff")),
                  (_("Terms"), _url("accounts:requester_terms", query=org))]
        return items
    if role == STEWARD:
        return [(_("Applications"), _url("federation:steward_applications")),
                (_("Members"), _url("federation:steward_members")),
                (_("Projects to review"), _url("tasks:steward_projects")),
                (_("Support contact"), _url("federation:steward_support")),
                (_("Brake queue"), _url("appeals:steward")),
                (_("Members' agreement"), _url("quality:steward")),
                (_("Money"), _url("ledger:steward_funds")),
                (_("Payouts"), _url("ledger:steward_payouts")),
                (_("Help translate"), _url("federation:translate"))]
    if role == OPERATOR:
        return [(_("Coops"), _url("federation:operator")),
                (_("Federation"), _url("ledger:operator")),
                (_("Requesters"), _url("accounts:operator_organisations"))]
    if role == APPLICANT:
        return [(_("My application"), _url("federation:dashboard")), (_("Coops"), _url("federation:apply"))]
    return [(_("Home"), _url("federation:dashboard")), (_("Apply to a coop"), _url("federation:apply")),
            (_("Register an organisation"), _url("accounts:requester_register"))]


def roles_held(user):
    """(roles, organisations) of a signed-in user, in one query."""
    text = CharField()
    memberships = (Membership.objects.filter(user=user)
                   .annotate(kind=Value("m", output_field=text),
                             ref=Case(When(joined_at__isnull=False, then=Value(1)), default=Value(0),
                                      output_field=IntegerField()))
                   .values_list("kind", "role", "status", "ref"))
    staff = (OrganisationStaff.objects.filter(user=user)
             .annotate(kind=Value("r", output_field=text), empty=Value("", output_field=text))
             .values_list("kind", "organisation__name", "empty", "organisation_id"))
    held, organisations = set(), []
    for kind, a, b, ref in memberships.union(staff, all=True):
        if kind == "r":
            organisations.append((ref, a))
            held.add(REQUESTER)
        elif b in (Membership.Status.APPLICANT, Membership.Status.DECLINED):
            held.add(APPLICANT)
        elif b != Membership.Status.LEFT or ref:  # active or suspended, or left after joining
            held.add(MEMBER)
            if Membership.steward_state(role=a, status=b):
                held.add(STEWARD)
    if is_operator(user):
        held.add(OPERATOR)
    if MEMBER in held:
        held.discard(APPLICANT)  # a live application after leaving: the member's pages still hold the money
    if not held:
        held.add(NEWCOMER)
    organisations.sort(key=lambda row: (row[1].lower(), row[0]))
    return [r for r in ROLES if r in held], organisations


def area_of(path):
    for prefix, role in AREAS:
        if path.startswith(prefix):
            return role
    return None


def nav_for(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(request, "_atelier_nav", None)
    if cached is not None:
        return cached
    roles, organisations = roles_held(user)
    role = area_of(request.path)
    if role == MEMBER and APPLICANT in roles and MEMBER not in roles:
        role = APPLICANT
    session = getattr(request, "session", None)
    if role in roles:
        if session is not None and len(roles) > 1 and session.get(SESSION_KEY) != role:
            session[SESSION_KEY] = role  # saved with the response: pages shared by roles keep this one
    else:
        role = session.get(SESSION_KEY) if session is not None else None
        if role not in roles:
            role = roles[0]
    org_ids = [pk for pk, _name in organisations]
    wanted = request.GET.get("org") or _org_in_path(request)
    organisation_id = int(wanted) if str(wanted or "").isdigit() and int(wanted) in org_ids else (
        org_ids[0] if org_ids else None)
    nav = Nav(roles=roles, role=role, organisation_id=organisation_id, organisations=organisations,
              path=request.path)
    request._atelier_nav = nav
    return nav


def _org_in_path(request):
    match = getattr(request, "resolver_match", None)
    if match and match.view_name in ("ledger:requester", "ledger:requester_csv"):
        return match.kwargs.get("org_id")
    return None
