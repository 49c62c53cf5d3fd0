"""Which recorded events become which webhooks: the event log types the webhooks hear and the
webhook types each may produce (`project.completed` and `balance.low` are facts checked when
such an event is heard, not something every such event makes)."""

# event log type -> webhook type
DIRECT = {
    "assignment.submitted": "assignment.submitted",
    "assignment.approved": "assignment.approved",
    "assignment.rejected": "assignment.rejected",
    "assignment.frozen": "assignment.rejected",  # a rejection held by the brake is still a rejection
    "appeal.filed": "assignment.appealed",
    "assignment.overturned": "assignment.decided",
    "assignment.upheld": "assignment.decided",
    "aggregation.ready": "aggregation.ready",
}
COMPLETION_CHECK = {"assignment.approved", "assignment.rejected", "assignment.frozen"}
# what draws on the balance (a country-restricted project draws it when submitted for review: issue 23)
BALANCE_CHECK = {"project.published", "project.review_submitted", "task.slots_added", "assignment.bonus_paid"}
SOURCE_TYPES = sorted(set(DIRECT) | COMPLETION_CHECK | BALANCE_CHECK)


def wanted_types(event_type):
    """The webhook types an event of `event_type` may produce."""
    found = []
    if event_type in DIRECT:
        found.append(DIRECT[event_type])
    if event_type in COMPLETION_CHECK:
        found.append("project.completed")
    if event_type in BALANCE_CHECK:
        found.append("balance.low")
    return found


def concerns_requester(facts):
    """Whether a heard event is an organisation's business at all (the listener and the log's
    catch-up both ask): it names an organisation, and an appeal is of an assignment (an appeal
    of a revocation or a sanction is no requester's business)."""
    if not facts.payload.get("organisation"):
        return False
    return not (facts.type == "appeal.filed" and not facts.payload.get("assignment"))
