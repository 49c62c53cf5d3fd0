"""MTurk's qualification operations mapped onto Atelier's published qualifications (docs/mturk.md).

A requester's qualification type is an Atelier qualification of the kind "granted by hand",
owned by the organisation in one coop: every member can read it, a project that requires it
lists it, and each grant or withdrawal carries a reason the member reads (and may appeal).
MTurk's system types that Atelier can check from the member's record (NumberHITsApproved,
PercentAssignmentsApproved) become published computed rules. Nothing lets a requester
exclude the members who hold a qualification (`DoesNotExist`), score members in secret
(IntegerValue other than 1) or filter by locale or age."""

from django.db import transaction

from accounts.models import ApiKey, Organisation, User
from coop.eventlog.services import event_record
from coop.federation.models import Coop
from tasks.models import Assignment, Project, Slot
from tasks.mturk.models import QualificationType
from tasks.mturk.protocol import MturkError
from tasks.mturk.selectors import PENDING, qualification_for
from tasks.mturk.services.common import _call, _coop, _keywords
from tasks.qualifications import services as qualification_services
from tasks.qualifications.models import ProjectRequirement, Qualification, QualificationGrant, QualificationRevocation

NUMBER_HITS_APPROVED = "00000000000000000040"
PERCENT_APPROVED = "000000000000000000L0"
SYSTEM_RULES = {  # MTurk system type -> (metric, words, highest value)
    NUMBER_HITS_APPROVED: ("approved_assignments", "approved assignments", 10**9),
    PERCENT_APPROVED: ("approval_rate", "% approval rate", 100),
}
REFUSED_SYSTEM = {
    "00000000000000000071": "Atelier does not filter members by locale: a coop's published rules may ask for a "
                            "country only where the law requires it (ask the coop's stewards).",
    "00000000000000000060": "Atelier does not filter members by age: every member is an adult by the coop's "
                            "rules; work unfit for some members carries the sensitive-content flag.",
    "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH": "Atelier has no Masters qualification: require one of the coop's published "
                                      "qualifications instead (ListQualificationTypes lists them).",
    "2NDP2L92HECWY8NS8H3CK0CP5L9GHO": "Atelier has no Masters qualification: require one of the coop's published "
                                      "qualifications instead (ListQualificationTypes lists them).",
}
HELD = {("Exists", None), ("EqualTo", 1), ("GreaterThanOrEqualTo", 1), ("GreaterThan", 0)}
MAX_REQUIREMENTS = 10
MIN_REASON = 10  # as the qualifications app asks of every reason a member reads
GRANT_REASON = "Granted by {org} through its MTurk-compatible API (AssociateQualificationWithWorker)."


def _status(params, name="QualificationTypeStatus", *, required=True):
    value = params.get(name)
    if value is None and not required:
        return None
    if value not in ("Active", "Inactive"):
        raise MturkError(f"{name} is Active or Inactive.")
    return value


def _refuse_tests(params):
    if params.get("Test") or params.get("AnswerKey") or params.get("TestDurationInSeconds"):
        raise MturkError("Qualification tests are paid in Atelier: define one on the qualifications page or with "
                         "POST /api/qualifications/tests/ (docs/qualifications.md), then require its qualification.",
                         "Atelier.NotSupported")
    if params.get("AutoGranted"):
        raise MturkError("Atelier grants a qualification by its published rule, its paid test or by hand with a "
                         "reason, never automatically on request.", "Atelier.NotSupported")


@transaction.atomic
def qualification_type_create(*, key: ApiKey, params: dict) -> tuple[Qualification, QualificationType]:
    """CreateQualificationType: a qualification granted by hand, owned by the organisation in
    the coop that `Keywords` names (coop:<short name>) or its default coop."""
    _refuse_tests(params)
    name = str(params.get("Name") or "").strip()
    description = str(params.get("Description") or "").strip()
    if not name or not description:
        raise MturkError("Name and Description are required: members read both.")
    status = _status(params)
    plain, options = _keywords(params.get("Keywords"))
    coop = _coop(key.organisation, options)
    if Qualification.objects.filter(organisation=key.organisation, coop=coop, name__iexact=name).exclude(
            mturk_type__status=QualificationType.Status.DISPOSED).exists():
        raise MturkError(f"You already have a qualification type called '{name}' in coop {coop.slug}.",
                         "AWS.MechanicalTurk.QualificationTypeAlreadyExists")
    qualification = _call(qualification_services.qualification_create, actor=key.created_by, coop=coop, name=name,
                          kind=Qualification.Kind.GRANTED, organisation=key.organisation, description=description)
    state = QualificationType.objects.create(qualification=qualification, organisation=key.organisation,
                                             keywords=", ".join(plain), status=status)
    event_record(type="mturk.qualification_type_created", coop=coop, actor=key.created_by, subject=qualification,
                 payload={"organisation": key.organisation_id, "qualification": qualification.pk})
    return qualification, state


