"""Qualification factories: they go through the services, so versions and events exist."""

from tests.factories.federation import steward

__all__ = ["computed_qualification", "granted_qualification", "SENIOR_RULE"]

SENIOR_RULE = {"all": [{"metric": "tenure_days", "op": ">=", "value": 30},
                       {"metric": "languages", "op": "has", "value": "fr"}]}


def _steward_of(coop):
    from coop.federation.models import Membership

    found = Membership.objects.filter(coop=coop, role="steward", status="active").select_related("user").first()
    return (found or steward(coop)).user


def computed_qualification(coop, rule=None, *, name="Senior member", organisation=None, actor=None):
    from tasks.qualifications.services import qualification_create

    return qualification_create(actor=actor or _steward_of(coop), coop=coop, organisation=organisation, name=name,
                                kind="computed", rule=rule or SENIOR_RULE,
                                reason="Members asked for a published senior standing.",
                                _skip_owner_check=actor is None and organisation is not None)


def granted_qualification(coop, *, name="Trusted reviewer"):
    from tasks.qualifications.services import qualification_create

    return qualification_create(actor=_steward_of(coop), coop=coop, name=name, kind="granted",
                                reason="For members the coop trusts to review others' work.")
