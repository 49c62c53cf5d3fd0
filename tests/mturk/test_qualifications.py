"""MTurk's qualification operations and QualificationRequirements, through boto3 against the
live server, mapped onto Atelier's published qualifications (docs/mturk.md, "Qualifications")."""

import pytest
from django.test import Client

from accounts.models import Notice
from tasks.models import Assignment, Project
from tasks.mturk.models import Hit
from tasks.mturk.questions import ANSWER_FIELD
from tasks.qualifications.models import ProjectRequirement, Qualification, QualificationGrant
from tasks.qualifications.services import qualification_create
from tasks.services import assignment_submit
from tests.factories import CoopFactory, steward
from tests.mturk.conftest import HTML, member_does_the_work

HIT = dict(Description="Say whether a cat is in the picture.", Reward="0.50", MaxAssignments=1,
           LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, Question=HTML)


def _claims(user, project_id):
    browser = Client()
    browser.force_login(user)
    response = browser.post(f"/work/projects/{project_id}/claim/")
    return response.status_code == 302 and "/work/assignments/" in response["Location"]


def member_submits(user):
    assignment = Assignment.objects.get(member=user, status="claimed")
    assignment_submit(member=user, assignment=assignment, answers={ANSWER_FIELD: '{"cat": "yes"}'})


def _type(mturk, name="Trained on cats", **extra):
    return mturk.create_qualification_type(Name=name, Description="Passed our cat training round.",
                                           QualificationTypeStatus="Active", **extra)["QualificationType"]


def test_a_requester_qualification_is_published_granted_with_a_reason_and_required(mturk, world):
    ann, bob = world["members"][:2]
    first = mturk.create_hit(Title="Cats, round 1", Keywords="cats, estimate:2", **HIT)["HIT"]
    member_does_the_work(ann, Project.objects.get(title="Cats, round 1").pk, {"cat": "yes"})
    worker = mturk.list_assignments_for_hit(HITId=first["HITId"])["Assignments"][0]["WorkerId"]

    qtype = _type(mturk, Keywords="cats, training")
    qid = qtype["QualificationTypeId"]
    assert qid.startswith("3AQ") and qtype["QualificationTypeStatus"] == "Active" and not qtype["AutoGranted"]
    assert qtype["Keywords"] == "cats, training"
    qualification = Qualification.objects.get(name="Trained on cats")
    assert qualification.kind == "granted" and qualification.organisation == world["org"]
    assert qualification.coop == world["coop"]  # published in the coop, readable by every member
    with pytest.raises(mturk.exceptions.RequestError, match="already have"):
        _type(mturk)

    mturk.associate_qualification_with_worker(QualificationTypeId=qid, WorkerId=worker, IntegerValue=1,
                                              SendNotification=False)
    grant = QualificationGrant.objects.get(qualification=qualification, member=ann, revoked_at__isnull=True)
    assert "Ravina Labs" in grant.reason  # the member reads who granted it, whatever SendNotification says
    assert Notice.objects.filter(user=ann, kind="qualification").exists()
    score = mturk.get_qualification_score(QualificationTypeId=qid, WorkerId=worker)["Qualification"]
    assert score["Status"] == "Granted" and score["IntegerValue"] == 1 and score["WorkerId"] == worker
    held = mturk.list_workers_with_qualification_type(QualificationTypeId=qid)["Qualifications"]
    assert [q["WorkerId"] for q in held] == [worker]
    with pytest.raises(mturk.exceptions.RequestError, match="held or not held"):
        mturk.associate_qualification_with_worker(QualificationTypeId=qid, WorkerId=worker, IntegerValue=0)

    second = mturk.create_hit(Title="Cats, round 2", Keywords="cats, estimate:2", QualificationRequirements=[
        {"QualificationTypeId": qid, "Comparator": "Exists", "ActionsGuarded": "Accept"}], **HIT)["HIT"]
    assert second["QualificationRequirements"][0]["QualificationTypeId"] == qid
    project = Project.objects.get(title="Cats, round 2")
    assert list(ProjectRequirement.objects.filter(project=project).values_list("qualification", flat=True)) == [
        qualification.pk]
    page = Client()
    page.force_login(bob)
    assert "Trained on cats" in page.get(f"/work/projects/{project.pk}/").content.decode()  # members see it
    assert not _claims(bob, project.pk)
    assert _claims(ann, project.pk)

    with pytest.raises(mturk.exceptions.RequestError, match="Work that requires this qualification"):
        mturk.delete_qualification_type(QualificationTypeId=qid)
    with pytest.raises(mturk.exceptions.RequestError, match="Reason is required"):
        mturk.disassociate_qualification_from_worker(QualificationTypeId=qid, WorkerId=worker)
    mturk.disassociate_qualification_from_worker(QualificationTypeId=qid, WorkerId=worker,
                                                 Reason="Round 1 answers were checked again and were wrong.")
    assert not QualificationGrant.objects.filter(qualification=qualification, member=ann,
                                                 revoked_at__isnull=True).exists()
    assert mturk.get_qualification_score(QualificationTypeId=qid, WorkerId=worker)["Qualification"][
        "Status"] == "Revoked"
    assert mturk.list_workers_with_qualification_type(QualificationTypeId=qid, Status="Revoked")["NumResults"] == 1

    mturk.update_qualification_type(QualificationTypeId=qid, QualificationTypeStatus="Inactive")
    with pytest.raises(mturk.exceptions.RequestError, match="Inactive"):
        mturk.create_hit(Title="Cats, round 3", QualificationRequirements=[
            {"QualificationTypeId": qid, "Comparator": "Exists"}], **HIT)
    mturk.update_expiration_for_hit(HITId=second["HITId"], ExpireAt=0)
    with pytest.raises(mturk.exceptions.RequestError, match="in progress"):  # ann is still at work
        mturk.delete_qualification_type(QualificationTypeId=qid)
    member_submits(ann)
    mturk.delete_qualification_type(QualificationTypeId=qid)
    with pytest.raises(mturk.exceptions.RequestError, match="does not exist"):
        mturk.get_qualification_type(QualificationTypeId=qid)


