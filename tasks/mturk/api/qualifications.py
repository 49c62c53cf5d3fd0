"""The qualification operations of the MTurk-compatible API (docs/mturk.md, "Qualifications"):
a requester's qualification types are Atelier qualifications granted by hand, published in one
coop; the coop's own qualifications are listed and may be required, never changed."""

from coop.federation.access import Scope
from tasks.mturk import selectors, services
from tasks.mturk.api.hits import _str, _worker
from tasks.mturk.protocol import MturkError


def _own(key, params):
    return selectors.qualification_for(organisation=key.organisation, code=_str(params, "QualificationTypeId"),
                                       owned=True)


def create_qualification_type(key, params):
    qualification, _state = services.qualification_type_create(key=key, params=params)
    qualification.refresh_from_db()
    return {"QualificationType": selectors.qualification_type_out(qualification)}


def get_qualification_type(key, params):
    qualification, _state = selectors.qualification_for(organisation=key.organisation,
                                                        code=_str(params, "QualificationTypeId"))
    return {"QualificationType": selectors.qualification_type_out(qualification)}


def list_qualification_types(key, params):
    requestable = params.get("MustBeRequestable")
    if not isinstance(requestable, bool):
        raise MturkError("MustBeRequestable is required: true or false.")
    owned = params.get("MustBeOwnedByCaller", False)
    if not isinstance(owned, bool):
        raise MturkError("MustBeOwnedByCaller must be true or false.")
    query = params.get("Query")
    qs = selectors.qualification_types(organisation=key.organisation, owned=owned, requestable=requestable,
                                       query=str(query) if query else None)
    rows, token = selectors.page(qs, params)
    out = {"NumResults": len(rows), "QualificationTypes": [selectors.qualification_type_out(q) for q in rows]}
    if token:
        out["NextToken"] = token
    return out


def update_qualification_type(key, params):
    qualification, state = _own(key, params)
    services.qualification_type_update(key=key, qualification=qualification, state=state, params=params)
    qualification.refresh_from_db()
    return {"QualificationType": selectors.qualification_type_out(qualification)}


def delete_qualification_type(key, params):
    qualification, state = _own(key, params)
    services.qualification_type_dispose(key=key, qualification=qualification, state=state)
    return {}


def associate_qualification_with_worker(key, params):
    qualification, _state = _own(key, params)
    services.qualification_associate(key=key, qualification=qualification, member=_worker(key, params),
                                     integer_value=params.get("IntegerValue"))
    return {}


def disassociate_qualification_from_worker(key, params):
    qualification, _state = _own(key, params)
    services.qualification_disassociate(key=key, qualification=qualification, member=_worker(key, params),
                                        reason=params.get("Reason"))
    return {}


def get_qualification_score(key, params):
    qualification, _state = selectors.qualification_for(organisation=key.organisation,
                                                        code=_str(params, "QualificationTypeId"))
    member = _worker(key, params)
    grant = selectors.holders(qualification=qualification, status="Granted").filter(member=member).first() or \
        selectors.holders(qualification=qualification, status="Revoked").filter(member=member).last()
    if grant is None:
        raise MturkError(f"Worker {params['WorkerId']} does not hold qualification type "
                         f"{params['QualificationTypeId']}.", "AWS.MechanicalTurk.QualificationDoesNotExist")
    return {"Qualification": selectors.qualification_out(grant, key.organisation_id)}


def list_workers_with_qualification_type(key, params):
    qualification, _state = _own(key, params)
    status = params.get("Status", "Granted")
    if status not in ("Granted", "Revoked"):
        raise MturkError("Status is Granted or Revoked.")
    rows, token = selectors.page(selectors.holders(qualification=qualification, status=status), params)
    out = {"NumResults": len(rows),
           "Qualifications": [selectors.qualification_out(g, key.organisation_id) for g in rows]}
    if token:
        out["NextToken"] = token
    return out


QUALIFICATION_OPERATIONS = {
    "CreateQualificationType": (Scope.PROJECTS, create_qualification_type, True),
    "GetQualificationType": (Scope.READ, get_qualification_type, False),
    "ListQualificationTypes": (Scope.READ, list_qualification_types, False),
    "UpdateQualificationType": (Scope.PROJECTS, update_qualification_type, True),
    "DeleteQualificationType": (Scope.PROJECTS, delete_qualification_type, True),
    "AssociateQualificationWithWorker": (Scope.REVIEW, associate_qualification_with_worker, True),
    "DisassociateQualificationFromWorker": (Scope.REVIEW, disassociate_qualification_from_worker, True),
    "GetQualificationScore": (Scope.READ, get_qualification_score, False),
    "ListWorkersWithQualificationType": (Scope.READ, list_workers_with_qualification_type, False),
}

NO_REQUESTS = ("Atelier has no qualification requests: members earn a qualification by its published rule or paid "
               "test, or you grant it with AssociateQualificationWithWorker.")
# operations of the model that Atelier does not run, with why (the others get a general message)
NOT_RUN_BECAUSE = {name: NO_REQUESTS for name in (
    "ListQualificationRequests", "AcceptQualificationRequest", "RejectQualificationRequest")} | {
    "ListHITsForQualificationType": "List your HITs with ListHITs: each HIT's QualificationRequirements say which "
                                    "qualifications it requires.",
}
