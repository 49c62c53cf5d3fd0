"""A private block (tasks/mturk/eligibility.py): a member blocked by an organisation is not
offered its work, told so without naming who blocked them; others are not affected."""

from types import SimpleNamespace

import pytest

from tasks.mturk.eligibility import block_reasons
from tasks.mturk.models import WorkerBlock
from tests.factories import member, open_project, organisation

pytestmark = pytest.mark.django_db


def test_a_blocked_member_is_not_offered_that_organisations_work_only():
    blocker, other = organisation(), organisation()
    blocked = member()
    project, elsewhere = open_project(blocked.coop, organisation=blocker), open_project(blocked.coop,
                                                                                        organisation=other)
    assert not block_reasons.applies(project)
    WorkerBlock.objects.create(organisation=blocker, member=blocked.user, reason="sloppy work")
    assert block_reasons.applies(project) and not block_reasons.applies(elsewhere)
    [reason] = block_reasons(member=blocked.user, project=project)
    assert reason["code"] == "not_offered" and blocker.name not in str(reason) and "sloppy" not in str(reason)
    assert block_reasons(member=blocked.user, project=elsewhere) == []
    assert block_reasons(member=member(blocked.coop).user, project=project) == []


def test_the_blocks_are_read_once_per_context(django_assert_num_queries):
    blocker = organisation()
    blocked = member()
    WorkerBlock.objects.create(organisation=blocker, member=blocked.user)
    projects = [open_project(blocked.coop, organisation=blocker, tasks=1) for _ in range(3)]
    ctx = SimpleNamespace(cache={})
    with django_assert_num_queries(1):
        found = [block_reasons(member=blocked.user, project=p, ctx=ctx) for p in projects]
    assert all(len(reasons) == 1 for reasons in found) and block_reasons.wants_context
