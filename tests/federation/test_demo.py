"""coop/federation/demo.py: the demo federation (two coops, their stewards and members, an
applicant, the operator) and its logins; running it again adds nothing."""

import pytest

from accounts.models import User
from coop.federation import demo
from coop.federation.models import Coop, Membership
from coop.federation.selectors import rulebook_in_force

pytestmark = pytest.mark.django_db


def test_seed_builds_the_demo_federation_once():
    ctx = {"logins": []}
    demo.seed(ctx)
    assert set(ctx["coops"]) == {"tana", "lagos"} and ctx["password"] == demo.PASSWORD
    tana = Coop.objects.get(slug="tana")
    assert rulebook_in_force(coop=tana)["fair_share_window_minutes"] == demo.FAIR_SHARE_MINUTES
    assert Membership.objects.filter(coop=tana).stewards().count() == 2
    assert Membership.objects.filter(coop=tana, role="member").active().count() == 4
    assert Membership.objects.get(user__email="applicant@tana.example").status == "applicant"
    assert ctx["operator"].is_staff and ctx["operator"].check_password(demo.PASSWORD)
    assert ("applicant (Antananarivo)", "applicant@tana.example") in ctx["logins"]
    counts = (User.objects.count(), Membership.objects.count(), Coop.objects.count())
    demo.seed({"logins": []})
    assert (User.objects.count(), Membership.objects.count(), Coop.objects.count()) == counts
