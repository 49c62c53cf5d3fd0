"""coop/governance/changes.py: the registry of change kinds, and the steward services handed
over by GovernanceConfig.ready() (the kinds never import governance's services)."""

import pytest

from coop.core.errors import DomainError
from coop.governance import changes, services


def test_every_kind_a_proposal_can_carry_is_registered():
    assert set(changes.KINDS) == {"parameter", "article", "data_category", "steward_elect", "steward_recall",
                                  "qualification_rule", "solidarity_grant", "patronage"}
    assert changes.kind_get("steward_elect").elect is True
    assert changes.kind_get("steward_recall").elect is False


def test_an_unknown_kind_is_refused_with_its_name():
    with pytest.raises(DomainError) as info:
        changes.kind_get("dissolve_the_coop")
    assert (info.value.code, info.value.extra) == ("unknown_change", {"kind": "dissolve_the_coop"})


def test_the_steward_services_are_handed_over_at_start_up():
    assert changes._STEWARD_SERVICES == {"elect": services.steward_elect, "recall": services.steward_recall}
