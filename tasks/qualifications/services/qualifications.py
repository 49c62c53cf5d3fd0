"""Defining, versioning, granting, revoking and re-evaluating qualifications.

Each public service is atomic and records its event. Payloads carry ids, version numbers,
short codes and the evidence as integers (DESIGN.md seam 10): never names or reasons."""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Organisation, User
from accounts.services import notify
from coop.core.db import retry_transaction
from coop.core.errors import Conflict, DomainError, NotFound
from coop.eventlog.services import event_record
from coop.federation.locks import membership_for_update
from coop.federation.models import Coop, Membership
from coop.federation.selectors import membership_active, rulebook_in_force
from tasks.qualifications import locks
from tasks.qualifications.enqueue import enqueue_qualification_reevaluate
from tasks.qualifications.models import (
    Qualification,
    QualificationGrant,
    QualificationRevocation,
    QualificationVersion,
)
from tasks.qualifications.permissions import owner_require
from tasks.qualifications.records import records_for
from tasks.qualifications.rules import evidence_numbers, explained_clauses, rule_evaluate, rule_explain, rule_keys
from tasks.qualifications.rules import rule_validate as _rule_validate

MIN_REASON = 10


def _reason(text, *, required=True):
    text = (text or "").strip()
    if required and len(text) < MIN_REASON:
        raise DomainError("reason_required", _("Write a reason (at least %(n)d characters): members read it.")
                          % {"n": MIN_REASON})
    return text


def _name(text):
    text = (text or "").strip()
    if not text or len(text) > 120 or "\x00" in text:
        raise DomainError("invalid_name", _("Give the qualification a name (up to 120 characters)."))
    return text


def _link():
    return reverse("qualifications:mine")


def _on_commit_reevaluate(qualification):
    pk = qualification.pk
    transaction.on_commit(lambda: enqueue_qualification_reevaluate(pk))


@retry_transaction
@transaction.atomic
def qualification_create(*, actor: User, coop: Coop, name: str, kind: str, organisation: Organisation | None = None,
                         description: str = "", rule: dict | None = None, reason: str = "",
                         _skip_owner_check: bool = False) -> Qualification:
    """Define a qualification and publish its version 1.

    A coop's own qualification is defined by a steward with a written reason (members read it);
    a requester's by its staff. A computed qualification needs a valid rule."""
    if not _skip_owner_check:
        owner_require(user=actor, coop_id=coop.pk, organisation_id=getattr(organisation, "pk", None))
    if kind not in Qualification.Kind.values:
        raise DomainError("invalid_kind", _("Choose computed, test or granted."))
    normal = None
    if kind == Qualification.Kind.COMPUTED:
        if rule is None:
            raise DomainError("rule_required", _("A computed qualification needs a rule."))
        normal = _rule_validate(rule)
    elif rule is not None:
        raise DomainError("rule_not_allowed", _("Only computed qualifications have a rule."))
    reason = _reason(reason, required=organisation is None)
    qualification = Qualification.objects.create(
        coop=coop, organisation=organisation, kind=kind, name=_name(name), description=(description or "").strip(),
        created_by=actor)
    version = QualificationVersion.objects.create(
        qualification=qualification, number=1, rule=normal, reason=reason, created_by=actor,
        rulebook_version=rulebook_in_force(coop=coop).version)
    qualification.current_version = version
    qualification.save(update_fields=["current_version"])
    event_record(type="qualification.created", coop=coop, actor=actor, subject=qualification,
                 payload={"qualification": qualification.pk, "version": 1, "kind": kind,
                          "organisation": getattr(organisation, "pk", None)})
    if kind == Qualification.Kind.COMPUTED:
        _on_commit_reevaluate(qualification)
    return qualification


@retry_transaction
@transaction.atomic
def qualification_version_publish(*, actor: User | None, qualification: Qualification, rule: dict, reason: str = "",
                                  proposal_id: int | None = None) -> QualificationVersion:
    """Publish a new version of a computed qualification's rule.

    Until governance offers a proposal kind for it, a coop's own qualification changes by a
    steward with a written reason; governance calls this with `proposal_id` (actor may then be
    None) when an adopted proposal changes it. Members are re-evaluated after commit."""
    qualification = locks.qualification_for_update(qualification.pk)
    if proposal_id is None:
        owner_require(user=actor, coop_id=qualification.coop_id, organisation_id=qualification.organisation_id)
    if qualification.kind != Qualification.Kind.COMPUTED:
        raise DomainError("not_computed", _("Only a computed qualification has a rule to change."))
    normal = _rule_validate(rule)
    reason = _reason(reason, required=qualification.owned_by_coop and proposal_id is None)
    if proposal_id is not None and not reason:
        reason = _("Adopted by the members' vote (proposal %(n)d).") % {"n": proposal_id}
    current = qualification.current_version
    if current is not None and current.rule == normal:
        raise Conflict("rule_unchanged", _("This rule is the same as the version in force."))
    number = (current.number if current else 0) + 1
    version = QualificationVersion.objects.create(
        qualification=qualification, number=number, rule=normal, reason=reason,
        created_by=actor or qualification.created_by,
        rulebook_version=rulebook_in_force(coop=qualification.coop).version)
    qualification.current_version = version
    qualification.save(update_fields=["current_version"])
    event_record(type="qualification.version_published", coop=qualification.coop_id, actor=actor,
                 subject=qualification, payload={"qualification": qualification.pk, "version": number,
                                                 "proposal": proposal_id})
    _on_commit_reevaluate(qualification)
    return version


