import pytest

from tasks import eligibility
from tasks.eligibility import project_eligibility, projects_eligibility, register_check
from tasks.errors import NotEligible
from tasks.services import assignment_claim
from tests.factories import CoopFactory, UserFactory, member, open_project

pytestmark = pytest.mark.django_db


def test_an_active_member_of_the_coop_is_eligible():
    coop = CoopFactory()
    assert project_eligibility(member=member(coop).user, project=open_project(coop)) == []


def test_reasons_name_membership_consent_and_cap():
    coop = CoopFactory(params={"max_open_assignments": 1})
    worker = member(coop).user
    flagged = open_project(coop, data_flags=["faces_or_identity_documents"])
    plain = open_project(coop)
    assert [r["code"] for r in project_eligibility(member=UserFactory(), project=plain)] == ["not_a_member"]
    assert [r["code"] for r in project_eligibility(member=worker, project=flagged)] == ["data_consent"]
    assignment_claim(member=worker, project=plain)
    reasons = projects_eligibility(member=worker, projects=[plain, flagged])
    assert [r["code"] for r in reasons[plain.pk]] == ["open_assignments_cap"]
    assert [r["code"] for r in reasons[flagged.pk]] == ["data_consent", "open_assignments_cap"]
    assert all(r["message"] for r in reasons[flagged.pk])


def test_registered_checks_add_their_reasons_and_block_claims(monkeypatch):
    monkeypatch.setattr(eligibility, "_CHECKS", [])
    coop = CoopFactory()
    worker = member(coop).user
    project = open_project(coop, category="transcription")

    @register_check
    def needs_transcription_skill(*, member, project):
        if project.category == "transcription":
            return [{"code": "qualification_missing", "message": "Pass the transcription test first."}]
        return []

    register_check(needs_transcription_skill)
    assert len(eligibility.registered_checks()) == 1
    assert project_eligibility(member=worker, project=project) == [
        {"code": "qualification_missing", "message": "Pass the transcription test first."}]
    with pytest.raises(NotEligible) as info:
        assignment_claim(member=worker, project=project)
    assert info.value.extra["reasons"][0]["code"] == "qualification_missing"
