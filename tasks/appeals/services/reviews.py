"""Members' reviews of requesters: posted by a member paid for work on a finished project,
published or withheld by a steward."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.db import retry_transaction
from coop.core.errors import DomainError, NotFound
from coop.eventlog.services import event_record
from coop.federation.access import is_steward
from tasks.appeals import locks
from tasks.appeals.models import RequesterReview
from tasks.appeals.services.common import MIN_REASON
from tasks.models import Assignment, Project

# --- member reviews of requesters ----------------------------------------------------------------------------


@retry_transaction
@transaction.atomic
def review_post(*, member: User, project: Project | int, rating: int, text: str) -> RequesterReview:
    """A member who was paid for work on a finished project leaves a short review; a steward
    publishes or hides it."""
    text = (text or "").strip()
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("invalid_rating", _("Give a rating from 1 to 5."))
    if not 10 <= len(text) <= 1000 or "\x00" in text:
        raise DomainError("invalid_review", _("Write between 10 and 1,000 characters."))
    project = Project.objects.select_related("organisation").filter(pk=getattr(project, "pk", project)).first()
    if project is None or not Assignment.objects.filter(project=project, member=member,
                                                         status__in=Assignment.PAID_STATUSES).exists():
        raise NotFound()
    finished = project.status == Project.Status.CANCELLED or not project.slots.filter(status="open").exists()
    if not finished:
        raise DomainError("project_not_finished", _("You can review a requester once the project is finished."))
    if RequesterReview.objects.filter(project=project, member=member).exists():
        raise DomainError("already_reviewed", _("You have already reviewed this project."))
    review = RequesterReview.objects.create(project=project, organisation=project.organisation, member=member,
                                            rating=rating, text=text)
    event_record(type="requester.reviewed", coop=project.coop_id, actor=member, subject=review,
                 payload={"review": review.pk, "project": project.pk, "rating": rating})
    return review


@retry_transaction
@transaction.atomic
def review_moderate(*, steward: User, review: RequesterReview | int, publish: bool,
                    reason: str = "") -> RequesterReview:
    review = locks.review_for_update(getattr(review, "pk", review))
    if review is None or not is_steward(steward, coop_id=review.project.coop_id):
        raise NotFound()
    reason = (reason or "").strip()
    if not publish and len(reason) < MIN_REASON:
        raise DomainError("reason_required", _("Say why the review is hidden (at least 10 characters)."))
    review.status = RequesterReview.Status.PUBLISHED if publish else RequesterReview.Status.HIDDEN
    review.moderation_reason = reason
    review.save(update_fields=["status", "moderation_reason"])
    event_record(type="requester.review_moderated", coop=review.project.coop_id, actor=steward, subject=review,
                 payload={"review": review.pk, "published": int(bool(publish))})
    return review