def _active_grant(qualification, member_id):
    return QualificationGrant.objects.filter(qualification=qualification, member_id=member_id,
                                             revoked_at__isnull=True).first()


def _grant(*, qualification, member_id, source, evidence, actor=None, reason=""):
    """Assumes the member's membership row is locked."""
    version = qualification.current_version
    grant = QualificationGrant.objects.create(
        qualification=qualification, member_id=member_id, version=version, source=source, evidence=evidence,
        reason=reason, granted_by=actor)
    event_record(type="qualification.granted", coop=qualification.coop_id, actor=actor, subject=grant,
                 payload={"qualification": qualification.pk, "version": version.number, "member": member_id,
                          "source": source, "evidence": evidence})
    return grant


def _revoke(*, grant, cause, reason, evidence, actor=None):
    """Assumes the member's membership row is locked."""
    qualification = grant.qualification
    now = timezone.now()
    grant.revoked_at = now
    grant.save(update_fields=["revoked_at"])
    revocation = QualificationRevocation.objects.create(
        grant=grant, qualification=qualification, member_id=grant.member_id, version=qualification.current_version,
        cause=cause, reason=reason, evidence=evidence, revoked_by=actor, created_at=now)
    event_record(type="qualification.revoked", coop=qualification.coop_id, actor=actor, subject=revocation,
                 payload={"qualification": qualification.pk, "version": qualification.current_version.number,
                          "member": grant.member_id, "grant": grant.pk, "cause": cause, "evidence": evidence})
    notify(user=grant.member, kind="qualification",
           message=gettext_noop("Your qualification “%(name)s” was withdrawn: %(reason)s. You can ask for this to be "
                          "reviewed (appeal) from your qualifications page."),
           params={"name": qualification.name, "reason": reason},
           link=_link())
    return revocation


def _member_in_coop(qualification, member):
    membership = membership_for_update(user=member.pk, coop_id=qualification.coop_id)
    if membership is None:
        raise DomainError("not_a_member", _("Only active members of this coop can hold its qualifications."))
    return membership


@retry_transaction
@transaction.atomic
def qualification_grant(*, actor: User, qualification: Qualification, member: User, reason: str) -> QualificationGrant:
    """Grant a `granted`-kind qualification by hand, with a written reason the member sees."""
    owner_require(user=actor, coop_id=qualification.coop_id, organisation_id=qualification.organisation_id)
    if qualification.kind != Qualification.Kind.GRANTED:
        raise DomainError("not_granted_kind", _("Only qualifications of the “granted by hand” kind are granted by "
                                                "hand; the others follow their rule or test."))
    reason = _reason(reason)
    _member_in_coop(qualification, member)
    qualification = Qualification.objects.select_related("current_version").get(pk=qualification.pk)
    if _active_grant(qualification, member.pk):
        raise Conflict("already_held", _("This member already holds this qualification."))
    grant = _grant(qualification=qualification, member_id=member.pk, source=QualificationGrant.Source.HAND,
                   evidence={}, actor=actor, reason=reason)
    notify(user=member, kind="qualification",
           message=gettext_noop("You were granted the qualification “%(name)s”: %(reason)s"), params={
               "name": qualification.name, "reason": reason}, link=_link())
    return grant


@retry_transaction
@transaction.atomic
def qualification_revoke(*, actor: User, qualification: Qualification, member: User,
                         reason: str) -> QualificationRevocation:
    """Withdraw a qualification by hand (granted or test kinds), with a written reason the member
    sees and can appeal. Computed qualifications follow their rule only."""
    owner_require(user=actor, coop_id=qualification.coop_id, organisation_id=qualification.organisation_id)
    if qualification.kind == Qualification.Kind.COMPUTED:
        raise DomainError("computed_kind", _("A computed qualification follows its published rule: change the rule "
                                             "instead."))
    reason = _reason(reason)
    membership_for_update(user=member.pk, coop_id=qualification.coop_id)
    qualification = Qualification.objects.select_related("current_version").get(pk=qualification.pk)
    grant = _active_grant(qualification, member.pk)
    if grant is None:
        raise NotFound("not_held", _("This member does not hold this qualification."))
    return _revoke(grant=grant, cause=QualificationRevocation.Cause.BY_HAND, reason=reason, evidence={}, actor=actor)


