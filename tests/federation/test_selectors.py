"""coop/federation/selectors.py: the coops shown to applicants, with the kinds of work the
marketplace passes in (the federation imports nothing of tasks)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import MemberProfile
from coop.federation.selectors import KINDS_OF_WORK_DAYS, coops_for_applicants
from tasks.selectors import project_categories_by_coop
from tests.factories import CoopFactory, member
from tests.factories.tasks import open_project

pytestmark = pytest.mark.django_db


def test_coops_for_applicants_show_languages_and_the_kinds_of_work_passed_in():
    coop, other = CoopFactory(name="Alpha"), CoopFactory(name="Beta")
    for languages in (["fr", "en"], ["fr"], ["de"]):
        MemberProfile.objects.update_or_create(user=member(coop).user, defaults={"languages": languages})
    open_project(coop, category="labelling")
    open_project(coop, category="labelling")
    open_project(coop, category="survey")
    old = open_project(other, category="survey")
    old.published_at = timezone.now() - timedelta(days=KINDS_OF_WORK_DAYS + 1)
    old.save(update_fields=["published_at"])

    kinds = project_categories_by_coop(days=KINDS_OF_WORK_DAYS)
    rows = {row["coop"].name: row for row in coops_for_applicants(work_kinds=kinds)}

    assert kinds == {coop.pk: {"labelling": 2, "survey": 1}}
    assert rows["Alpha"]["kinds"] == ["labelling", "survey"]
    assert rows["Alpha"]["languages"] == ["fr", "de", "en"]  # most spoken first, then by code
    assert rows["Beta"]["kinds"] == []  # its only project is older than the window


def test_coops_for_applicants_without_kinds_lists_none():
    coop = CoopFactory()
    assert [row["kinds"] for row in coops_for_applicants() if row["coop"] == coop] == [[]]
