"""The stewards' review of a country-restricted project (issue 23; docs/transparency.md).

A project whose required qualifications limit it to (or away from) some countries must cite a
legal reason, and it does not open at publish: `project_publish` takes the money into escrow at
the cost the requester confirmed, fixes the fees' rulebook version, makes no slot and leaves the
project in `review`. One steward of the project's coop (four eyes are not required), who is not
on the requester's staff, then:

- approves it (`project_review_approve`): it opens as a normal publish would (slots under the
  terms fixed at submission, which cost exactly what is held; the fair-share window starts now;
  `project.published` is recorded and members are told), or
- refuses it with a written reason (`project_review_refuse`): nothing opens, what the
  submission held goes back to the requester in one ledger transaction, the project is a draft
  again (the requester may change it and publish anew) and the requester is told why.

Both lock the project first (`tasks.locks.project_for_update`) and re-read its state under the
lock, so two stewards deciding at once decide once: the second finds it no longer in review."""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notices_resolve, notify
from coop.core.db import retry_transaction
from coop.core.errors import Conflict, Forbidden
from coop.eventlog.services import event_record
from coop.federation.access import is_requester_staff, steward_require
from coop.federation.errors import ReasonRequired
from coop.federation.selectors import rulebook_in_force
from tasks import escrow, selectors
from tasks.errors import InvalidState
from tasks.locks import project_for_update
from tasks.models import Project
from tasks.services.batches import batch_open, slots_create, work_opened

REASON_MIN, REASON_MAX = 10, 1000


def _reviewable(steward, project_id):
    """The project, locked, once `steward` may decide on it and it awaits review."""
    project = project_for_update(getattr(project_id, "pk", project_id))
    steward_require(steward, coop_id=project.coop_id)
    if is_requester_staff(steward, organisation_id=project.organisation_id):
        raise Forbidden("reviewer_is_requester", _("You are on this project's requester's staff: another steward "
                                                   "reviews it."))
    if project.status != Project.Status.REVIEW:
        raise InvalidState("not_in_review", _("This project no longer awaits a review."))
    return project


def _event(type, project, actor, **extra):
    event_record(type=type, coop=project.coop_id, actor=actor, subject=project,
                 payload={"project": project.pk, "organisation": project.organisation_id, **extra})


def _requester_staff(project):
    return [row.user for row in project.organisation.staff.select_related("user").order_by("pk")]


@retry_transaction
@transaction.atomic
def project_review_approve(*, steward: User, project: Project | int, now: datetime | None = None) -> Project:
    """A steward opens a country-restricted project: the slots its escrow paid for are made under
    the terms fixed at submission, and it opens as a normal publish would."""
    now = now or timezone.now()
    project = _reviewable(steward, project)
    rulebook = rulebook_in_force(coop=project.coop, at=now)
    terms = selectors.terms_of(project, rulebook)  # the fees of the version fixed at submission (seam 1)
    tasks = list(project.tasks.only("pk", "is_gold").order_by("pk"))
    held = project.escrow_held - project.escrow_refunded
    slots, amount = slots_create(project, tasks, terms)
    if amount != held:  # cannot happen (tasks and requirements are frozen in review); never open unfunded slots
        raise Conflict("review_cost_changed", _("The cost of this project no longer matches what is held for it."),
                       {"amount": amount, "held": held})
    project.status, project.published_at = Project.Status.OPEN, now
    project.review_state, project.reviewed_at = "approved", now
    batch_open(project, slots=slots, now=now, rulebook=rulebook)
    project.save()
    _event("project.review_approved", project, steward)
    _event("project.published", project, steward, slots=slots, amount=amount,
           rulebook_version=project.rulebook_version, reward=project.reward, fee_coop=project.fee_coop,
           fee_federation=project.fee_federation, fee_juror=project.fee_juror)
    notices_resolve(subject=f"project_review:{project.pk}")
    link = reverse("tasks:requester_project", args=[project.pk])
    for user in _requester_staff(project):
        notify(user=user, kind="project_review", link=link,
               message=gettext_noop("The coop's stewards approved “%(p)s”: it is open to members."),
               params={"p": project.title})
    work_opened(project, kind="published", coop_wide=True)
    return project


def reason_clean(reason: object) -> str:
    """A refusal's written reason, or ReasonRequired (before anything is read or written)."""
    text = str(reason or "").strip()
    if not REASON_MIN <= len(text) <= REASON_MAX or "\x00" in text:
        raise ReasonRequired(message=_("Write the reason for the requester (%(a)d to %(b)d characters).")
                             % {"a": REASON_MIN, "b": REASON_MAX}, extra={"fields": {"reason": "required"}})
    return text


@retry_transaction
@transaction.atomic
def project_review_refuse(*, steward: User, project: Project | int, reason: str,
                          now: datetime | None = None) -> Project:
    """A steward refuses a country-restricted project with a written reason: nothing opens, what
    its submission held goes back to the requester in one ledger transaction, and it is a draft
    again. The reason is on the project and in the requester's notice, not in the event."""
    text = reason_clean(reason)
    now = now or timezone.now()
    project = _reviewable(steward, project)
    refunded = project.escrow_held - project.escrow_refunded
    escrow.refund_review(project=project, amount=refunded, actor=steward)
    project.status = Project.Status.DRAFT
    project.review_state, project.review_reason, project.reviewed_at = "refused", text, now
    project.save()
    _event("project.review_refused", project, steward, refunded=refunded)
    notices_resolve(subject=f"project_review:{project.pk}")
    link = reverse("tasks:requester_project", args=[project.pk])
    for user in _requester_staff(project):
        notify(user=user, kind="project_review", link=link,
               message=gettext_noop("The coop's stewards did not open “%(p)s”: %(r)s The money held for it is back "
                                    "in your balance."),
               params={"p": project.title, "r": text})
    return project
