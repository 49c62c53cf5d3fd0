"""An unmodified boto3 script against the live server (issue 19's "done when"): create a HIT
with an HTMLQuestion, wait for the work (members do it through Atelier's pages), approve one
assignment, reject another with feedback, send a bonus, read the balance."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from ledger.selectors import requester_balance, wallet_balance
from tasks.models import Assignment, Project
from tests.mturk.conftest import HTML, member_does_the_work

NS = {"a": "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"}


def answers_of(xml):
    root = ET.fromstring(xml)
    return {a.find("a:QuestionIdentifier", NS).text: a.find("a:FreeText", NS).text
            for a in root.findall("a:Answer", NS)}


def test_the_mturk_script_runs_unchanged(mturk, world):
    start = Decimal(mturk.get_account_balance()["AvailableBalance"])
    assert start == Decimal("1000.00")

    hit = mturk.create_hit(
        Title="Is there a cat?", Description="Look at one picture and say whether a cat is in it.",
        Keywords="images, cats, estimate:2", Reward="0.50", MaxAssignments=2, LifetimeInSeconds=3600,
        AssignmentDurationInSeconds=600, AutoApprovalDelayInSeconds=86400, Question=HTML,
        RequesterAnnotation="batch-7")["HIT"]
    assert hit["HITStatus"] == "Assignable" and hit["MaxAssignments"] == 2 and hit["Reward"] == "0.50"
    assert hit["NumberOfAssignmentsAvailable"] == 2 and hit["RequesterAnnotation"] == "batch-7"
    hit_id = hit["HITId"]
    project = Project.objects.get()
    assert project.status == "open" and project.estimated_minutes == 2 and project.reward == 50
    assert project.auto_approval_hours == 24 and project.assignments_per_task == 2
    balance = mturk.get_account_balance()
    held = Decimal(balance["OnHoldBalance"])
    assert held > Decimal("1.00")  # two rewards and the fees, in escrow
    assert Decimal(balance["AvailableBalance"]) == start - held

    ann, bob = world["members"][:2]
    member_does_the_work(ann, project.pk, {"cat": "yes"})
    member_does_the_work(bob, project.pk, {"cat": "no"})

    got = mturk.get_hit(HITId=hit_id)["HIT"]
    assert got["HITStatus"] == "Reviewable" and got["NumberOfAssignmentsPending"] == 0
    listed = mturk.list_hits()["HITs"]
    assert [h["HITId"] for h in listed] == [hit_id]

    assignments = mturk.list_assignments_for_hit(HITId=hit_id, AssignmentStatuses=["Submitted"])["Assignments"]
    assert len(assignments) == 2
    by_answer = {answers_of(a["Answer"])["cat"]: a for a in assignments}
    good, bad = by_answer["yes"], by_answer["no"]
    assert good["WorkerId"].startswith("AW") and good["WorkerId"] != bad["WorkerId"]
    assert mturk.get_assignment(AssignmentId=good["AssignmentId"])["Assignment"]["AssignmentStatus"] == "Submitted"

    mturk.approve_assignment(AssignmentId=good["AssignmentId"], RequesterFeedback="Thanks!")
    mturk.reject_assignment(AssignmentId=bad["AssignmentId"],
                            RequesterFeedback="[reason:wrong_answer] There is a cat on the sofa, left of the lamp.")
    rejected = Assignment.objects.get(member=bob)
    assert rejected.status == "rejected" and rejected.rejection_reason == "wrong_answer"
    assert rejected.rejection_explanation == "There is a cat on the sofa, left of the lamp."
    assert rejected.appeal_deadline is not None  # appealable, as any rejection
    assert wallet_balance(user=ann) == 50 and wallet_balance(user=bob) == 0

    for _ in range(2):  # a retried call with the same token pays once
        try:
            mturk.send_bonus(WorkerId=good["WorkerId"], AssignmentId=good["AssignmentId"], BonusAmount="0.25",
                             Reason="Quick and careful work.", UniqueRequestToken="bonus-ann-1")
        except mturk.exceptions.RequestError as exc:
            assert "bonus-ann-1" in str(exc)
    assert wallet_balance(user=ann) == 75
    bonuses = mturk.list_bonus_payments(HITId=hit_id)["BonusPayments"]
    assert [(b["WorkerId"], b["BonusAmount"], b["Reason"]) for b in bonuses] == [
        (good["WorkerId"], "0.25", "Quick and careful work.")]

    done = {a["AssignmentId"]: a for a in mturk.list_assignments_for_hit(HITId=hit_id)["Assignments"]}
    assert done[good["AssignmentId"]]["AssignmentStatus"] == "Approved"
    assert done[bad["AssignmentId"]]["AssignmentStatus"] == "Rejected"
    assert done[bad["AssignmentId"]]["RequesterFeedback"] == "There is a cat on the sofa, left of the lamp."

    # the requester changes its mind: OverrideRejection pays the member
    mturk.approve_assignment(AssignmentId=bad["AssignmentId"], OverrideRejection=True)
    assert wallet_balance(user=bob) == 50
    assert Assignment.objects.get(member=bob).status == "approved"
    final = mturk.get_account_balance()
    assert Decimal(final["AvailableBalance"]) * 100 == requester_balance(organisation=world["org"])


def test_a_question_form_maps_onto_the_question_form(mturk, world):
    form = """<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
      <Overview><Text>Rate the answer.</Text></Overview>
      <Question><QuestionIdentifier>Rating.1</QuestionIdentifier><IsRequired>true</IsRequired>
        <QuestionContent><Text>How relevant is it?</Text></QuestionContent>
        <AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>
          <Selection><SelectionIdentifier>r1</SelectionIdentifier><Text>Not at all</Text></Selection>
          <Selection><SelectionIdentifier>r2</SelectionIdentifier><Text>Very</Text></Selection>
        </Selections></SelectionAnswer></AnswerSpecification></Question>
      <Question><QuestionIdentifier>why</QuestionIdentifier><QuestionContent><Text>Why?</Text></QuestionContent>
        <AnswerSpecification><FreeTextAnswer><Constraints><Length minLength="0" maxLength="200"/></Constraints>
        </FreeTextAnswer></AnswerSpecification></Question>
    </QuestionForm>"""
    hit = mturk.create_hit(Title="Rate", Description="Rate one answer.", Reward="0.40", LifetimeInSeconds=3600,
                           AssignmentDurationInSeconds=120, Question=form)["HIT"]
    project = Project.objects.get()
    assert [f["type"] for f in project.question_form] == ["single_choice", "text"]
    assert project.question_form[0]["choices"] == ["Not at all", "Very"]
    from django.test import Client

    from tasks.services import assignment_claim

    ann = world["members"][0]
    assignment = assignment_claim(member=ann, project=project)
    browser = Client()
    browser.force_login(ann)
    names = [f["name"] for f in project.question_form]
    response = browser.post(f"/work/assignments/{assignment.pk}/", {names[0]: "Very", names[1]: "On topic.",
                                                                    "action": "submit"})
    assert response.status_code == 302
    answer = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"][0]["Answer"]
    root = ET.fromstring(answer)
    pairs = [(a.find("a:QuestionIdentifier", NS).text, a[1].tag.split("}")[1], a[1].text)
             for a in root.findall("a:Answer", NS)]
    assert pairs == [("Rating.1", "SelectionIdentifier", "r2"), ("why", "FreeText", "On topic.")]


def test_a_question_form_that_does_not_map_is_refused(mturk, world):
    form = """<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
      <Question><QuestionIdentifier>photo</QuestionIdentifier><QuestionContent><Text>Upload</Text></QuestionContent>
        <AnswerSpecification><FileUploadAnswer><MaxFileSizeInBytes>100000</MaxFileSizeInBytes>
        <MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer></AnswerSpecification></Question>
    </QuestionForm>"""
    with pytest.raises(mturk.exceptions.RequestError, match="FileUploadAnswer is not supported"):
        mturk.create_hit(Title="Upload", Description="A photo.", Reward="1.00", LifetimeInSeconds=3600,
                         AssignmentDurationInSeconds=300, Question=form)
    assert not Project.objects.exists()