def _state_for(key, qualification, state):
    if state is None:
        state = QualificationType.objects.create(qualification=qualification, organisation=key.organisation)
    return state


@transaction.atomic
def qualification_type_update(*, key: ApiKey, qualification: Qualification, state: QualificationType | None,
                              params: dict) -> tuple[Qualification, QualificationType]:
    """UpdateQualificationType: its description (members read it) and its status. An inactive
    type cannot be required by a new HIT type; projects that require it keep it."""
    _refuse_tests(params)
    state = _state_for(key, qualification, state)
    status = _status(params, required=False)
    description = params.get("Description")
    changed = []
    if description is not None:
        description = str(description).strip()
        if not description:
            raise MturkError("Description cannot be empty: members read it.")
        if description != qualification.description:
            qualification.description = description
            qualification.save(update_fields=["description"])
            changed.append("description")
    if status and status != state.status:
        state.status = status
        state.save(update_fields=["status"])
        changed.append("status")
    if changed:
        event_record(type="mturk.qualification_type_updated", coop=qualification.coop_id, actor=key.created_by,
                     subject=qualification, payload={"organisation": key.organisation_id,
                                                     "qualification": qualification.pk, "changed": changed})
    return qualification, state


@transaction.atomic
def qualification_type_dispose(*, key: ApiKey, qualification: Qualification, state: QualificationType | None) -> None:
    """DeleteQualificationType: the type is gone from the API. Refused while work that requires
    it is offered or in progress (members were told it is needed); grants stay on members' records."""
    projects = ProjectRequirement.objects.filter(qualification=qualification).exclude(
        project__status=Project.Status.CANCELLED).values("project_id")
    if Slot.objects.filter(task__project_id__in=projects, task__closed_at__isnull=True,
                           status=Slot.Status.OPEN).exists() or \
            Assignment.objects.filter(project_id__in=projects, status__in=PENDING).exists():
        raise MturkError("Work that requires this qualification is still offered or in progress: expire those HITs "
                         "and let the work finish first.",
                         "Atelier.qualification_in_use")
    state = _state_for(key, qualification, state)
    state.status = QualificationType.Status.DISPOSED
    state.save(update_fields=["status"])
    event_record(type="mturk.qualification_type_disposed", coop=qualification.coop_id, actor=key.created_by,
                 subject=qualification,
                 payload={"organisation": key.organisation_id, "qualification": qualification.pk})


def _granted_kind(qualification):
    if qualification.kind != Qualification.Kind.GRANTED:
        raise MturkError("Only qualifications granted by hand are associated with workers: the others follow their "
                         "published rule or paid test.", "Atelier.not_granted_kind")


@transaction.atomic
def qualification_associate(*, key: ApiKey, qualification: Qualification, member: User,
                            integer_value: int | None = None) -> QualificationGrant | None:
    """AssociateQualificationWithWorker: a grant by hand, with a reason naming the organisation;
    the member is always told (SendNotification cannot hide it). Held already: nothing to do."""
    _granted_kind(qualification)
    if integer_value is not None and (isinstance(integer_value, bool) or integer_value != 1):
        raise MturkError("IntegerValue must be 1: an Atelier qualification is held or not held, never a hidden "
                         "score. To withdraw it use DisassociateQualificationFromWorker with a reason.")
    if QualificationGrant.objects.filter(qualification=qualification, member=member, revoked_at__isnull=True).exists():
        return None
    return _call(qualification_services.qualification_grant, actor=key.created_by, qualification=qualification,
                 member=member, reason=GRANT_REASON.format(org=key.organisation.name))


@transaction.atomic
def qualification_disassociate(*, key: ApiKey, qualification: Qualification, member: User,
                               reason: str) -> QualificationRevocation:
    """DisassociateQualificationFromWorker: a withdrawal by hand whose Reason the member reads and
    may appeal (at least 10 characters)."""
    _granted_kind(qualification)
    if len(str(reason or "").strip()) < MIN_REASON:
        raise MturkError(f"Reason is required (at least {MIN_REASON} characters): the member "
                         "reads it and may appeal the withdrawal.")
    return _call(qualification_services.qualification_revoke, actor=key.created_by, qualification=qualification,
                 member=member, reason=str(reason).strip())


# --- QualificationRequirements --------------------------------------------------------------------

