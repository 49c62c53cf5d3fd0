"""Every operation the API runs, checked against botocore's service model `mturk` 2017-01-17:
the request boto3 builds passes botocore's own parameter validation (required members, types),
and the raw JSON the server answers has, for every member of the output shape, the model's
type (structure, list, string with its enum and pattern, integer, long, boolean, timestamp as
epoch seconds), no member the model does not know, and every member the model requires."""

import json
import re
from datetime import UTC, datetime

from botocore.loaders import Loader

from tasks.models import Project
from tasks.mturk.api import OPERATIONS
from tasks.mturk.models import Hit
from tests.mturk.conftest import HTML, member_does_the_work

MODEL = Loader().load_service_model("mturk", "service-2", api_version="2017-01-17")
SHAPES = MODEL["shapes"]


def shape_errors(value, shape_name, path="$"):
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: {shape_name} must be an object"]
        errors = [f"{path}.{name}: required by {shape_name}" for name in shape.get("required", ()) if name not in value]
        for name, item in value.items():
            member = shape["members"].get(name)
            if member is None:
                errors.append(f"{path}.{name}: not a member of {shape_name}")
            elif item is not None:
                errors += shape_errors(item, member["shape"], f"{path}.{name}")
        return errors
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: {shape_name} must be a list"]
        return [e for i, item in enumerate(value) for e in shape_errors(item, shape["member"]["shape"], f"{path}[{i}]")]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: {shape_name} must be a string"]
        if "enum" in shape and value not in shape["enum"]:
            return [f"{path}: {value!r} not in {shape_name}'s enum"]
        if "pattern" in shape and not re.search(shape["pattern"], value):
            return [f"{path}: {value!r} does not match {shape_name}'s pattern {shape['pattern']}"]
        if not shape.get("min", 0) <= len(value) <= shape.get("max", 10**9):
            return [f"{path}: {shape_name}'s length bounds"]
        return []
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: {shape_name} must be an integer"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: {shape_name} must be a boolean"]
    if kind == "timestamp":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{path}: {shape_name} must be epoch seconds"]
    return [f"{path}: unexpected shape type {kind}"]


def test_every_operation_matches_the_model(mturk, world):
    assert set(OPERATIONS) <= set(MODEL["operations"])
    raw = {}

    def record(operation_model, response_dict, **kwargs):
        raw.setdefault(operation_model.name, []).append((response_dict["status_code"], response_dict["body"]))

    mturk.meta.events.register("before-parse.mturk.*", record)

    mturk.get_account_balance()
    type_id = mturk.create_hit_type(Title="Cats", Description="Is there a cat?", Reward="0.50",
                                    AssignmentDurationInSeconds=600, Keywords="cats, estimate:2",
                                    AutoApprovalDelayInSeconds=3600)["HITTypeId"]
    hit = mturk.create_hit_with_hit_type(HITTypeId=type_id, MaxAssignments=2, LifetimeInSeconds=3600,
                                         Question=HTML)["HIT"]
    mturk.create_hit(Title="Dogs", Description="Is there a dog?", Reward="1.00", LifetimeInSeconds=600,
                     AssignmentDurationInSeconds=300, Question=HTML, RequesterAnnotation="dogs-1")
    project = Project.objects.get(title="Cats")
    for user, answer in zip(world["members"][:2], ("yes", "no"), strict=True):
        member_does_the_work(user, project.pk, {"cat": answer})
    mturk.get_hit(HITId=hit["HITId"])
    mturk.list_hits(MaxResults=1)
    assignments = mturk.list_assignments_for_hit(HITId=hit["HITId"], MaxResults=10)["Assignments"]
    first, second = assignments
    mturk.get_assignment(AssignmentId=first["AssignmentId"])
    mturk.approve_assignment(AssignmentId=first["AssignmentId"])
    mturk.reject_assignment(AssignmentId=second["AssignmentId"],
                            RequesterFeedback="The picture shows a cat under the table, on the left.")
    mturk.send_bonus(WorkerId=first["WorkerId"], AssignmentId=first["AssignmentId"], BonusAmount="0.10",
                     Reason="Thank you for the care.", UniqueRequestToken="b-1")
    mturk.list_bonus_payments(AssignmentId=first["AssignmentId"])
    mturk.create_worker_block(WorkerId=second["WorkerId"], Reason="Private: answers at random.")
    mturk.list_worker_blocks()
    mturk.delete_worker_block(WorkerId=second["WorkerId"], Reason="Changed our mind.")
    mturk.notify_workers(Subject="New batch", MessageText="A new batch opens tomorrow.",
                         WorkerIds=[first["WorkerId"], "AWNOTAWORKER"])
    mturk.update_hit_review_status(HITId=hit["HITId"], Revert=False)
    mturk.list_reviewable_hits(Status="Reviewing")
    mturk.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=1,
                                                UniqueRequestToken="more-1")
    mturk.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2020, 1, 1, tzinfo=UTC))
    dogs = Hit.objects.get(requester_annotation="dogs-1").code
    mturk.delete_hit(HITId=dogs)

    qualification = mturk.create_qualification_type(
        Name="Careful with cats", Description="Did careful work on our cat pictures.", Keywords="cats",
        QualificationTypeStatus="Active")["QualificationType"]
    qid = qualification["QualificationTypeId"]
    mturk.get_qualification_type(QualificationTypeId=qid)
    mturk.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True, Query="cats")
    mturk.update_qualification_type(QualificationTypeId=qid, Description="Careful work on our cat pictures.")
    mturk.associate_qualification_with_worker(QualificationTypeId=qid, WorkerId=first["WorkerId"], IntegerValue=1,
                                              SendNotification=True)
    mturk.get_qualification_score(QualificationTypeId=qid, WorkerId=first["WorkerId"])
    mturk.list_workers_with_qualification_type(QualificationTypeId=qid, Status="Granted")
    mturk.disassociate_qualification_from_worker(QualificationTypeId=qid, WorkerId=first["WorkerId"],
                                                 Reason="Given by mistake to the wrong worker.")
    mturk.delete_qualification_type(QualificationTypeId=qid)

    assert set(raw) == set(OPERATIONS), f"not exercised: {sorted(set(OPERATIONS) - set(raw))}"
    errors = []
    for name, responses in raw.items():
        output = MODEL["operations"][name].get("output", {}).get("shape")
        for status, body in responses:
            assert status == 200, (name, body)
            data = json.loads(body or b"{}")
            errors += [f"{name} {e}" for e in shape_errors(data, output)] if output else []
    assert errors == []
    # the answers and timestamps come through botocore's parser as the SDK's users read them
    assignment = mturk.get_assignment(AssignmentId=first["AssignmentId"])["Assignment"]
    assert assignment["AssignmentStatus"] == "Approved" and assignment["ApprovalTime"].tzinfo is not None
    assert assignment["Answer"].startswith("<?xml")
