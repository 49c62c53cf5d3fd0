"""The marketplace's part of a member's data rights (tasks/datarights.py): their assignments in
the export, erasure blocked while their work may still be paid, drafts deleted."""

import pytest

from tasks import datarights
from tasks.models import Assignment
from tasks.services import assignment_claim, assignment_draft_save, assignment_submit
from tests.factories import CoopFactory, member, open_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed():
    coop = CoopFactory()
    project = open_project(coop, tasks=2, reward=75)
    return assignment_claim(member=member(coop).user, project=project)


def test_assignment_rows_carry_the_answers_and_the_reward(claimed):
    assignment_submit(member=claimed.member, assignment=claimed, answers={"label": "no"})
    [row] = datarights.assignment_rows(user=claimed.member)
    assert (row["assignment"], row["status"], row["answers"], row["reward"]) == (claimed.pk, "submitted",
                                                                                 {"label": "no"}, 75)
    assert row["project_title"] == "Cats in pictures"
    assert datarights.assignment_rows(user=member().user) == []


@pytest.mark.parametrize(("status", "blocked"), [
    ("claimed", True), ("submitted", True), ("rejected", True), ("appealed", True),
    ("approved", False), ("rejection_final", False), ("returned", False),
])
def test_work_not_final_blocks_erasure(claimed, status, blocked):
    Assignment.objects.filter(pk=claimed.pk).update(status=status)
    codes = [code for code, _text in datarights.assignment_blockers(user=claimed.member)]
    assert codes == (["work_open"] if blocked else [])


def test_drafts_erase_deletes_the_draft_only(claimed):
    assignment_draft_save(member=claimed.member, assignment=claimed, draft={"note": "half done"})
    assert Assignment.objects.get(pk=claimed.pk).draft == {"note": "half done"}
    datarights.drafts_erase(user=claimed.member, tombstone="[erased]")
    fresh = Assignment.objects.get(pk=claimed.pk)
    assert (fresh.draft, fresh.draft_saved_at, fresh.status) == (None, None, "claimed")