def _integer(requirement, low, high):
    values = requirement.get("IntegerValues")
    if not isinstance(values, list) or len(values) != 1 or isinstance(values[0], bool) \
            or not isinstance(values[0], int) or not low <= values[0] <= high:
        raise MturkError(f"IntegerValues must hold one whole number between {low} and {high}.")
    return values[0]


def requirements_check(*, organisation: Organisation, coop: Coop, requirements: list[dict]) -> list[dict]:
    """The requirements in a normal form, checked before anything is created: a list of
    {"qualification": pk} or {"system": type id, "value": the least value}."""
    if not isinstance(requirements, list) or len(requirements) > MAX_REQUIREMENTS:
        raise MturkError(f"QualificationRequirements lists at most {MAX_REQUIREMENTS} requirements.")
    out = []
    for requirement in requirements:
        if not isinstance(requirement, dict):
            raise MturkError("Each QualificationRequirement is an object.")
        code = str(requirement.get("QualificationTypeId") or "")
        comparator = requirement.get("Comparator")
        if comparator in ("DoesNotExist", "NotEqualTo", "LessThan", "LessThanOrEqualTo", "NotIn"):
            raise MturkError(f"Comparator {comparator} would keep out members without telling them how to qualify: "
                             "Atelier's requirements are published and can be met. To stop offering your work to "
                             "one worker, use CreateWorkerBlock.", "Atelier.NotSupported")
        if code in REFUSED_SYSTEM:
            raise MturkError(REFUSED_SYSTEM[code], "Atelier.NotSupported")
        if code in SYSTEM_RULES:
            if comparator not in ("GreaterThanOrEqualTo", "GreaterThan"):
                raise MturkError(f"Comparator for {code} is GreaterThanOrEqualTo or GreaterThan.")
            _metric, _words, high = SYSTEM_RULES[code]
            value = _integer(requirement, 0, high) + (1 if comparator == "GreaterThan" else 0)
            if value > high:
                raise MturkError(f"No member can have more than {high}{_words}.")
            out.append({"system": code, "value": value})
            continue
        qualification, state = qualification_for(organisation=organisation, code=code)
        if state and state.status != QualificationType.Status.ACTIVE:
            raise MturkError(f"Qualification type {code} is {state.status}: make it Active to require it.")
        if qualification.coop_id != coop.pk:
            raise MturkError(f"Qualification type {code} is published in coop {qualification.coop.slug}, and this "
                             f"HIT type's work goes to coop {coop.slug}: a coop's members hold its own qualifications.")
        values = requirement.get("IntegerValues")
        value = values[0] if isinstance(values, list) and len(values) == 1 else None
        if (comparator, value) not in HELD or (comparator == "Exists" and values):
            raise MturkError("An Atelier qualification is held or not held: require it with Comparator Exists (or "
                             "EqualTo / GreaterThanOrEqualTo 1).", "Atelier.NotSupported")
        if requirement.get("LocaleValues"):
            raise MturkError("LocaleValues go with the Locale qualification, which Atelier does not have.")
        out.append({"qualification": qualification.pk})
    return out


def _system_qualification(*, key, coop, code, value):
    """The organisation's published computed qualification for a system requirement (made once)."""
    marker = f"{code}>={value}"
    state = QualificationType.objects.filter(organisation=key.organisation, system=marker,
                                             qualification__coop=coop).select_related("qualification").first()
    if state:
        return state.qualification
    metric, words, _high = SYSTEM_RULES[code]
    qualification = _call(
        qualification_services.qualification_create, actor=key.created_by, coop=coop,
        name=f"At least {value}{'' if words.startswith('%') else ' '}{words}", kind=Qualification.Kind.COMPUTED,
        organisation=key.organisation, rule={"all": [{"metric": metric, "op": ">=", "value": value}]},
        description="From the requester's MTurk QualificationRequirement, checked on your record as the coop's "
                    "published rules are.")
    QualificationType.objects.create(qualification=qualification, organisation=key.organisation, system=marker)
    return qualification


def requirements_apply(*, key: ApiKey, project: Project, coop: Coop, requirements: list[dict]) -> None:
    """Make the project require the HIT type's qualifications (listed on its page)."""
    checked = requirements_check(organisation=key.organisation, coop=coop, requirements=requirements)
    wanted = [item["qualification"] if "qualification" in item else
              _system_qualification(key=key, coop=coop, code=item["system"], value=item["value"]).pk
              for item in checked]
    if wanted:
        _call(qualification_services.project_requirements_set, actor=key.created_by, project=project,
              qualifications=wanted)
