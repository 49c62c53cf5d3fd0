"""The marketplace's money movements, all through the ledger's services (issue 6).

Keys come from domain ids (DESIGN.md seam 2), so a retried service moves money once."""
from ledger import services
from tasks.models import Slot


def _ledger():
    return services


def hold(*, project, amount, actor=None):
    """Move `amount` from the requester's balance into the project's escrow (a new hold)."""
    project.holds += 1
    _ledger().escrow_hold(project=project, amount=amount, key=f"project:{project.pk}:hold:{project.holds}",
                          actor=actor)
    project.escrow_held += amount


def _slot(slot_id):
    return Slot.objects.only("fee_coop", "fee_federation", "fee_juror").get(pk=slot_id)


def slot_cost(*, project, slot_id):
    """What the escrow holds for one slot: the reward and the slot's exact share of its batch's fees."""
    return project.reward + _slot(slot_id).fee


def release(*, assignment, project, actor=None):
    """Pay one assignment: reward to the member, its slot's fee shares to the coop, federation
    and juror fund (tasks/fees.py)."""
    slot = _slot(assignment.slot_id)
    _ledger().escrow_release(
        project=project, user=assignment.member, reward=project.reward, fee_coop=slot.fee_coop,
        fee_federation=slot.fee_federation, fee_juror=slot.fee_juror,
        key=_release_key(assignment), actor=actor,
    )


def releases_lock(*, assignments, project):
    """Before paying several assignments of `project` in one transaction: lock all the balances
    the releases change, in the ledger's order (see `ledger.services.escrow_releases_lock`)."""
    _ledger().escrow_releases_lock(project=project, releases=[
        {"user": a.member, "reward": project.reward, "fee_coop": project.fee_coop,
         "fee_federation": project.fee_federation, "fee_juror": project.fee_juror, "key": _release_key(a)}
        for a in assignments])


def _release_key(assignment):
    return f"assignment:{assignment.pk}:release"


def _refund(*, project, amount, key, actor=None):
    """The one escrow refund: money from the project's escrow back to the requester (the ledger
    moves it once per `key`), and `project.escrow_refunded` counted and saved. The caller holds
    the project's lock (`tasks.locks.project_for_update`)."""
    if amount <= 0:
        return
    _ledger().escrow_refund(project=project, amount=amount, key=key, actor=actor)
    project.escrow_refunded += amount
    project.save(update_fields=["escrow_refunded"])


def refund_assignment(*, project, assignment, actor=None):
    """A final or upheld rejection: its slot's cost goes back (key `assignment:<id>:refund`)."""
    _refund(project=project, amount=slot_cost(project=project, slot_id=assignment.slot_id),
            key=f"assignment:{assignment.pk}:refund", actor=actor)


def refund_slot(*, project, slot, actor=None):
    """A slot given back in a cancelled project: its cost goes back (key `slot:<id>:refund`)."""
    _refund(project=project, amount=slot_cost(project=project, slot_id=slot.pk), key=f"slot:{slot.pk}:refund",
            actor=actor)


def refund_review(*, project, amount, actor=None):
    """A country-restricted project the stewards refused (issue 23): all that its submission held
    goes back in one transaction (key `project:<id>:review:<hold number>:refund`)."""
    _refund(project=project, amount=amount, key=f"project:{project.pk}:review:{project.holds}:refund", actor=actor)


def refund_cancelled(*, project, amount, actor=None):
    """A cancelled project's unclaimed slots, `amount` in all (key `project:<id>:cancel`)."""
    _refund(project=project, amount=amount, key=f"project:{project.pk}:cancel", actor=actor)


def refund_closed_task(*, project, task_id, slot_ids, amount, actor=None):
    """A task closed by its requester (tasks.services.task_close): its open slots, `amount` in
    all (key `task:<id>:close:<first slot id>`: a task may be closed again after slots are added)."""
    _refund(project=project, amount=amount, key=f"task:{task_id}:close:{min(slot_ids)}", actor=actor)


def bonus(*, organisation, user, amount, key, actor=None, memo=""):
    _ledger().bonus_pay(organisation=organisation, user=user, amount=amount, key=key, actor=actor, memo=memo)
