"""Appeals' part of a member's data rights (accounts.datarights): the appeals they filed, their
jury seats with their own votes and reasons, their flags and reviews of requesters. Erasure
waits while an appeal of theirs is open or they hold a seat on an open jury; then their
statements, jury reasons, flag comments and review texts become the tombstone. Decisions and
vote counts stay: they are the coop's record."""

from django.utils.translation import gettext as _

from tasks.appeals.models import Appeal, JurySeat, ProjectFlag, RequesterReview

OPEN = (Appeal.Status.AWAITING_DRAW, Appeal.Status.JURY)


def appeal_rows(*, user):
    return [{"appeal": a.pk, "kind": a.kind, "status": a.status, "filed_at": a.filed_at, "statement": a.statement,
             "assignment": a.assignment_id, "requester_answer": a.requester_answer, "decided_at": a.decided_at,
             "uphold_votes": a.uphold_votes, "overturn_votes": a.overturn_votes}
            for a in Appeal.objects.filter(appellant=user).order_by("pk")]


def jury_rows(*, user):
    return [{"appeal": s.appeal_id, "label": s.label, "status": s.status, "invited_at": s.invited_at,
             "vote": s.vote, "vote_reason": s.vote_reason, "voted_at": s.voted_at, "paid_at": s.paid_at}
            for s in JurySeat.objects.filter(juror=user).order_by("pk")]


def flag_and_review_rows(*, user):
    flags = [{"what": "flag", "project": f.project_id, "kind": f.kind, "text": f.comment, "created_at": f.created_at}
             for f in ProjectFlag.objects.filter(member=user).order_by("pk")]
    reviews = [{"what": "review", "project": r.project_id, "kind": str(r.rating), "text": r.text,
                "created_at": r.created_at} for r in RequesterReview.objects.filter(member=user).order_by("pk")]
    return flags + reviews


def appeal_blockers(*, user):
    reasons = []
    if Appeal.objects.filter(appellant=user, status__in=OPEN).exists():
        reasons.append(("appeal_open", _("An appeal of yours is still open: wait for the jury's decision.")))
    # a juror who voted is paid when the jury decides: that money must not reach an erased wallet
    if JurySeat.objects.filter(juror=user, status__in=JurySeat.LIVE, appeal__status__in=OPEN).exists():
        reasons.append(("jury_seat_open", _("You sit on a jury that has not decided yet: vote (or decline), then "
                                            "wait for its decision and your juror pay.")))
    return reasons


def appeal_texts_erase(*, user, tombstone):
    Appeal.objects.filter(appellant=user).update(statement=tombstone)
    JurySeat.objects.filter(juror=user).exclude(vote_reason="").update(vote_reason=tombstone)
    ProjectFlag.objects.filter(member=user).exclude(comment="").update(comment=tombstone)
    RequesterReview.objects.filter(member=user).update(text=tombstone)
