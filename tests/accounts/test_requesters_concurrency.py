"""Two owners demoting each other at the same moment: one must stay owner (PostgreSQL, real
threads, committed transactions)."""

import threading

import pytest
from django.db import connections

from accounts.models import OrganisationStaff
from accounts.requesters import services
from coop.core.errors import DomainError
from tests.factories import OrganisationStaffFactory, organisation


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_demotions_keep_one_owner():
    for _ in range(5):
        org = organisation()
        a = OrganisationStaff.objects.get(organisation=org, user=org.owner)
        b = OrganisationStaffFactory(organisation=org, role="owner")
        barrier = threading.Barrier(2)
        outcomes = []

        def demote(actor, target, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                services.staff_role_change(user=actor.user, staff=target, role="staff")
                outcomes.append("ok")
            except DomainError as exc:
                outcomes.append(exc.code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=demote, args=(a, b)), threading.Thread(target=demote, args=(b, a))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcomes) in (["last_owner", "ok"], ["ok", "organisation_role_required"])
        assert OrganisationStaff.objects.filter(organisation=org, role="owner").count() == 1
