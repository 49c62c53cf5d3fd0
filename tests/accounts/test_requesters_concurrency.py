"""Two owners demoting each other at the same moment: one must stay owner (PostgreSQL, real
threads, committed transactions)."""

import pytest

from accounts.models import OrganisationStaff
from accounts.requesters import services
from tests.factories import OrganisationStaffFactory, organisation
from tests.threads import outcome_codes, together


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_demotions_keep_one_owner():
    for _ in range(5):
        org = organisation()
        a = OrganisationStaff.objects.get(organisation=org, user=org.owner)
        b = OrganisationStaffFactory(organisation=org, role="owner")
        outcomes = together([lambda a=a, b=b: services.staff_role_change(user=a.user, staff=b, role="staff"),
                             lambda a=a, b=b: services.staff_role_change(user=b.user, staff=a, role="staff")],
                            timeout=30)
        assert outcome_codes(outcomes, done="ok") in (["last_owner", "ok"], ["ok", "organisation_role_required"])
        assert OrganisationStaff.objects.filter(organisation=org, role="owner").count() == 1
