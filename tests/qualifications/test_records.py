"""Members' records (tasks/qualifications/records.py): each metric's value for many members at
once, only final rejections counting against a member, the decision's date as `finalised_at`
or else `reviewed_at`, and the members whose record changed lately."""

from datetime import timedelta
from fractions import Fraction

import pytest
from django.utils import timezone

from accounts.models import MemberProfile
from tasks.qualifications import records
from tests.factories import decided_assignment, member, open_project

pytestmark = pytest.mark.django_db


def _work(user, coop, statuses, *, category="labelling", days_ago=0):
    for status in statuses:
        project = open_project(coop, tasks=1, category=category)
        decided_assignment(user, project, status, days_ago=days_ago)


@pytest.mark.parametrize(("key", "parsed"), [
    ("tenure_days", ("tenure_days", {})),
    ("approved_assignments?category=transcription&days=30", ("approved_assignments",
                                                             {"category": "transcription", "days": 30})),
    ("approved_assignments?category=2024", ("approved_assignments", {"category": "2024"})),  # a category stays text
    ("approval_rate?last=100&min_count=10", ("approval_rate", {"last": 100, "min_count": 10})),
])
def test_a_clause_key_is_read_back_into_its_metric_and_params(key, parsed):
    assert records._parse_key(key) == parsed


def test_counts_of_approved_final_rejections_and_overturns(coop):
    worker, idle = member(coop).user, member(coop).user
    _work(worker, coop, ["approved", "overturned", "voided", "rejected", "rejection_final", "upheld"])
    _work(worker, coop, ["approved"], category="transcription", days_ago=40)
    keys = ["approved_assignments", "approved_assignments?category=transcription", "approved_assignments?days=30",
            "final_rejections", "overturned_rejections"]
    found = records.records_for(member_ids=[worker.pk, idle.pk], keys=keys)
    assert found[worker.pk] == {"approved_assignments": 4, "approved_assignments?category=transcription": 1,
                                "approved_assignments?days=30": 3, "final_rejections": 2,
                                "overturned_rejections": 1}
    assert set(found[idle.pk].values()) == {0}


def test_approval_rate_over_the_last_decided_tasks_and_none_below_the_minimum(coop):
    steady, new = member(coop).user, member(coop).user
    _work(steady, coop, ["rejection_final"], days_ago=10)  # older than the last 4: not counted
    _work(steady, coop, ["approved", "approved", "approved", "upheld"], days_ago=1)
    _work(new, coop, ["approved"])
    key = "approval_rate?last=4&min_count=2"
    found = records.records_for(member_ids=[steady.pk, new.pk], keys=[key])
    assert found[steady.pk] == {key: Fraction(75), key + "#decided": 4}
    assert found[new.pk] == {key: None, key + "#decided": 1}


def test_profile_metrics_tenure_and_tests_passed(coop):
    joined = member(coop, joined_at=timezone.now() - timedelta(days=45)).user
    MemberProfile.objects.filter(user=joined).update(languages=["MG", "fr"], country="mg")
    found = records.records_for(member_ids=[joined.pk], keys=["languages", "country", "tenure_days", "tests_passed"])
    assert found[joined.pk] == {"languages": ["fr", "mg"], "country": "MG", "tenure_days": 45, "tests_passed": 0}
    stranger = member().user
    MemberProfile.objects.filter(user=stranger).update(country="")
    assert records.records_for(member_ids=[stranger.pk], keys=["country"])[stranger.pk] == {"country": None}


def test_no_members_no_queries(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert records.records_for(member_ids=[], keys=["tenure_days"]) == {}


def test_record_for_reads_the_keys_of_a_rule(coop):
    worker = member(coop).user
    _work(worker, coop, ["approved"])
    rule = {"all": [{"metric": "approved_assignments", "op": ">=", "value": 1},
                    {"not": {"metric": "final_rejections", "op": ">", "value": 0, "params": {"days": 365}}}]}
    assert records.record_for(member=worker, rule=rule) == {"approved_assignments": 1, "final_rejections?days=365": 0}


def test_members_with_activity_since(coop):
    recent, old = member(coop).user, member(coop).user
    _work(recent, coop, ["approved"])
    _work(old, coop, ["approved"], days_ago=3)
    assert records.members_with_activity(since=timezone.now() - timedelta(days=1)) == {recent.pk}
