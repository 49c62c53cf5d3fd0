"""The room kinds Atelier ships. Rooms about another app's models (projects, proposals,
appeals) import those models lazily through the app registry, so the forums work before
(and without) the marketplace, governance or appeals apps: `register_kinds()` registers a
kind only when its model exists."""

from django.apps import apps
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from accounts.pseudonyms import worker_pseudonym
from coop.federation.access import is_requester_staff
from coop.federation.models import Membership
from coop.forums.errors import UnknownRoomKind
from coop.forums.models import Message, Room
from coop.forums.registry import RoomPolicy, register_room_kind
from tasks import eligibility, exposure


def _model(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


class CoopRoomPolicy(RoomPolicy):
    """One room per coop: its active members."""

    kind = Room.Kind.COOP

    def coop_of(self, subject):
        return subject

    def title_of(self, subject):
        return subject.name

    def subject_of(self, room):
        return room.coop

    def candidate_rooms(self, user, membership):
        return Q(kind=self.kind, coop_id=membership.coop_id) if membership else None


class CustomRoomPolicy(RoomPolicy):
    """Rooms stewards create: every active member of the coop, or its stewards only."""

    kind = Room.Kind.CUSTOM

    def can_read(self, room, user):
        membership = self.membership(room, user)
        if membership is None:
            return False
        return room.audience == Room.Audience.MEMBERS or membership.is_steward

    def candidate_rooms(self, user, membership):
        if membership is None:
            return None
        q = Q(kind=self.kind, coop_id=membership.coop_id)
        if not membership.is_steward:
            q &= Q(audience=Room.Audience.MEMBERS)
        return q


class SubjectRoomPolicy(RoomPolicy):
    """Rooms about another app's model, looked up lazily by label."""

    model_label = ""
    related = ()
    exact_candidates = False

    def model(self):
        return _model(self.model_label)

    def subject_of(self, room):
        model = self.model()
        if model is None or not room.subject_id:
            return None
        return model._default_manager.select_related(*self.related).filter(pk=room.subject_id).first()

    def title_of(self, subject):
        return (getattr(subject, "title", "") or str(subject))[:160]


# Reasons a member cannot claim *now* but may work on the project (and so belongs in its room),
# besides the marketplace's own `tasks.eligibility.TRANSIENT_CODES`.
TRANSIENT_ELIGIBILITY_CODES = {"data_consent", "open_assignments_cap", "no_free_slot", "fair_share"}


class ProjectRoomPolicy(SubjectRoomPolicy):
    """One room per project: the members who may work on it, shown under the pseudonym the
    requester already sees, and the requester's staff, shown as the organisation."""

    kind = Room.Kind.PROJECT
    model_label = "tasks.Project"
    related = ("organisation",)

    def _staff(self, project, user):
        return is_requester_staff(user, organisation_id=project.organisation_id)

    def _member_may_work(self, project, membership):
        if membership.is_steward:
            return True

        transient = TRANSIENT_ELIGIBILITY_CODES | set(getattr(eligibility, "TRANSIENT_CODES", ()))
        reasons = eligibility.project_eligibility(member=membership.user, project=project)
        return all(reason["code"] in transient for reason in reasons)

    def can_read(self, room, user):
        project = self.subject_of(room)
        if project is None:
            return False
        if self._staff(project, user):
            return True
        membership = self.membership(room, user)
        return membership is not None and self._member_may_work(project, membership)

    def author(self, room, user):
        project = self.subject_of(room)
        if project is not None and self._staff(project, user):
            return project.organisation.name, Message.AuthorRole.REQUESTER
        membership = self.membership(room, user)
        role = Message.AuthorRole.STEWARD if membership and membership.is_steward else Message.AuthorRole.MEMBER
        return worker_pseudonym(user=user, organisation=project.organisation_id), role

    def mention_candidates(self, room):
        project = self.subject_of(room)
        if project is None:
            return
        members = Membership.objects.active().filter(coop_id=room.coop_id)
        for membership in members.select_related("user"):
            if self._member_may_work(project, membership):
                yield membership.user, worker_pseudonym(user=membership.user, organisation=project.organisation_id)

    def candidate_rooms(self, user, membership):
        q = None
        if membership is not None:
            q = Q(kind=self.kind, coop_id=membership.coop_id)
        model = self.model()
        if model is not None and user.is_authenticated:
            # the projects of the organisations the user is staff of, as a subquery (no extra query)
            projects = (model._default_manager.filter(organisation__staff__user=user)
                        .annotate(key=Cast("pk", CharField())).values("key"))
            staff_q = Q(kind=self.kind, subject_id__in=projects)
            q = staff_q if q is None else q | staff_q
        return q


class ProposalRoomPolicy(SubjectRoomPolicy):
    """One room per proposal of a coop: its active members discuss it; once voting opens and
    the eligible voters are fixed, those voters (and stewards) write and the others read.
    A draft's room is its author's and the stewards' only. Federation-wide proposals (no
    coop) have no room: a room belongs to one coop."""

    kind = Room.Kind.PROPOSAL
    model_label = "governance.Proposal"

    def coop_of(self, subject):
        if subject.coop_id is None:
            raise UnknownRoomKind()
        return subject.coop

    def candidate_rooms(self, user, membership):
        return Q(kind=self.kind, coop_id=membership.coop_id) if membership else None

    def can_read(self, room, user):
        membership = self.membership(room, user)
        if membership is None:
            return False
        proposal = self.subject_of(room)
        if proposal is None:
            return False
        return proposal.status != "draft" or proposal.author_id == user.pk or membership.is_steward

    def can_write(self, room, user):
        if not self.can_read(room, user):
            return False
        proposal = self.subject_of(room)
        voters = getattr(proposal, "voters", None)
        if voters is None or self.is_moderator(room, user) or not voters.exists():
            return True
        return voters.filter(user=user).exists()


class AppealRoomPolicy(SubjectRoomPolicy):
    """One room per appeal: its jurors only (seats invited, accepted or voted), each shown
    under their seat's label ("Juror A"). Stewards neither read nor moderate it: an appeal may
    contest a steward's own decision, and the jury deliberates on its own."""

    kind = Room.Kind.APPEAL
    model_label = "appeals.Appeal"
    exact_candidates = True
    live_seats = ("invited", "accepted", "voted")

    def title_of(self, subject):
        return f"Jury #{subject.pk}"

    def _seat(self, room, user):
        if not user.is_authenticated or not room.subject_id.isdigit():
            return None
        seats = apps.get_model("appeals", "JurySeat")._default_manager
        return seats.filter(appeal_id=int(room.subject_id), juror=user, status__in=self.live_seats).first()

    def can_read(self, room, user):
        return self._seat(room, user) is not None and self.membership(room, user) is not None

    def is_moderator(self, room, user):
        return False

    def author(self, room, user):
        seat = self._seat(room, user)
        return (seat.letter if seat else "?"), Message.AuthorRole.JUROR  # Message.author_shown says "Juror A"

    def mention_candidates(self, room):
        seats = apps.get_model("appeals", "JurySeat")._default_manager
        for seat in seats.filter(appeal_id=int(room.subject_id), status__in=self.live_seats).select_related("juror"):
            yield seat.juror, seat.shown_label

    def candidate_rooms(self, user, membership):
        if membership is None:
            return None
        seats = (apps.get_model("appeals", "JurySeat")._default_manager
                 .filter(juror=user, status__in=self.live_seats)
                 .annotate(key=Cast("appeal_id", CharField())).values("key"))
        return Q(kind=self.kind, coop_id=membership.coop_id, subject_id__in=seats)


class SupportRoomPolicy(RoomPolicy):
    """One private room per coop for the members who did work with disturbing content (issue 23;
    docs/disturbing-content.md): only they read and write it (a steward too, only if they did such
    work, and then moderates it). Who may is checked on every read, so a member's first such task
    opens it and losing the membership closes it (the sockets re-check through `can_read`)."""

    kind = Room.Kind.SUPPORT
    exact_candidates = False  # the coop's support room, then `can_read` per member

    def subject_of(self, room):
        return room.coop

    def can_read(self, room, user):
        return self.membership(room, user) is not None and exposure.did_disturbing_work(member=user,
                                                                                        coop_id=room.coop_id)

    def is_moderator(self, room, user):
        return super().is_moderator(room, user) and self.can_read(room, user)

    def candidate_rooms(self, user, membership):
        return Q(kind=self.kind, coop_id=membership.coop_id) if membership else None


def register_kinds():
    """Called from the app config's `ready()`."""
    register_room_kind("federation.Coop", CoopRoomPolicy())
    register_room_kind(None, CustomRoomPolicy())
    register_room_kind(None, SupportRoomPolicy())
    for policy in (ProjectRoomPolicy(), ProposalRoomPolicy(), AppealRoomPolicy()):
        if policy.model() is not None:
            register_room_kind(policy.model_label, policy)
