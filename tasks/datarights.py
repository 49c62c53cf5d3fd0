"""The marketplace's part of a member's data rights (accounts.datarights): their assignments
with their answers in "Download my data". Erasure waits while work of theirs may still be paid
or refunded (claimed, submitted, under revision, rejected within the appeal window, appealed or
frozen): money could otherwise reach an erased wallet. Submitted answers stay with the requester
who paid for them (under the worker pseudonym only); an unsubmitted draft is deleted."""

from django.utils.translation import gettext as _

from tasks.models import Assignment


def assignment_rows(*, user):
    return [{"assignment": a.pk, "project": a.project_id, "project_title": a.project.title, "task": a.task_id,
             "status": a.status, "claimed_at": a.claimed_at, "submitted_at": a.submitted_at,
             "time_spent_seconds": a.time_spent_seconds, "answers": a.answers, "reward": a.project.reward,
             "reviewed_at": a.reviewed_at, "revision_comment": a.revision_comment,
             "rejection_reason": a.rejection_reason, "rejection_explanation": a.rejection_explanation}
            for a in Assignment.objects.filter(member=user).select_related("project").order_by("pk")]


def assignment_blockers(*, user):
    if Assignment.objects.filter(member=user, status__in=Assignment.HOLDING_STATUSES).exists():
        return [("work_open", _("Some of your work is not final yet (in progress, under review, or within its "
                                "appeal window): finish or return it, and wait for its review."))]
    return []


def drafts_erase(*, user, tombstone):
    Assignment.objects.filter(member=user).exclude(draft=None).update(draft=None, draft_saved_at=None)
