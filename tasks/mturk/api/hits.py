"""The HIT, assignment, bonus and worker operations of the MTurk-compatible API (docs/mturk.md):
each takes the signing key and the request's parameters and returns the response's dict."""

from django.utils import timezone

from accounts.models import User
from accounts.pseudonyms import worker_from_pseudonym
from coop.core.errors import DomainError, NotFound
from coop.core.money import parse_amount
from tasks.mturk import ids, selectors, services
from tasks.mturk.models import Hit, HitType, WorkerBlock
from tasks.mturk.protocol import MturkError, from_timestamp


def _str(params, name, *, required=True):
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise MturkError(f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise MturkError(f"{name} must be a string.")
    return value


def get_account_balance(key, params):
    return selectors.account_balance(organisation=key.organisation)


def create_hit(key, params):
    hit = services.hit_create(key=key, params=params)
    return {"HIT": selectors.hit_out(selectors.hit_for(organisation=key.organisation, code=hit.code))}


def create_hit_type(key, params):
    return {"HITTypeId": services.hit_type_create(key=key, params=params).code}


def create_hit_with_hit_type(key, params):
    code = _str(params, "HITTypeId")
    hit_type = HitType.objects.filter(organisation=key.organisation, code=code).first()
    if hit_type is None:
        raise MturkError(f"HIT type {code} does not exist.", "AWS.MechanicalTurk.HITTypeDoesNotExist")
    hit = services.hit_create(key=key, params=params, hit_type=hit_type)
    return {"HIT": selectors.hit_out(selectors.hit_for(organisation=key.organisation, code=hit.code))}


def get_hit(key, params):
    return {"HIT": selectors.hit_out(selectors.hit_for(organisation=key.organisation, code=_str(params, "HITId")))}


def list_hits(key, params):
    qs = selectors.hits_with_counts(Hit.objects.filter(organisation=key.organisation, deleted_at__isnull=True))
    rows, token = selectors.page(qs, params, order="-pk")
    out = {"NumResults": len(rows), "HITs": [selectors.hit_out(hit) for hit in rows]}
    if token:
        out["NextToken"] = token
    return out


def list_assignments_for_hit(key, params):
    hit = selectors.hit_for(organisation=key.organisation, code=_str(params, "HITId"))
    wanted = params.get("AssignmentStatuses")
    qs = selectors.assignments_of_hit(hit)
    if wanted:
        if not isinstance(wanted, list) or set(wanted) - {"Submitted", "Approved", "Rejected"}:
            raise MturkError("AssignmentStatuses are drawn from Submitted, Approved and Rejected.")
        qs = qs.filter(status__in=[s for s, name in selectors.STATUS.items() if name in wanted])
    rows, token = selectors.page(qs, params)
    out = {"NumResults": len(rows), "Assignments": [selectors.assignment_out(a, hit) for a in rows]}
    if token:
        out["NextToken"] = token
    return out


def _assignment(key, params):
    return selectors.assignment_for(organisation=key.organisation, code=_str(params, "AssignmentId"))


def get_assignment(key, params):
    assignment, hit = _assignment(key, params)
    if assignment.status not in selectors.STATUS:
        raise MturkError(f"Assignment {params['AssignmentId']} has not been submitted.",
                         "AWS.MechanicalTurk.AssignmentDoesNotExist")
    return {"Assignment": selectors.assignment_out(assignment, hit),
            "HIT": selectors.hit_out(selectors.hit_for(organisation=key.organisation, code=hit.code))}


def approve_assignment(key, params):
    assignment, _hit = _assignment(key, params)
    override = params.get("OverrideRejection", False)
    if not isinstance(override, bool):
        raise MturkError("OverrideRejection must be true or false.")
    services.assignment_approve(key=key, assignment=assignment, feedback=params.get("RequesterFeedback") or "",
                                override_rejection=override)
    return {}


def reject_assignment(key, params):
    assignment, _hit = _assignment(key, params)
    services.assignment_reject(key=key, assignment=assignment, feedback=_str(params, "RequesterFeedback"))
    return {}


def send_bonus(key, params):
    assignment, _hit = _assignment(key, params)
    worker = _str(params, "WorkerId")
    if worker != ids.worker_code(user=assignment.member_id, organisation=key.organisation_id):
        raise MturkError(f"Worker {worker} did not do assignment {params['AssignmentId']}.",
                         "AWS.MechanicalTurk.WorkerDoesNotExist")
    try:
        amount = parse_amount(_str(params, "BonusAmount"))
    except DomainError as exc:
        raise MturkError(f"BonusAmount: {exc.message}")
    services.bonus_send(key=key, assignment=assignment, amount=amount, reason=_str(params, "Reason"),
                        token=params.get("UniqueRequestToken"))
    return {}


def list_bonus_payments(key, params):
    hit_code, assignment_code = params.get("HITId"), params.get("AssignmentId")
    if bool(hit_code) == bool(assignment_code):
        raise MturkError("Give either HITId or AssignmentId.")
    if assignment_code:
        assignment, _hit = _assignment(key, params)
        qs = selectors.bonuses_of(organisation=key.organisation, assignment=assignment)
    else:
        qs = selectors.bonuses_of(organisation=key.organisation,
                                  hit=selectors.hit_for(organisation=key.organisation, code=hit_code))
    rows, token = selectors.page(qs, params)
    out = {"NumResults": len(rows), "BonusPayments": [selectors.bonus_out(b, key.organisation_id) for b in rows]}
    if token:
        out["NextToken"] = token
    return out


def _worker(key, params):
    worker = _str(params, "WorkerId")
    candidates = User.objects.filter(assignments__project__organisation=key.organisation).distinct()
    try:
        return worker_from_pseudonym(organisation=key.organisation, pseudonym=ids.pseudonym_of(worker),
                                     candidates=candidates)
    except NotFound:
        raise MturkError(f"No worker {worker} has worked for you.", "AWS.MechanicalTurk.WorkerDoesNotExist")


def create_worker_block(key, params):
    services.worker_block(key=key, member=_worker(key, params), reason=_str(params, "Reason"))
    return {}


def delete_worker_block(key, params):
    services.worker_unblock(key=key, member=_worker(key, params))
    return {}


def list_worker_blocks(key, params):
    rows, token = selectors.page(WorkerBlock.objects.filter(organisation=key.organisation), params)
    out = {"NumResults": len(rows), "WorkerBlocks": [
        {"WorkerId": ids.worker_code(user=b.member_id, organisation=key.organisation_id), "Reason": b.reason}
        for b in rows]}
    if token:
        out["NextToken"] = token
    return out


def list_reviewable_hits(key, params):
    wanted = params.get("Status", "Reviewable")
    if wanted not in ("Reviewable", "Reviewing"):
        raise MturkError("Status is Reviewable or Reviewing.")
    qs = Hit.objects.filter(organisation=key.organisation, deleted_at__isnull=True)
    if params.get("HITTypeId"):
        qs = qs.filter(hit_type__code=_str(params, "HITTypeId"))
    now = timezone.now()
    # the status is computed per HIT (open slots, work in progress): read in pages of HITs
    rows, token = [], params.get("NextToken")
    size = params.get("MaxResults", selectors.DEFAULT_PAGE)
    while len(rows) < (size if isinstance(size, int) else 0):
        batch, token = selectors.page(selectors.hits_with_counts(qs), {**params, "NextToken": token}, order="-pk")
        rows += [hit for hit in batch if selectors.hit_status(hit, now) == wanted]
        if token is None:
            break
    out = {"NumResults": len(rows[:size]), "HITs": [selectors.hit_out(hit, now) for hit in rows[:size]]}
    if token:
        out["NextToken"] = token
    return out


def _hit(key, params):
    hit = selectors.hit_for(organisation=key.organisation, code=_str(params, "HITId"))
    if hit.deleted_at:
        raise MturkError(f"Hit {hit.code} was deleted.", "AWS.MechanicalTurk.HITDoesNotExist")
    return hit


def update_expiration_for_hit(key, params):
    hit = _hit(key, params)
    if "ExpireAt" not in params:
        raise MturkError("ExpireAt is required.")
    services.hit_expiration_update(key=key, hit=hit, expire_at=from_timestamp(params["ExpireAt"], "ExpireAt"))
    return {}


def delete_hit(key, params):
    services.hit_delete(key=key, hit=_hit(key, params))
    return {}


def create_additional_assignments_for_hit(key, params):
    services.hit_assignments_add(key=key, hit=_hit(key, params), count=params.get("NumberOfAdditionalAssignments"),
                                 token=params.get("UniqueRequestToken"))
    return {}


def update_hit_review_status(key, params):
    revert = params.get("Revert", False)
    if not isinstance(revert, bool):
        raise MturkError("Revert must be true or false.")
    services.hit_review_status_update(key=key, hit=_hit(key, params), revert=revert)
    return {}


def notify_workers(key, params):
    worker_ids = params.get("WorkerIds")
    if not isinstance(worker_ids, list) or not 1 <= len(worker_ids) <= services.NOTIFY_MAX_WORKERS:
        raise MturkError(f"WorkerIds lists 1 to {services.NOTIFY_MAX_WORKERS} workers.")
    candidates = list(User.objects.filter(assignments__project__organisation=key.organisation).distinct())
    members, failures = [], []
    for worker in worker_ids:
        try:
            members.append(worker_from_pseudonym(organisation=key.organisation, pseudonym=ids.pseudonym_of(worker),
                                                 candidates=candidates))
        except NotFound:
            failures.append({"NotifyWorkersFailureCode": "HardFailure", "WorkerId": str(worker),
                             "NotifyWorkersFailureMessage": "No such worker has worked for you."})
    if members:
        services.workers_notify(key=key, members=members, subject=params.get("Subject"),
                                text=params.get("MessageText"))
    return {"NotifyWorkersFailureStatuses": failures}