def test_system_requirements_become_published_rules(mturk, world):
    mturk.create_hit(Title="Careful cats", Keywords="estimate:2", QualificationRequirements=[
        {"QualificationTypeId": "000000000000000000L0", "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [95]},
        {"QualificationTypeId": "00000000000000000040", "Comparator": "GreaterThan", "IntegerValues": [99]},
    ], **HIT)
    project = Project.objects.get(title="Careful cats")
    required = Qualification.objects.filter(requirements__project=project).select_related("current_version")
    rules = sorted(q.current_version.rule["all"][0]["metric"] + str(q.current_version.rule["all"][0]["value"])
                   for q in required)
    assert rules == ["approval_rate95", "approved_assignments100"]
    assert all(q.kind == "computed" and q.organisation == world["org"] for q in required)
    # the same requirement on another HIT type reuses the published rule
    mturk.create_hit(Title="Careful dogs", Keywords="estimate:2", QualificationRequirements=[
        {"QualificationTypeId": "000000000000000000L0", "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [95]}],
        **HIT)
    assert Qualification.objects.filter(organisation=world["org"]).count() == 2
    # nobody in the fixture has a record yet: the rule keeps them out, and the page says what is missing
    assert not _claims(world["members"][0], project.pk)


@pytest.mark.parametrize(("requirement", "message"), [
    ({"QualificationTypeId": "00000000000000000071", "Comparator": "EqualTo",
      "LocaleValues": [{"Country": "US"}]}, "locale"),
    ({"QualificationTypeId": "00000000000000000060", "Comparator": "EqualTo", "IntegerValues": [1]}, "age"),
    ({"QualificationTypeId": "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH", "Comparator": "Exists"}, "Masters"),
    ({"QualificationTypeId": "3AQ999999", "Comparator": "Exists"}, "does not exist"),
    ({"QualificationTypeId": "000000000000000000L0", "Comparator": "LessThan", "IntegerValues": [50]},
     "without telling them"),
])
def test_requirements_that_exclude_in_secret_are_refused_and_nothing_is_created(mturk, world, requirement, message):
    def balance():
        out = mturk.get_account_balance()
        return out["AvailableBalance"], out["OnHoldBalance"]

    before = balance()
    with pytest.raises(mturk.exceptions.RequestError, match=message):
        mturk.create_hit(Title="Refused", Keywords="estimate:2", QualificationRequirements=[requirement], **HIT)
    assert not Project.objects.exists() and not Hit.objects.exists()
    assert balance() == before


def test_does_not_exist_is_refused_with_the_block_named(mturk, world):
    qid = _type(mturk)["QualificationTypeId"]
    with pytest.raises(mturk.exceptions.RequestError, match="CreateWorkerBlock"):
        mturk.create_hit(Title="Newcomers only", Keywords="estimate:2", QualificationRequirements=[
            {"QualificationTypeId": qid, "Comparator": "DoesNotExist"}], **HIT)
    assert not Project.objects.exists()


def test_a_coops_published_qualification_is_listed_and_required_but_never_granted_by_a_requester(mturk, world):
    coop = world["coop"]
    keeper = steward(coop).user
    published = qualification_create(actor=keeper, coop=coop, name="Transcription, level 2", kind="granted",
                                     reason="Granted by the stewards after the coop's training.")
    far = CoopFactory(slug="far")
    elsewhere = qualification_create(actor=steward(far).user, coop=far, name="Far away", kind="granted",
                                     reason="Granted by the stewards of another coop.")
    listed = mturk.list_qualification_types(MustBeRequestable=False)["QualificationTypes"]
    code = f"3AQ{published.pk}"
    assert code in [q["QualificationTypeId"] for q in listed]
    assert mturk.get_qualification_type(QualificationTypeId=code)["QualificationType"]["Name"] == \
        "Transcription, level 2"
    assert code not in [q["QualificationTypeId"] for q in mturk.list_qualification_types(
        MustBeRequestable=False, MustBeOwnedByCaller=True)["QualificationTypes"]]
    with pytest.raises(mturk.exceptions.RequestError, match="not yours|does not exist"):
        mturk.update_qualification_type(QualificationTypeId=code, Description="Ours now.")
    mturk.create_hit(Title="Transcribe", Keywords="estimate:2, coop:tana", QualificationRequirements=[
        {"QualificationTypeId": code, "Comparator": "Exists"}], **HIT)
    assert ProjectRequirement.objects.get(project__title="Transcribe").qualification_id == published.pk
    with pytest.raises(mturk.exceptions.RequestError, match="published in coop far"):
        mturk.create_hit(Title="Far", Keywords="estimate:2, coop:tana", QualificationRequirements=[
            {"QualificationTypeId": f"3AQ{elsewhere.pk}", "Comparator": "Exists"}], **HIT)


def test_qualification_tests_and_requests_are_pointed_to_atelier_s_own(mturk, world):
    with pytest.raises(mturk.exceptions.RequestError, match="paid"):
        _type(mturk, Test="<QuestionForm/>", AnswerKey="<AnswerKey/>", TestDurationInSeconds=600)
    with pytest.raises(mturk.exceptions.RequestError, match="never automatically"):
        _type(mturk, AutoGranted=True)
    with pytest.raises(mturk.exceptions.RequestError, match="no qualification requests"):
        mturk.list_qualification_requests()
    assert not Qualification.objects.exists()
