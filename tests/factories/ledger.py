import itertools
from dataclasses import dataclass

from accounts.models import Organisation

__all__ = ["ProjectStub", "project_stub", "ledger_organisation", "funded_organisation"]

_ids = itertools.count(10_000)


@dataclass
class ProjectStub:
    """What the ledger needs of a project (it is duck-typed: pk, coop_id, organisation_id)."""

    pk: int
    coop_id: int
    organisation_id: int | None


def project_stub(coop, organisation=None):
    return ProjectStub(pk=next(_ids), coop_id=coop.pk, organisation_id=organisation.pk if organisation else None)


def ledger_organisation(**kwargs):
    n = next(_ids)
    name = kwargs.pop("name", f"Ledger lab {n}")
    return Organisation.objects.create(name=name, slug=kwargs.pop("slug", f"ledger-lab-{n}"), **kwargs)


def funded_organisation(amount, *, operator):
    from ledger.services import deposit_record

    org = ledger_organisation()
    deposit_record(operator=operator, organisation=org, amount=amount, reference=f"wire-{org.pk}")
    return org