@retry_transaction
@transaction.atomic
def qualification_reinstate(*, revocation: QualificationRevocation, actor: User | None = None,
                            reason: str = "") -> QualificationGrant:
    """Give back a revoked qualification (an appeal was won, or the definer changed their mind).
    The appeals issue calls this when a jury overturns a revocation."""
    revocation = locks.revocation_for_update(revocation.pk, related=("qualification__current_version", "member"),
                                             must_exist=True)
    if revocation.reinstated_at is not None:
        raise Conflict("already_reinstated", _("This qualification was already given back."))
    qualification = revocation.qualification
    membership_for_update(user=revocation.member_id, coop_id=qualification.coop_id)
    revocation.reinstated_at = timezone.now()
    revocation.save(update_fields=["reinstated_at"])
    grant = _active_grant(qualification, revocation.member_id)
    if grant is None:
        grant = _grant(qualification=qualification, member_id=revocation.member_id,
                       source=revocation.grant.source, evidence=revocation.grant.evidence, actor=actor,
                       reason=(reason or "").strip())
    event_record(type="qualification.reinstated", coop=qualification.coop_id, actor=actor, subject=revocation,
                 payload={"qualification": qualification.pk, "member": revocation.member_id, "grant": grant.pk})
    notify(user=revocation.member, kind="qualification",
           message=gettext_noop("Your qualification “%(name)s” was given back."),
           params={"name": qualification.name}, link=_link())
    return grant


def _missing_words(tree):
    return "; ".join(c["missing"] for c in explained_clauses(tree) if not c["passed"] and c["missing"])


def _apply_decision(*, qualification, member_id, record):
    """Grant or revoke one member of one computed qualification after their record was read.
    Takes the member's lock; re-reads the grant under it. Returns "granted", "revoked" or None."""
    rule = qualification.current_version.rule
    passed = rule_evaluate(rule, record)
    membership = membership_for_update(user=member_id, coop_id=qualification.coop_id)
    grant = _active_grant(qualification, member_id)
    evidence = evidence_numbers(rule, record)
    if passed and grant is None and membership is not None:
        _grant(qualification=qualification, member_id=member_id, source=QualificationGrant.Source.RULE,
               evidence=evidence)
        notify(user=membership.user, kind="qualification",
               message=gettext_noop("You now hold the qualification “%(name)s”."), params={"name": qualification.name},
               link=_link())
        return "granted"
    if not passed and grant is not None and grant.source == QualificationGrant.Source.RULE:
        reason = _missing_words(rule_explain(rule, record)) or _("the rule is no longer met")
        _revoke(grant=grant, cause=QualificationRevocation.Cause.RULE_NOT_MET, reason=reason, evidence=evidence)
        return "revoked"
    return None


def _computed(qualifications):
    return [q for q in qualifications if q.kind == Qualification.Kind.COMPUTED and q.current_version_id]


def member_reevaluate(*, member: User, now: datetime | None = None) -> dict[int, str]:
    """Re-evaluate one member against every computed qualification of their coop (after an
    approval, a final rejection or an overturn). One short transaction per change."""
    membership = membership_active(user=member)
    if membership is None:
        return {}
    qualifications = _computed(Qualification.objects.select_related("current_version", "coop")
                               .filter(coop=membership.coop_id))
    keys = {k for q in qualifications for k in rule_keys(q.current_version.rule)}
    record = records_for(member_ids=[member.pk], keys=keys, now=now)[member.pk]
    changes = {}
    for qualification in qualifications:
        with transaction.atomic():
            change = _apply_decision(qualification=qualification, member_id=member.pk, record=record)
        if change:
            changes[qualification.pk] = change
    return changes


def qualification_reevaluate(*, qualification: Qualification, member_ids: list[int] | None = None,
                             now: datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Re-evaluate the coop's active members (or `member_ids`) against a computed qualification:
    records are read in batches, each change is its own short transaction (DESIGN.md seam 8)."""
    qualification = Qualification.objects.select_related("current_version", "coop").get(pk=qualification.pk)
    if qualification.kind != Qualification.Kind.COMPUTED:
        return {"granted": 0, "revoked": 0}
    rule = qualification.current_version.rule
    active = Membership.objects.active().filter(coop=qualification.coop_id)
    if member_ids is not None:
        active = active.filter(user_id__in=list(member_ids))
    ids = list(active.order_by("user_id").values_list("user_id", flat=True))
    holders = set(QualificationGrant.objects.filter(qualification=qualification, revoked_at__isnull=True)
                  .values_list("member_id", flat=True))
    counts = {"granted": 0, "revoked": 0}
    keys = rule_keys(rule)
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        records = records_for(member_ids=chunk, keys=keys, now=now)
        for member_id in chunk:
            passed = rule_evaluate(rule, records[member_id])
            if passed == (member_id in holders):
                continue
            with transaction.atomic():
                change = _apply_decision(qualification=qualification, member_id=member_id, record=records[member_id])
            if change:
                counts[change] += 1
    return counts
