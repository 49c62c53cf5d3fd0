"""Qualification factories: they go through the services, so versions and events exist."""

from tests.factories.federation import steward

__all__ = ["computed_qualification", "granted_qualification", "SENIOR_RULE", "TEST_QUESTIONS", "TEST_KEY", "RIGHT",
           "HALF", "paid_test", "decided_assignment"]

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


TEST_QUESTIONS = [
    {"name": "capital", "type": "single_choice", "label": "Capital of Madagascar?",
     "choices": ["Antananarivo", "Toamasina", "Mahajanga"]},
    {"name": "sum", "type": "number", "label": "How much is 2 + 2?", "integer": True},
    {"name": "word", "type": "text", "label": "Type the Malagasy word for 'good'", "max_length": 50},
    {"name": "colours", "type": "multiple_choice", "label": "Which are colours?", "choices": ["red", "dog", "blue"]},
]
TEST_KEY = {"capital": "Antananarivo", "sum": 4, "word": "tsara", "colours": ["red", "blue"]}
RIGHT = dict(TEST_KEY)
HALF = {"capital": "Antananarivo", "sum": 5, "word": "tsara", "colours": ["dog"]}


def paid_test(coop, *, organisation=None, attempts=10, reward=300, estimated_minutes=10, pass_mark=75,
              retry_hours=0, **overrides):
    """A requester's paid test (the organisation is funded by the operator), funded for `attempts`."""
    from ledger.services import deposit_record
    from tasks.qualifications.services import qualification_test_create, qualification_test_fund
    from tests.factories.accounts import organisation as organisation_factory
    from tests.factories.federation import operator

    organisation = organisation or organisation_factory()
    deposit_record(operator=operator(), organisation=organisation, amount=1_000_000, reference="wire")
    fields = {"name": "Malagasy transcriber", "questions": TEST_QUESTIONS, "answer_key": TEST_KEY,
              "pass_mark": pass_mark, "time_limit_minutes": 30, "retry_hours": retry_hours,
              "estimated_minutes": estimated_minutes, "reward": reward, "instructions": "Answer **carefully**."}
    fields.update(overrides)
    test = qualification_test_create(actor=organisation.owner, coop=coop, organisation=organisation, **fields)
    if attempts:
        test = qualification_test_fund(actor=organisation.owner, test=test, attempts=attempts)
    return test


def decided_assignment(user, project, status, *, days_ago=0):
    """An assignment of `user` in `project` already decided (approved, rejection_final, ...)."""
    from datetime import timedelta

    from django.utils import timezone

    from tasks.models import Assignment, Slot, Task

    when = timezone.now() - timedelta(days=days_ago)
    task = Task.objects.create(project=project, data={"image_url": "https://img.example/x.jpg"})
    slot = Slot.objects.create(task=task, project=project, number=0, status=Slot.Status.TAKEN)
    final = status in ("rejection_final", "upheld", "overturned")
    return Assignment.objects.create(slot=slot, task=task, project=project, member=user, status=status,
                                     claimed_at=when, deadline_at=when, submitted_at=when, reviewed_at=when,
                                     finalised_at=when if final else None)
