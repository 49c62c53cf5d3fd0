"""The federation's part of a member's data rights (accounts.datarights): their memberships in
"Download my data"; on erasure, a live membership is left (an event, as when leaving) and the
application statement is replaced by the tombstone. Decisions about the member (status, the
article cited, the steward who decided) stay: they are the coop's record."""

from coop.federation.models import Membership
from coop.federation.services import membership_leave


def membership_rows(*, user):
    return [{"membership": m.pk, "coop": m.coop.name, "role": m.role, "status": m.status,
             "statement": m.statement, "applied_at": m.applied_at, "joined_at": m.joined_at,
             "status_changed_at": m.status_changed_at, "status_reason": m.status_reason,
             "status_article": m.status_article.number if m.status_article else None,
             "rulebook_version": m.rulebook_version}
            for m in Membership.objects.filter(user=user).select_related("coop", "status_article").order_by("pk")]


def memberships_erase(*, user, tombstone):
    if Membership.objects.filter(user=user, status__in=Membership.LIVE).exists():
        membership_leave(user=user)
    Membership.objects.filter(user=user).exclude(statement="").update(statement=tombstone)


def membership_subjects(*, user):
    return [("federation.membership", pk) for pk in Membership.objects.filter(user=user).values_list("pk", flat=True)]
