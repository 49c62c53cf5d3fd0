"""Defining, versioning, granting, revoking and re-evaluating qualifications."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notice
from coop.core.errors import DomainError, Forbidden
from coop.eventlog.models import Event
from tasks.qualifications.errors import InvalidRule
from tasks.qualifications.models import Qualification, QualificationGrant, QualificationRevocation
from tasks.qualifications.selectors import explain, revocations_of
from tasks.qualifications.services import (
    member_reevaluate,
    qualification_create,
    qualification_grant,
    qualification_reevaluate,
    qualification_reinstate,
    qualification_revoke,
    qualification_version_publish,
)
from tests.factories import (
    SENIOR_RULE,
    CoopFactory,
    OrganisationStaffFactory,
    computed_qualification,
    granted_qualification,
    member,
    steward,
)

pytestmark = pytest.mark.django_db


def _events(type_):
    return [e.payload_json for e in Event.objects.filter(type=type_).order_by("pk")]


def _senior(days):
    m = member()
    m.joined_at = timezone.now() - timedelta(days=days)
    m.save()
    return m


def test_qualification_create_by_a_steward_publishes_version_1_with_its_reason():
    coop = CoopFactory()
    boss = steward(coop).user
    q = qualification_create(actor=boss, coop=coop, name="Senior member", kind="computed", rule=SENIOR_RULE,
                             reason="Members asked for a published senior standing.")
    assert q.current_version.number == 1
    assert q.current_version.rule["all"][0] == {"metric": "tenure_days", "op": ">=", "value": 30}
    assert q.current_version.reason.startswith("Members asked")
    assert _events("qualification.created") == [
        {"actor": boss.pk, "kind": "computed", "organisation": None, "qualification": q.pk, "version": 1}]


def test_qualification_create_refuses_a_member_who_is_not_a_steward():
    m = member()
    with pytest.raises(Forbidden) as info:
        qualification_create(actor=m.user, coop=m.coop, name="X", kind="computed", rule=SENIOR_RULE,
                             reason="A reason long enough.")
    assert info.value.code == "not_a_steward"
    assert not Qualification.objects.exists()


def test_qualification_create_refuses_a_bad_rule_and_creates_nothing():
    coop = CoopFactory()
    with pytest.raises(InvalidRule) as info:
        qualification_create(actor=steward(coop).user, coop=coop, name="X", kind="computed",
                             rule={"metric": "approval_rate", "op": ">", "value": 100}, reason="A reason long enough.")
    assert info.value.extra["problem"] == "never_met"
    assert not Qualification.objects.exists() and not Event.objects.filter(type="qualification.created").exists()


def test_a_coop_qualification_needs_a_written_reason_but_a_requester_one_does_not():
    coop = CoopFactory()
    with pytest.raises(DomainError) as info:
        qualification_create(actor=steward(coop).user, coop=coop, name="X", kind="granted", reason="")
    assert info.value.code == "reason_required"
    staff = OrganisationStaffFactory()
    q = qualification_create(actor=staff.user, coop=coop, organisation=staff.organisation, name="Lab's own",
                             kind="granted")
    assert q.organisation == staff.organisation
    outsider = OrganisationStaffFactory()
    with pytest.raises(Forbidden):
        qualification_create(actor=outsider.user, coop=coop, organisation=staff.organisation, name="Y",
                             kind="granted")


def test_qualification_version_publish_makes_a_new_version_with_the_reason_as_an_event():
    q = computed_qualification(CoopFactory())
    boss = q.created_by
    stricter = {"all": [{"metric": "tenure_days", "op": ">=", "value": 90}]}
    with pytest.raises(DomainError) as info:
        qualification_version_publish(actor=boss, qualification=q, rule=stricter, reason="short")
    assert info.value.code == "reason_required"
    version = qualification_version_publish(actor=boss, qualification=q, rule=stricter,
                                            reason="Adopted at the general meeting of June.")
    q.refresh_from_db()
    assert version.number == 2 and q.current_version == version
    assert q.versions.count() == 2 and q.versions.get(number=1).rule["all"][0]["value"] == 30
    assert _events("qualification.version_published")[-1]["version"] == 2
    with pytest.raises(DomainError) as info:
        qualification_version_publish(actor=boss, qualification=q, rule=stricter, reason="The same rule again.")
    assert info.value.code == "rule_unchanged"


def test_qualification_reevaluate_grants_and_revokes_with_version_and_evidence():
    old, young = _senior(45), _senior(3)
    coop = old.coop
    young.coop = coop
    young.save()
    q = computed_qualification(coop)
    counts = qualification_reevaluate(qualification=q)
    assert counts == {"granted": 1, "revoked": 0}
    grant = QualificationGrant.objects.get(qualification=q)
    assert grant.member == old.user and grant.version.number == 1 and grant.source == "rule"
    assert grant.evidence == {"languages": "en,fr", "tenure_days": 45}
    granted = _events("qualification.granted")[-1]
    assert granted["version"] == 1 and granted["member"] == old.user_id and granted["evidence"]["tenure_days"] == 45
    assert qualification_reevaluate(qualification=q) == {"granted": 0, "revoked": 0}  # idempotent

    qualification_version_publish(actor=q.created_by, qualification=q,
                                  rule={"metric": "tenure_days", "op": ">=", "value": 60},
                                  reason="Raised by vote: two months of membership.")
    assert qualification_reevaluate(qualification=q) == {"granted": 0, "revoked": 1}
    revocation = QualificationRevocation.objects.get()
    assert revocation.member == old.user and revocation.version.number == 2
    assert revocation.reason == "15 more days of membership" and revocation.evidence == {"tenure_days": 45}
    revoked = _events("qualification.revoked")[-1]
    assert revoked["version"] == 2 and revoked["cause"] == "rule_not_met" and revoked["evidence"] == {
        "tenure_days": 45}
    notice = Notice.objects.filter(user=old.user, kind="qualification").first()
    assert "15 more days of membership" in notice.text and "appeal" in notice.text
    assert list(revocations_of(member=old.user)) == [revocation]


def test_member_reevaluate_follows_the_profile():
    m = _senior(40)
    q = computed_qualification(m.coop)
    m.user.profile.languages = ["en"]
    m.user.profile.save()
    assert member_reevaluate(member=m.user) == {}
    result = explain(member=m.user, qualification=q)
    assert not result["passed"]
    assert [c["passed"] for c in result["clauses"]] == [True, False]
    assert "French" in result["clauses"][1]["missing"]
    m.user.profile.languages = ["en", "fr"]
    m.user.profile.save()
    assert member_reevaluate(member=m.user) == {q.pk: "granted"}
    assert explain(member=m.user, qualification=q)["held"]


def test_creating_a_computed_qualification_reevaluates_the_coop_after_commit(django_capture_on_commit_callbacks):
    m = _senior(40)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        q = computed_qualification(m.coop)
    assert len(callbacks) == 1
    assert QualificationGrant.objects.filter(qualification=q, member=m.user, revoked_at__isnull=True).exists()


def test_qualification_grant_by_hand_needs_a_reason_and_tells_the_member():
    q = granted_qualification(CoopFactory())
    m = member(q.coop)
    with pytest.raises(DomainError) as info:
        qualification_grant(actor=q.created_by, qualification=q, member=m.user, reason="ok")
    assert info.value.code == "reason_required"
    grant = qualification_grant(actor=q.created_by, qualification=q, member=m.user,
                                reason="Reviewed 200 tasks with the coop's mentors.")
    assert grant.source == "hand" and grant.granted_by == q.created_by
    assert "Reviewed 200 tasks" in Notice.objects.filter(user=m.user).first().text
    with pytest.raises(DomainError) as info:
        qualification_grant(actor=q.created_by, qualification=q, member=m.user, reason="Again, with a reason.")
    assert info.value.code == "already_held"
    stranger = member()
    with pytest.raises(DomainError) as info:
        qualification_grant(actor=q.created_by, qualification=q, member=stranger.user, reason="Not in this coop.")
    assert info.value.code == "not_a_member"


def test_qualification_revoke_by_hand_then_reinstate():
    q = granted_qualification(CoopFactory())
    m = member(q.coop)
    qualification_grant(actor=q.created_by, qualification=q, member=m.user, reason="Trusted by the mentors.")
    revocation = qualification_revoke(actor=q.created_by, qualification=q, member=m.user,
                                      reason="Reviews were copied from another member.")
    assert revocation.cause == "by_hand" and revocation.revoked_by == q.created_by
    assert not explain(member=m.user, qualification=q)["held"]
    grant = qualification_reinstate(revocation=revocation, reason="Appeal won.")
    assert grant.is_active and explain(member=m.user, qualification=q)["held"]
    assert _events("qualification.reinstated")[-1]["grant"] == grant.pk
    with pytest.raises(DomainError) as info:
        qualification_reinstate(revocation=revocation)
    assert info.value.code == "already_reinstated"


def test_a_computed_qualification_is_not_revoked_by_hand():
    q = computed_qualification(CoopFactory())
    with pytest.raises(DomainError) as info:
        qualification_revoke(actor=q.created_by, qualification=q, member=member(q.coop).user,
                             reason="Because I say so, for a long time.")
    assert info.value.code == "computed_kind"


def test_governance_publishes_a_version_without_a_steward_citing_the_proposal():
    q = computed_qualification(CoopFactory())
    version = qualification_version_publish(actor=None, qualification=q, proposal_id=42,
                                            rule={"metric": "tenure_days", "op": ">=", "value": 60})
    assert version.number == 2 and version.reason == "Adopted by the members' vote (proposal 42)."
    assert _events("qualification.version_published")[-1] == {"proposal": 42, "qualification": q.pk, "version": 2}
