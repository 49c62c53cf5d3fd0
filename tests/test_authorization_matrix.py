"""Every URL × every role, held to a declared policy (issue 15; docs/security.md).

The test walks `django.urls.get_resolver()`, fills each path parameter from objects seeded
once for the module (two coops, two requester organisations), and requests each URL as each
role: GET, and POST where the view accepts it. Each response is held to `POLICY`:

- a role listed for the URL name must reach it (2xx, a redirect that is not to the log-in
  page, or 400/409 for a POST without a valid body);
- every other role must be turned away: 401, 403, 404, 405 or a redirect to the log-in page;
- nobody ever gets a 500.

A URL name missing from `POLICY` (or a name in `POLICY` that no longer exists) fails the
test, so a new page cannot ship without a declared policy. Every response a requester role
gets (requester staff of either organisation, the API key) is searched for the seeded
members' emails, names and internal ids (user, membership, profile, wallet): requesters see
nothing of a member beyond the pseudonym and the work.

Every request runs inside a savepoint that is rolled back, so a POST that succeeds (a
steward admitting the applicant) changes nothing for the next request. Seeding happens
once per module (one transaction rolled back at the end), so the whole matrix runs in one
pass on SQLite and PostgreSQL alike. The websocket half (every room kind × every role, and
after losing access) is at the end of the module."""

import json
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coop.eventlog.sequencer import sequence_pending

pytestmark = pytest.mark.django_db

# --- roles ---------------------------------------------------------------------------------

ANON = "anonymous"
APPLICANT = "applicant"
DECLINED = "declined"
MEMBER = "member"
OTHER_MEMBER = "other_coop_member"
SUSPENDED = "suspended"
STEWARD = "steward"
OTHER_STEWARD = "other_coop_steward"
OPERATOR = "operator"
STAFF = "requester_staff"
OTHER_STAFF = "other_requester_staff"
API_KEY = "api_key"  # the organisation's key with too few scopes (`read` only)

ROLES = [ANON, APPLICANT, DECLINED, MEMBER, OTHER_MEMBER, SUSPENDED, STEWARD, OTHER_STEWARD, OPERATOR, STAFF,
         OTHER_STAFF, API_KEY]
REQUESTER_ROLES = {STAFF, OTHER_STAFF, API_KEY}

# Groups used in the policy table. The seeded things belong to coop A and organisation 1.
EVERYONE = frozenset(ROLES)
SIGNED = EVERYONE - {ANON}  # a session or an API key
LOGGED_IN = EVERYONE - {ANON, API_KEY}  # a session (pages)
ACTIVE = frozenset({MEMBER, STEWARD})  # active members of coop A
MEMBER_ONLY = frozenset({MEMBER})  # the member whose thing it is (their assignment, appeal, message)
STEWARDS = frozenset({STEWARD})  # stewards of coop A
ANY_STEWARD = frozenset({STEWARD, OTHER_STEWARD})  # a steward page scoped to the steward's own coop
ANY_ACTIVE = frozenset({MEMBER, OTHER_MEMBER, STEWARD, OTHER_STEWARD})  # a member page of the member's own coop
OPERATOR_ONLY = frozenset({OPERATOR})
ORG = frozenset({STAFF})  # staff of organisation 1
ORG_API = frozenset({STAFF, API_KEY})  # organisation 1 by session or by key
ANY_STAFF = frozenset({STAFF, OTHER_STAFF})  # a requester page scoped to the caller's own organisation
ANY_STAFF_API = frozenset({STAFF, OTHER_STAFF, API_KEY})
WITH_MEMBERSHIP = frozenset({APPLICANT, DECLINED, MEMBER, OTHER_MEMBER, SUSPENDED, STEWARD, OTHER_STEWARD})
OWNERS = ANY_STEWARD | ANY_STAFF  # who may own qualifications and paid tests (a coop's stewards, a requester)
NOBODY = frozenset()

# The API_KEY role is organisation 1's key with the `read` scope only (issue 15, leak 7): it
# reaches the GET endpoints a `read` key opens and nothing else (no write, no `admin` call, no
# endpoint that acts as a person); tests/accounts/test_api_key_scopes.py holds every scope.
API_KEY_SCOPES = ("read",)


# --- seeding ----------------------------------------------------------------------------------

@dataclass
class World:
    users: dict = field(default_factory=dict)  # role -> user
    obj: dict = field(default_factory=dict)  # name -> object
    api_secret: str = ""
    members: list = field(default_factory=list)  # every seeded member-side user
    member_ids: dict = field(default_factory=dict)  # kind -> set of ids (user, membership, profile, wallet)


def _seed():
    from accounts.requesters.services import api_key_create, invitation_create
    from accounts.services import data_export_request, member_key_create
    from coop.federation.models import Membership
    from coop.forums import services as forums
    from coop.forums.registry import room_for
    from coop.governance import services as governance
    from ledger.models import Account
    from ledger.services import bonus_pay, deposit_record, payout_request
    from ledger.services.hardship import hardship_apply
    from tasks.appeals.services import appeal_file
    from tasks.qualifications.services import attempt_start, qualification_grant, qualification_revoke
    from tasks.services import (
        assignment_approve,
        assignment_claim,
        assignment_reject,
        assignment_submit,
        project_create,
        task_import_create,
    )
    from tests.factories import (
        CoopFactory,
        OrganisationStaffFactory,
        UserFactory,
        computed_qualification,
        decided_assignment,
        granted_qualification,
        member,
        open_project,
        operator,
        organisation,
        paid_test,
        project_fields,
        project_in_review,
        proposal_voting,
        published_project,
        steward,
        voter,
    )

    w = World()
    coop_a, coop_b = CoopFactory(name="Coop Alpha", slug="alpha"), CoopFactory(name="Coop Beta", slug="beta")

    def person(role, name):
        return UserFactory(email=f"{role}.secret@members.example", profile__display_name=name)

    memberships = {
        MEMBER: voter(coop_a, user=person("member", "Ravo Member-Alpha")),
        APPLICANT: member(coop_a, user=person("applicant", "Hery Applicant-Alpha"),
                          status=Membership.Status.APPLICANT),
        DECLINED: member(coop_a, user=person("declined", "Lova Declined-Alpha"), status=Membership.Status.DECLINED),
        SUSPENDED: member(coop_a, user=person("suspended", "Tiana Suspended-Alpha"),
                          status=Membership.Status.SUSPENDED),
        STEWARD: voter(coop_a, user=person("steward", "Fara Steward-Alpha"), role=Membership.Role.STEWARD),
        OTHER_MEMBER: member(coop_b, user=person("bmember", "Ade Member-Beta")),
        OTHER_STEWARD: steward(coop_b, user=person("bsteward", "Chidi Steward-Beta")),
    }
    for role, membership in memberships.items():
        w.users[role] = membership.user
    w.users[OPERATOR] = operator()
    org1 = organisation(owner=UserFactory(email="owner@lab-one.example"), name="Lab One", slug="lab-one")
    org2 = organisation(owner=UserFactory(email="owner@lab-two.example"), name="Lab Two", slug="lab-two")
    w.users[STAFF], w.users[OTHER_STAFF] = org1.owner, org2.owner
    w.users[API_KEY] = None
    plain_staff = OrganisationStaffFactory(organisation=org1)

    # work: a published project with a submitted, a rejected and an approved assignment
    project = published_project(coop_a, organisation=org1, tasks=4)
    ravo, fara = w.users[MEMBER], w.users[STEWARD]
    submitted = assignment_submit(member=ravo, assignment=assignment_claim(member=ravo, project=project),
                                  answers={"label": "yes"})
    rejected = assignment_submit(member=ravo, assignment=assignment_claim(member=ravo, project=project),
                                 answers={"label": "no"})
    rejected = assignment_reject(actor=org1.owner, assignment=rejected, reason="incomplete",
                                 explanation="The second half of the picture was not labelled at all.")
    approved = assignment_submit(member=fara, assignment=assignment_claim(member=fara, project=project),
                                 answers={"label": "yes"})
    assignment_approve(actor=org1.owner, assignment=approved)
    appeal = appeal_file(member=ravo, assignment=rejected,
                         statement="I labelled every part of the picture; the lower half is empty in the image.")
    draft = project_create(actor=org1.owner, organisation=org1, coop=coop_a,
                           **project_fields(title="Unpublished draft of Lab One"))
    task_import = task_import_create(actor=org1.owner, project=draft, content="image_url\nhttps://img.example/a.jpg\n")

    # money: a bonus, then a payout request of the steward
    deposit_record(operator=w.users[OPERATOR], organisation=org1, amount=100_000, reference="matrix wire")
    bonus_pay(organisation=org1, user=fara, amount=2000, key="matrix:bonus", actor=org1.owner, memo="thanks")
    payout = payout_request(user=fara, amount=1000, method="mobile_money", details="+261 34 00 000 00")
    hardship = hardship_apply(user=ravo, reason="injury", amount=1500,
                              statement="I broke my wrist and cannot type for three weeks.")

    # qualifications, a paid test and an attempt; a revocation to appeal
    qualification = computed_qualification(coop_a)
    granted = granted_qualification(coop_a)
    qualification_grant(actor=fara, qualification=granted, member=ravo, reason="Reviews carefully and kindly.")
    revocation = qualification_revoke(actor=fara, qualification=granted, member=ravo,
                                      reason="Asked to step back for a while.")
    test = paid_test(coop_a, organisation=org1)
    attempt = attempt_start(member=ravo, test=test)

    # governance: a proposal in voting with a named vote
    proposal = proposal_voting(author=ravo, changes=[{"kind": "parameter", "name": "floor_hourly_rate",
                                                      "value": 1500}], title="Raise the floor rate")
    governance.ballot_cast(user=ravo, proposal=proposal, choice="yes")

    # forums: the coop room, a stewards' room, the project's, the proposal's and the appeal's
    coop_room = room_for(coop_a)
    message = forums.message_post(user=ravo, room=coop_room, body="Hello from Ravo")
    hidden = forums.message_post(user=ravo, room=coop_room, body="Something the stewards hid")
    forums.message_hide(steward=fara, message=hidden, reason="Please keep it calm")
    stewards_room = forums.room_create(steward=fara, coop=coop_a, title="Stewards only", audience="stewards")
    project_room = room_for(project)
    forums.message_post(user=ravo, room=project_room, body="Question about the labels")
    proposal_room = room_for(proposal)
    appeal_room = room_for(appeal)
    # the support room (issue 23): only members who did work with disturbing content; Ravo did
    flagged = open_project(coop_a, organisation=org1, tasks=1, data_flags=["violent_or_graphic"])
    decided_assignment(ravo, flagged, "approved")
    support_room = forums.support_room_for(coop=coop_a)
    # a country-restricted project of another requester awaiting coop A's stewards' review (issue 23)
    in_review = project_in_review(coop_a, title="Malagasy voices, in review")

    invitation, token = invitation_create(user=org1.owner, organisation=org1, email="invitee@lab-one.example",
                                          send=False)
    key, w.api_secret = _api_key(api_key_create, org1)

    export = data_export_request(user=ravo)
    member_key, _secret = member_key_create(user=ravo, name="matrix script", scopes=["read"])

    w.obj.update(export=export, member_key=member_key, coop_a=coop_a, coop_b=coop_b, org1=org1, org2=org2,
                 plain_staff=plain_staff, project=project, hardship=hardship,
                 submitted=submitted, rejected=rejected, approved=approved, appeal=appeal, draft=draft,
                 task_import=task_import, payout=payout, qualification=qualification, granted=granted,
                 revocation=revocation, test=test, attempt=attempt, proposal=proposal, coop_room=coop_room,
                 message=message, hidden=hidden, stewards_room=stewards_room, project_room=project_room,
                 proposal_room=proposal_room, appeal_room=appeal_room, support_room=support_room, in_review=in_review,
                 invitation=invitation, token=token, key=key,
                 applicant_membership=memberships[APPLICANT], member_membership=memberships[MEMBER],
                 suspended_membership=memberships[SUSPENDED])

    w.members = [m.user for m in memberships.values()]
    ids = {"user": set(), "membership": set(), "profile": set(), "wallet": set()}
    for membership in Membership.objects.filter(user__in=w.members).select_related("user__profile"):
        ids["user"].add(membership.user_id)
        ids["membership"].add(membership.pk)
        ids["profile"].add(membership.user.profile.pk)
    ids["wallet"] = set(Account.objects.filter(kind=Account.Kind.WALLET, owner_id__in=ids["user"])
                        .values_list("pk", flat=True))
    w.member_ids = ids
    return w


def _api_key(api_key_create, organisation):
    """Organisation 1's key for the API_KEY role: with too few scopes."""
    return api_key_create(user=organisation.owner, organisation=organisation, name="matrix",
                          scopes=list(API_KEY_SCOPES))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Seeded once for the module, inside one transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _seed()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- path parameters -------------------------------------------------------------------------
# Each URL with parameters names the seeded object its parameters point at: things of coop A
# and organisation 1, so the policy reads "who may see coop A's / Lab One's thing".

PARAMS = {
    "accounts:invitation_revoke": lambda w: {"pk": w.obj["invitation"].pk},
    "accounts:invitation_accept": lambda w: {"token": w.obj["token"]},
    "accounts:staff_role": lambda w: {"pk": w.obj["plain_staff"].pk},
    "accounts:staff_remove": lambda w: {"pk": w.obj["plain_staff"].pk},
    "accounts:api_key_revoke": lambda w: {"pk": w.obj["key"].pk},
    "accounts:signup_confirm": lambda w: {"uidb64": "MQ", "token": "void-token"},
    "accounts:organisation_profile": lambda w: {"slug": w.obj["org1"].slug},
    "accounts:operator_suspend": lambda w: {"pk": w.obj["org1"].pk},
    "accounts:operator_unsuspend": lambda w: {"pk": w.obj["org1"].pk},
    "accounts:data_export": lambda w: {"pk": w.obj["export"].pk},
    "accounts:member_key_revoke": lambda w: {"pk": w.obj["member_key"].pk},
    "accounts:data_export_download": lambda w: {"pk": w.obj["export"].pk},
    "accounts-api:data_export": lambda w: {"pk": w.obj["export"].pk},
    "accounts-api:data_export_download": lambda w: {"pk": w.obj["export"].pk},
    "accounts-api:staff_detail": lambda w: {"pk": w.obj["plain_staff"].pk},
    "accounts-api:invitation_revoke": lambda w: {"pk": w.obj["invitation"].pk},
    "accounts-api:api_key_revoke": lambda w: {"pk": w.obj["key"].pk},
    "federation:rulebook": lambda w: {"slug": w.obj["coop_a"].slug},
    "federation:steward_admit": lambda w: {"pk": w.obj["applicant_membership"].pk},
    "federation:steward_decline": lambda w: {"pk": w.obj["applicant_membership"].pk},
    "federation:steward_suspend": lambda w: {"pk": w.obj["member_membership"].pk},
    "federation:steward_reinstate": lambda w: {"pk": w.obj["suspended_membership"].pk},
    "federation-api:coop_rulebook": lambda w: {"slug": w.obj["coop_a"].slug},
    "eventlog:audit": lambda w: {"slug": w.obj["coop_a"].slug},
    "eventlog:event": lambda w: {"slug": w.obj["coop_a"].slug, "position": 1},
    "eventlog-api:event": lambda w: {"position": 1},
    "ledger:requester": lambda w: {"org_id": w.obj["org1"].pk},
    "ledger:requester_csv": lambda w: {"org_id": w.obj["org1"].pk},
    "ledger:payout_settle": lambda w: {"pk": w.obj["payout"].pk},
    "ledger:payout_fail": lambda w: {"pk": w.obj["payout"].pk},
    "ledger:hardship_decide": lambda w: {"pk": w.obj["hardship"].pk},
    "tasks:project": lambda w: {"pk": w.obj["project"].pk},
    "tasks:steward_project_decide": lambda w: {"pk": w.obj["project"].pk},
    "tasks:claim": lambda w: {"pk": w.obj["project"].pk},
    "tasks:consent": lambda w: {"pk": w.obj["project"].pk},
    "tasks:watch": lambda w: {"pk": w.obj["project"].pk},
    "tasks:assignment": lambda w: {"pk": w.obj["submitted"].pk},
    "tasks:assignment_draft": lambda w: {"pk": w.obj["submitted"].pk},
    "tasks:requester_project": lambda w: {"pk": w.obj["project"].pk},
    "tasks:requester_project_edit": lambda w: {"pk": w.obj["draft"].pk},
    "tasks:requester_preview": lambda w: {"pk": w.obj["draft"].pk},
    "tasks:requester_upload": lambda w: {"pk": w.obj["draft"].pk},
    "tasks:requester_review": lambda w: {"pk": w.obj["project"].pk},
    "tasks:requester_results_csv": lambda w: {"pk": w.obj["project"].pk},
    "tasks:requester_action": lambda w: {"pk": w.obj["project"].pk, "action": "pause"},
    "tasks:requester_publish": lambda w: {"pk": w.obj["draft"].pk},
    "tasks:requester_import": lambda w: {"pk": w.obj["task_import"].pk},
    "tasks:requester_template_csv": lambda w: {"slug": "bounding-boxes"},
    "tasks:requester_assignment": lambda w: {"pk": w.obj["submitted"].pk},
    "tasks-api:project": lambda w: {"pk": w.obj["project"].pk},
    "tasks-api:project_tasks": lambda w: {"pk": w.obj["draft"].pk},
    "tasks-api:project_publish": lambda w: {"pk": w.obj["draft"].pk},
    "tasks-api:project_pause": lambda w: {"pk": w.obj["project"].pk},
    "tasks-api:project_resume": lambda w: {"pk": w.obj["project"].pk},
    "tasks-api:project_cancel": lambda w: {"pk": w.obj["project"].pk},
    "tasks-api:project_assignments": lambda w: {"pk": w.obj["project"].pk},
    "tasks-api:assignments_approve": lambda w: {"pk": w.obj["project"].pk},
    "tasks-api:assignment_approve": lambda w: {"pk": w.obj["submitted"].pk},
    "tasks-api:assignment_reject": lambda w: {"pk": w.obj["submitted"].pk},
    "tasks-api:assignment_revision": lambda w: {"pk": w.obj["submitted"].pk},
    "tasks-api:assignment_bonus": lambda w: {"pk": w.obj["approved"].pk},
    "tasks-api:project_claim": lambda w: {"pk": w.obj["project"].pk},
    "tasks-api:work_assignment": lambda w: {"pk": w.obj["submitted"].pk},
    "tasks-api:work_draft": lambda w: {"pk": w.obj["submitted"].pk},
    "tasks-api:work_submit": lambda w: {"pk": w.obj["submitted"].pk},
    "tasks-api:work_return": lambda w: {"pk": w.obj["submitted"].pk},
    "tasks-api:steward_project_approve": lambda w: {"pk": w.obj["in_review"].pk},
    "tasks-api:steward_project_refuse": lambda w: {"pk": w.obj["in_review"].pk},
    "qualifications:detail": lambda w: {"pk": w.obj["qualification"].pk},
    "qualifications:version_publish": lambda w: {"pk": w.obj["qualification"].pk},
    "qualifications:grant": lambda w: {"pk": w.obj["granted"].pk},
    "qualifications:test": lambda w: {"pk": w.obj["test"].pk},
    "qualifications:test_fund": lambda w: {"pk": w.obj["test"].pk},
    "qualifications:attempt_start": lambda w: {"pk": w.obj["test"].pk},
    "qualifications:attempt": lambda w: {"pk": w.obj["attempt"].pk},
    "qualifications:project_requirements": lambda w: {"pk": w.obj["draft"].pk},
    "qualifications-api:detail": lambda w: {"pk": w.obj["qualification"].pk},
    "qualifications-api:versions": lambda w: {"pk": w.obj["qualification"].pk},
    "qualifications-api:explain": lambda w: {"pk": w.obj["qualification"].pk},
    "qualifications-api:test_fund": lambda w: {"pk": w.obj["test"].pk},
    "qualifications-api:attempt_start": lambda w: {"pk": w.obj["test"].pk},
    "qualifications-api:attempt_submit": lambda w: {"pk": w.obj["attempt"].pk},
    "qualifications-api:project_qualifications": lambda w: {"pk": w.obj["draft"].pk},
    "appeals:file": lambda w: {"assignment_id": w.obj["rejected"].pk},
    "appeals:file_revocation": lambda w: {"revocation_id": w.obj["revocation"].pk},
    "appeals:detail": lambda w: {"pk": w.obj["appeal"].pk},
    "appeals:draw": lambda w: {"pk": w.obj["appeal"].pk},
    "tasks:requester_floor_raise": lambda w: {"pk": w.obj["project"].pk},
    "appeals:jury": lambda w: {"pk": w.obj["appeal"].pk},
    "appeals:flag": lambda w: {"project_id": w.obj["project"].pk},
    "appeals:review": lambda w: {"project_id": w.obj["project"].pk},
    "appeals:record": lambda w: {"slug": w.obj["org1"].slug},
    "appeals-api:appeal": lambda w: {"pk": w.obj["appeal"].pk},
    "appeals-api:appeal-answer": lambda w: {"pk": w.obj["appeal"].pk},
    "appeals-api:appeal-accept": lambda w: {"pk": w.obj["appeal"].pk},
    "appeals-api:appeal-decline": lambda w: {"pk": w.obj["appeal"].pk},
    "appeals-api:appeal-vote": lambda w: {"pk": w.obj["appeal"].pk},
    "appeals-api:scorecard": lambda w: {"slug": w.obj["org1"].slug},
    "appeals-api:project-flag": lambda w: {"pk": w.obj["project"].pk},
    "governance:proposal": lambda w: {"pk": w.obj["proposal"].pk},
    "governance:proposal_submit": lambda w: {"pk": w.obj["proposal"].pk},
    "governance:proposal_withdraw": lambda w: {"pk": w.obj["proposal"].pk},
    "governance:proposal_vote": lambda w: {"pk": w.obj["proposal"].pk},
    "governance-api:proposal": lambda w: {"pk": w.obj["proposal"].pk},
    "governance-api:proposal_submit": lambda w: {"pk": w.obj["proposal"].pk},
    "governance-api:proposal_withdraw": lambda w: {"pk": w.obj["proposal"].pk},
    "governance-api:ballot_cast": lambda w: {"pk": w.obj["proposal"].pk},
    "forums:room": lambda w: {"room_id": w.obj["coop_room"].pk},
    "forums:post": lambda w: {"room_id": w.obj["coop_room"].pk},
    "forums:edit": lambda w: {"message_id": w.obj["hidden"].pk},
    "forums:hide": lambda w: {"message_id": w.obj["message"].pk},
    "forums:report": lambda w: {"message_id": w.obj["message"].pk},
    "forums:subject_room": lambda w: {"label": "tasks.project", "subject_id": str(w.obj["project"].pk)},
    "forums-api:room": lambda w: {"room_id": w.obj["coop_room"].pk},
    "forums-api:messages": lambda w: {"room_id": w.obj["coop_room"].pk},
    "forums-api:read": lambda w: {"room_id": w.obj["coop_room"].pk},
    "forums-api:message": lambda w: {"message_id": w.obj["hidden"].pk},
    "forums-api:hide": lambda w: {"message_id": w.obj["message"].pk},
    "forums-api:report": lambda w: {"message_id": w.obj["message"].pk},
    "password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "set-password"},
    "mturk:frame": lambda w: {"pk": _mturk_hit_for(w.obj["submitted"]).pk and w.obj["submitted"].pk},
    "webhooks:detail": lambda w: {"pk": _webhook(w).subscription_id},
    "webhooks:edit": lambda w: {"pk": _webhook(w).subscription_id},
    "webhooks:rotate": lambda w: {"pk": _webhook(w).subscription_id},
    "webhooks:delete": lambda w: {"pk": _webhook(w).subscription_id},
    "webhooks:replay": lambda w: {"pk": _webhook(w).pk},
    "webhooks-api:webhook": lambda w: {"pk": _webhook(w).subscription_id},
    "webhooks-api:webhook_rotate": lambda w: {"pk": _webhook(w).subscription_id},
    "webhooks-api:webhook_deliveries": lambda w: {"pk": _webhook(w).subscription_id},
    "webhooks-api:delivery_replay": lambda w: {"pk": _webhook(w).pk},
    "quality:aggregation": lambda w: {"pk": w.obj["project"].pk},
    "quality:aggregation_start": lambda w: {"pk": w.obj["project"].pk},
    "quality:aggregation_csv": lambda w: {"pk": w.obj["project"].pk, "run_id": _aggregation_run(w).pk},
    "quality:aggregation_json": lambda w: {"pk": w.obj["project"].pk, "run_id": _aggregation_run(w).pk},
    "quality-api:aggregation": lambda w: {"pk": w.obj["project"].pk},
    "quality-api:gold": lambda w: {"pk": w.obj["project"].pk},
    "quality:gold": lambda w: {"pk": w.obj["project"].pk},
    "quality:review": lambda w: {"pk": w.obj["project"].pk},
}


def _aggregation_run(w):
    """A finished aggregation of the seeded project (made once, kept for the module)."""
    if "aggregation_run" not in w.obj:
        from django.utils import timezone

        from tasks.quality.models import AggregationRun

        w.obj["aggregation_run"] = AggregationRun.objects.create(
            project=w.obj["project"], status=AggregationRun.Status.DONE, finished_at=timezone.now())
    return w.obj["aggregation_run"]


def _webhook(w):
    """Organisation 1's webhook with one delivery (made once, kept for the module)."""
    if "webhook_delivery" not in w.obj:
        from tasks.webhooks.models import Delivery
        from tasks.webhooks.services import subscription_create

        subscription, _secret = subscription_create(user=w.obj["org1"].owner, organisation=w.obj["org1"],
                                                    url="https://hooks.lab-one.example/atelier",
                                                    events=["assignment.submitted"])
        w.obj["webhook_delivery"] = Delivery.objects.create(
            subscription=subscription, message_id="msg_matrix", event_type="assignment.submitted",
            source="event:0:assignment.submitted", body='{"type":"assignment.submitted","data":{}}')
    return w.obj["webhook_delivery"]


def _mturk_hit_for(assignment):
    """Make the assignment's task an MTurk HTML question (its member's frame is then a page)."""
    from tasks.mturk.models import Hit, HitType

    project = assignment.project
    hit_type = HitType.objects.create(organisation=project.organisation, code="3MATRIXTYPE", signature="matrix",
                                      title=project.title, description="d", reward=project.reward,
                                      assignment_duration_seconds=600, auto_approval_delay_seconds=3600,
                                      coop=project.coop, estimated_minutes=project.estimated_minutes)
    return Hit.objects.create(organisation=project.organisation, hit_type=hit_type, project=project,
                              task=assignment.task, code="3MATRIXHIT", kind=Hit.Kind.HTML, max_assignments=1,
                              question="<HTMLQuestion><HTMLContent>&lt;p&gt;Hello&lt;/p&gt;</HTMLContent>"
                                       "</HTMLQuestion>", expires_at=assignment.claimed_at)


def _admin_params(name, w):
    """Django admin (the operator's): object pages point at the first row of their model."""
    from django.contrib import admin

    if name == "admin:app_list":
        return {"app_label": "federation"}
    if name == "admin:view_on_site":
        return {"content_type_id": "1", "object_id": "1"}
    if name == "admin:auth_user_password_change":
        return {"id": w.users[MEMBER].pk}
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            row = model._default_manager.order_by("pk").first()
            return {"object_id": str(row.pk) if row else "1"}
    return None


# Django admin is the operator's (Django checks `is_staff` itself). Its index, app list and
# every changelist are requested as each role; its other pages (hundreds, generated per
# model) are covered by the same check and by the namespace's policy below.
def requested(name):
    if not name.startswith("admin:"):
        return True
    return name in ("admin:index", "admin:app_list") or name.endswith("_changelist")


# --- walking the URLconf -----------------------------------------------------------------------

def _patterns(resolver=None, namespace=None):
    """(name, pattern) for every named URL: `namespace:name`."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _patterns(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def url_names():
    return sorted({name for name, _ in _patterns()})


def _url(name, w):
    pattern = dict(_patterns())[name]
    wanted = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
    if not wanted:
        return reverse(name)
    params = PARAMS[name](w) if name in PARAMS else _admin_params(name, w) if name.startswith("admin:") else None
    if params is None:
        raise AssertionError(f"{name}: no seeded object for its parameters {sorted(wanted)}; add it to PARAMS")
    return reverse(name, kwargs=params)


# --- requesting as each role -------------------------------------------------------------------

def _client(role, w):
    client = Client(raise_request_exception=False)
    if role == API_KEY:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {w.api_secret}"
    elif role != ANON:
        client.force_login(w.users[role])
    return client


def _request(client, method, url):
    """One request in a savepoint rolled back afterwards: nothing it writes reaches the next
    (not even a log-out: the session row is rolled back and the cookie put back)."""
    cookies = SimpleCookie(client.cookies.output(header="", sep=";"))
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={}, content_type="application/json") if url.startswith("/api/") \
                else client.post(url, data={})
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


LOGIN_URLS = ("/accounts/login/", "/admin/login/")


def outcome(response):
    """'allowed', 'denied', 'method' (405: the view does not take this method) or 'error'."""
    status = response.status_code
    if status >= 500:
        return "error"
    if status == 405:
        return "method"
    if status in (401, 403, 404):
        return "denied"
    if status in (301, 302, 303, 307, 308):
        return "denied" if response["Location"].split("?")[0].endswith(LOGIN_URLS) else "allowed"
    return "allowed"  # 2xx, or 400/409/413/415: the request reached the view's own checks


def observe(w, names):
    """{(name, method): {role: outcome}} and every requester response body."""
    seen, bodies = {}, []
    clients = {role: _client(role, w) for role in ROLES}
    for name in names:
        url = _url(name, w)
        for method in ("GET",) if name.startswith("admin:") else ("GET", "POST"):
            row = {}
            for role in ROLES:
                response = _request(clients[role], method, url)
                row[role] = outcome(response)
                if role in REQUESTER_ROLES and response.status_code < 500:
                    # the page may echo the URL asked for (a 404 page does): that is not a leak
                    bodies.append((name, method, role, _body(response).replace(url, "<url>")))
            seen[(name, method)] = row
    return seen, bodies


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# --- the policy ----------------------------------------------------------------------------------
# URL name -> (roles that may GET it, roles that may POST to it). "May" means the request
# reaches the view: 2xx, a redirect that is not to the log-in page, or (POST) a 400/409 from
# the view's own input and state checks. A role not listed must be turned away (401, 403,
# 404, 405 or the log-in page). Where a POST lists every signed-in role (SIGNED, LOGGED_IN),
# the view checks the input first and the service refuses afterwards with a 403/404 or a
# message: nothing is written or shown. Things of another coop or organisation are 404.
# Django admin (`admin:*`) is the operator's alone (ADMIN_POLICY).

ADMIN_POLICY = (OPERATOR_ONLY, NOBODY)

POLICY = {
    # the MTurk-compatible API signs every request with AWS Signature Version 4 (no role here
    # holds such credentials: tests/mturk drive it with boto3); externalSubmit is authorised by
    # an AssignmentId, which no role here holds; the frame is its member's (docs/mturk.md)
    "mturk:api": (NOBODY, NOBODY),
    "mturk:sandbox_api": (NOBODY, NOBODY),
    "mturk:external_submit": (NOBODY, NOBODY),
    "mturk:frame": (MEMBER_ONLY, NOBODY),
    "mturk:settings": (ANY_STAFF, ANY_STAFF),  # the caller's own organisation
    "accounts-api:data_export": (MEMBER_ONLY, NOBODY),  # a person's own export (the member's, seeded)
    "accounts-api:data_export_download": (MEMBER_ONLY, NOBODY),
    "accounts-api:data_exports": (LOGGED_IN, LOGGED_IN),  # one's own; never by API key
    "accounts-api:erasure": (NOBODY, LOGGED_IN),  # one's own, with the password
    "accounts:data_export": (MEMBER_ONLY, MEMBER_ONLY),
    "accounts:data_export_create": (NOBODY, LOGGED_IN),
    "accounts:data_export_download": (MEMBER_ONLY, MEMBER_ONLY),
    "accounts:data_rights": (LOGGED_IN, LOGGED_IN),
    "accounts:member_erase": (NOBODY, LOGGED_IN),
    "accounts:member_keys": (LOGGED_IN, LOGGED_IN),  # one's own keys for the member API (issue 18)
    "accounts:member_key_revoke": (NOBODY, MEMBER_ONLY),  # the member's own key; anyone else's is 404
    "tasks:requester_queue": (LOGGED_IN, LOGGED_IN),  # the caller's own organisations' queue
    # the requester's webhooks (issue 20): their own organisation's, by session; reading by key too
    "webhooks:list": (ANY_STAFF, ANY_STAFF),
    "webhooks:create": (NOBODY, ANY_STAFF),
    "webhooks:detail": (ORG, ORG),
    "webhooks:edit": (NOBODY, ORG),
    "webhooks:rotate": (NOBODY, ORG),
    "webhooks:delete": (NOBODY, ORG),
    "webhooks:replay": (NOBODY, ORG),
    "webhooks-api:webhooks": (ANY_STAFF_API, ANY_STAFF),
    "webhooks-api:webhook": (ORG_API, NOBODY),
    "webhooks-api:webhook_rotate": (NOBODY, ORG),
    "webhooks-api:webhook_deliveries": (ORG_API, NOBODY),
    "webhooks-api:delivery_replay": (NOBODY, ORG),
    # quality control (issue 20): the requester's aggregation, a member's own agreement, stewards'
    "quality:aggregation": (ORG, ORG),
    "quality:aggregation_start": (NOBODY, ORG),
    "quality:aggregation_csv": (ORG, ORG),
    "quality:aggregation_json": (ORG, ORG),
    "quality:mine": (LOGGED_IN, LOGGED_IN),
    "quality:steward": (ANY_STEWARD, ANY_STEWARD),
    "quality-api:aggregation": (ORG_API, ORG),
    "quality-api:gold": (ORG_API, ORG),
    "quality:gold": (ORG, ORG),
    "quality:review": (ORG, ORG),
    "accounts-api:api_key_revoke": (NOBODY, ORG),
    "accounts-api:api_keys": (ANY_STAFF_API, ANY_STAFF),
    "accounts-api:invitation_accept": (NOBODY, LOGGED_IN),
    "accounts-api:invitation_revoke": (NOBODY, ORG),
    "accounts-api:invitations": (ANY_STAFF, ANY_STAFF),
    "accounts-api:organisation_me": (ANY_STAFF_API, NOBODY),
    "accounts-api:organisations": (SIGNED, LOGGED_IN),
    "accounts-api:staff": (ANY_STAFF_API, NOBODY),
    "accounts-api:staff_detail": (NOBODY, NOBODY),
    "accounts-api:terms": (ANY_STAFF_API, NOBODY),
    "accounts-api:terms_accept": (NOBODY, ANY_STAFF),
    "accounts:api_key_create": (NOBODY, ANY_STAFF),
    "accounts:api_key_revoke": (NOBODY, ORG),
    "accounts:invitation_accept": (EVERYONE, EVERYONE),
    "accounts:invitation_create": (NOBODY, ANY_STAFF),
    "accounts:invitation_revoke": (NOBODY, ORG),
    "accounts:notices_read": (LOGGED_IN, LOGGED_IN),
    "accounts:operator_organisations": (OPERATOR_ONLY, OPERATOR_ONLY),
    "accounts:operator_suspend": (NOBODY, OPERATOR_ONLY),
    "accounts:operator_unsuspend": (NOBODY, OPERATOR_ONLY),
    "accounts:organisation_profile": (LOGGED_IN, LOGGED_IN),
    "accounts:profile": (LOGGED_IN, LOGGED_IN),
    "accounts:requester_edit": (ANY_STAFF, ANY_STAFF),
    "accounts:requester_home": (LOGGED_IN, LOGGED_IN),
    "accounts:requester_register": (LOGGED_IN, LOGGED_IN),
    "accounts:requester_terms": (LOGGED_IN, ANY_STAFF),
    "accounts:signup": (EVERYONE, EVERYONE),
    "accounts:signup_confirm": (EVERYONE, EVERYONE),  # a link from an email (the seeded one is void)
    "accounts:signup_sent": (EVERYONE, EVERYONE),
    "accounts:staff_remove": (NOBODY, ORG),
    "accounts:staff_role": (NOBODY, ORG),
    "api-docs": (EVERYONE, NOBODY),
    "appeals-api:appeal": (frozenset({MEMBER, STEWARD, STAFF, API_KEY}), NOBODY),
    "appeals-api:appeal-accept": (NOBODY, NOBODY),
    "appeals-api:appeal-answer": (NOBODY, LOGGED_IN),
    "appeals-api:appeal-decline": (NOBODY, NOBODY),
    "appeals-api:appeal-vote": (NOBODY, NOBODY),
    "appeals-api:appeals": (SIGNED, LOGGED_IN),
    "appeals-api:project-flag": (NOBODY, LOGGED_IN),
    "appeals-api:scorecard": (EVERYONE, NOBODY),
    "appeals:detail": (frozenset({MEMBER, STEWARD, STAFF}), frozenset({MEMBER, STEWARD, STAFF})),
    "appeals:draw": (frozenset({MEMBER, STEWARD, STAFF}), frozenset({MEMBER, STEWARD, STAFF})),  # as the appeal
    "appeals:file": (MEMBER_ONLY, MEMBER_ONLY),
    "appeals:file_revocation": (MEMBER_ONLY, MEMBER_ONLY),
    "appeals:file_sanction": (frozenset({SUSPENDED}), frozenset({SUSPENDED})),
    "appeals:flag": (ACTIVE, ACTIVE),
    "appeals:jury": (NOBODY, NOBODY),
    "appeals:mine": (LOGGED_IN, LOGGED_IN),
    "appeals:record": (EVERYONE, EVERYONE),
    "appeals:review": (ACTIVE, ACTIVE),
    "appeals:steward": (ANY_STEWARD, ANY_STEWARD),
    "appeals:steward_act": (NOBODY, ANY_STEWARD),
    "eventlog-api:checkpoint_latest": (NOBODY, NOBODY),
    "eventlog-api:checkpoints": (EVERYONE, NOBODY),
    "eventlog-api:consistency_proof": (EVERYONE, NOBODY),
    "eventlog-api:event": (EVERYONE, NOBODY),  # public envelopes; payloads per reader
    "eventlog-api:feed": (EVERYONE, NOBODY),
    "eventlog-api:inclusion_proof": (EVERYONE, NOBODY),
    "eventlog:audit": (EVERYONE, EVERYONE),
    "eventlog:event": (EVERYONE, NOBODY),
    "federation-api:coop_rulebook": (EVERYONE, NOBODY),
    "federation-api:coops": (EVERYONE, NOBODY),
    "federation-api:membership_me": (WITH_MEMBERSHIP, NOBODY),
    "federation:apply": (LOGGED_IN, LOGGED_IN),
    "federation:dashboard": (LOGGED_IN, LOGGED_IN),
    "federation:leave": (LOGGED_IN, LOGGED_IN),
    "federation:operator": (OPERATOR_ONLY, OPERATOR_ONLY),
    "federation:rulebook": (EVERYONE, EVERYONE),
    "federation:steward_admit": (NOBODY, STEWARDS),
    "federation:steward_applications": (ANY_STEWARD, ANY_STEWARD),
    "federation:steward_decline": (STEWARDS, STEWARDS),
    "federation:steward_members": (ANY_STEWARD, ANY_STEWARD),
    # issue 23: country-restricted projects awaiting the stewards' review; a decision only on the steward's own
    # coop's project (another coop's steward: 404)
    "tasks:steward_projects": (ANY_STEWARD, ANY_STEWARD),
    "tasks:steward_project_decide": (NOBODY, STEWARDS),
    "federation:steward_reinstate": (STEWARDS, STEWARDS),
    "federation:steward_suspend": (STEWARDS, STEWARDS),
    # help translate (issue 23): a steward's own coop's language; the download is a GET only
    "federation:translate": (ANY_STEWARD, ANY_STEWARD),
    "federation:translate_export": (ANY_STEWARD, NOBODY),
    "forums-api:hide": (NOBODY, ACTIVE),
    "forums-api:message": (NOBODY, NOBODY),
    "forums-api:messages": (ACTIVE, ACTIVE),
    "forums-api:read": (NOBODY, ACTIVE),
    "forums-api:report": (NOBODY, ACTIVE),
    "forums-api:room": (ACTIVE, NOBODY),
    "forums-api:rooms": (LOGGED_IN, NOBODY),
    "forums:edit": (MEMBER_ONLY, MEMBER_ONLY),
    "forums:hide": (NOBODY, ACTIVE),
    "forums:post": (NOBODY, ACTIVE),
    "forums:report": (NOBODY, ACTIVE),
    "forums:room": (ACTIVE, ACTIVE),
    "forums:room_new": (NOBODY, LOGGED_IN),
    "forums:rooms": (LOGGED_IN, LOGGED_IN),
    "forums:subject_room": (frozenset({MEMBER, STEWARD, STAFF}), frozenset({MEMBER, STEWARD, STAFF})),
    "governance-api:ballot_cast": (NOBODY, LOGGED_IN),
    "governance-api:proposal": (ACTIVE, NOBODY),
    "governance-api:proposal_submit": (NOBODY, MEMBER_ONLY),
    "governance-api:proposal_withdraw": (NOBODY, MEMBER_ONLY),
    "governance-api:proposals": (LOGGED_IN, LOGGED_IN),
    "governance:proposal": (ACTIVE, ACTIVE),
    "governance:proposal_new": (LOGGED_IN, LOGGED_IN),
    "governance:proposal_submit": (NOBODY, ACTIVE),
    "governance:proposal_vote": (NOBODY, ACTIVE),
    "governance:proposal_withdraw": (NOBODY, ACTIVE),
    "governance:proposals": (LOGGED_IN, LOGGED_IN),
    "healthz": (EVERYONE, NOBODY),  # liveness and readiness probes: status words only
    "home": (EVERYONE, EVERYONE),
    "ledger-api:deposits": (NOBODY, OPERATOR_ONLY),
    "ledger-api:payouts": (LOGGED_IN, LOGGED_IN),
    "ledger-api:requester_balance": (ANY_STAFF_API, NOBODY),
    "ledger-api:requester_statement": (ANY_STAFF_API, NOBODY),
    "ledger-api:wallet": (LOGGED_IN, NOBODY),
    "ledger-api:wallet_statement": (LOGGED_IN, NOBODY),
    "ledger:operator": (OPERATOR_ONLY, OPERATOR_ONLY),
    "ledger:hardship_decide": (NOBODY, STEWARDS),
    "tasks:support": (ANY_ACTIVE, NOBODY),  # each active member's own support page
    "federation:steward_support": (ANY_STEWARD, ANY_STEWARD),
    "ledger:patronage": (ANY_ACTIVE, NOBODY),  # each active member sees their own coop's distributions
    "ledger:patronage_pay": (NOBODY, ANY_STEWARD),  # the distribution (in the body) must be of the steward's coop
    "ledger:patronage_propose": (NOBODY, ANY_STEWARD),
    "ledger:payout_fail": (NOBODY, STEWARDS),
    "ledger:payout_settle": (NOBODY, STEWARDS),
    "ledger:requester": (frozenset({OPERATOR, STAFF}), frozenset({OPERATOR, STAFF})),
    "ledger:requester_csv": (frozenset({OPERATOR, STAFF}), frozenset({OPERATOR, STAFF})),
    "ledger:solidarity": (ANY_ACTIVE, ANY_ACTIVE),  # each active member sees their own coop's fund
    "ledger:solidarity_steward": (ANY_STEWARD, ANY_STEWARD),
    "ledger:steward_funds": (ANY_STEWARD, ANY_STEWARD),
    "ledger:steward_payouts": (ANY_STEWARD, ANY_STEWARD),
    "ledger:wallet": (LOGGED_IN, LOGGED_IN),
    "ledger:wallet_csv": (LOGGED_IN, LOGGED_IN),
    "login": (EVERYONE, EVERYONE),
    "metrics": (NOBODY, NOBODY),  # only with METRICS_TOKEN or from METRICS_ALLOWED_IPS (tests/ops)
    "logout": (NOBODY, EVERYONE),
    "password_change": (LOGGED_IN, LOGGED_IN),
    "password_change_done": (LOGGED_IN, NOBODY),
    "password_reset": (EVERYONE, EVERYONE),
    "password_reset_complete": (EVERYONE, NOBODY),
    "password_reset_confirm": (EVERYONE, EVERYONE),
    "password_reset_done": (EVERYONE, NOBODY),
    "qualifications-api:attempt_start": (NOBODY, LOGGED_IN),
    "qualifications-api:attempt_submit": (NOBODY, MEMBER_ONLY),
    "qualifications-api:detail": (SIGNED, NOBODY),
    "qualifications-api:explain": (ACTIVE, NOBODY),
    "qualifications-api:list": (NOBODY, LOGGED_IN),
    "qualifications-api:mine": (LOGGED_IN, NOBODY),
    "qualifications-api:project_qualifications": (ORG_API, NOBODY),
    "qualifications-api:test_fund": (NOBODY, ORG),
    "qualifications-api:tests": (NOBODY, LOGGED_IN),
    "qualifications-api:versions": (NOBODY, LOGGED_IN),
    "qualifications:attempt": (MEMBER_ONLY, MEMBER_ONLY),
    "qualifications:attempt_start": (NOBODY, LOGGED_IN),
    "qualifications:detail": (EVERYONE, EVERYONE),
    "qualifications:grant": (NOBODY, LOGGED_IN),
    "qualifications:manage": (OWNERS, OWNERS),
    "qualifications:mine": (LOGGED_IN, LOGGED_IN),
    "qualifications:project_requirements": (ORG, ORG),
    "qualifications:test": (EVERYONE, EVERYONE),
    "qualifications:test_create": (OWNERS, OWNERS),
    "qualifications:test_fund": (NOBODY, LOGGED_IN),
    "qualifications:version_publish": (NOBODY, LOGGED_IN),
    "readyz": (EVERYONE, NOBODY),
    "schema": (EVERYONE, NOBODY),
    "set_language": (EVERYONE, EVERYONE),
    "tasks-api:assignment_approve": (NOBODY, ORG),
    "tasks-api:assignment_bonus": (NOBODY, ORG),
    "tasks-api:assignment_reject": (NOBODY, ORG),
    "tasks-api:assignment_revision": (NOBODY, ORG),
    "tasks-api:assignments_approve": (NOBODY, ORG),
    "tasks-api:project": (ORG_API, NOBODY),
    "tasks-api:project_assignments": (ORG_API, NOBODY),
    "tasks-api:project_cancel": (NOBODY, ORG),
    "tasks-api:project_claim": (NOBODY, ACTIVE),
    "tasks-api:project_pause": (NOBODY, ORG),
    "tasks-api:project_publish": (NOBODY, ORG),
    "tasks-api:project_resume": (NOBODY, ORG),
    "tasks-api:project_tasks": (NOBODY, ORG),
    "tasks-api:projects": (ANY_STAFF_API, ANY_STAFF),
    # the member API (issue 18): by session only; the feed is each active member's own coop's
    "tasks-api:work_feed": (ACTIVE | {OTHER_MEMBER, OTHER_STEWARD}, NOBODY),
    "tasks-api:work_mine": (LOGGED_IN, NOBODY),
    "tasks-api:work_assignment": (MEMBER_ONLY, NOBODY),
    "tasks-api:work_draft": (NOBODY, MEMBER_ONLY),
    "tasks-api:work_submit": (NOBODY, MEMBER_ONLY),
    "tasks-api:work_return": (NOBODY, MEMBER_ONLY),
    # the stewards' review API (issue 23; tasks/api/steward.py): by session only; the list is each steward's
    # own coops'; a decision only on a project of a coop the caller stewards (another coop's steward: 404;
    # anyone who stewards no coop: 403). The seeded project is coop A's, in review.
    "tasks-api:steward_projects": (ANY_STEWARD, NOBODY),
    "tasks-api:steward_project_approve": (NOBODY, STEWARDS),
    "tasks-api:steward_project_refuse": (NOBODY, STEWARDS),
    "tasks:assignment": (MEMBER_ONLY, MEMBER_ONLY),
    "tasks:assignment_draft": (NOBODY, MEMBER_ONLY),
    "tasks:claim": (NOBODY, ACTIVE),
    "tasks:consent": (NOBODY, ACTIVE),
    "tasks:feed": (LOGGED_IN, LOGGED_IN),
    "tasks:mine": (LOGGED_IN, LOGGED_IN),
    "tasks:project": (ACTIVE, ACTIVE),
    "tasks:requester_action": (NOBODY, ORG),
    "tasks:requester_cost": (ANY_STAFF, NOBODY),  # the caller's own organisation's figures
    "tasks:requester_publish": (ORG, ORG),  # a POST without the confirmed total publishes nothing
    "tasks:requester_assignment": (ORG, NOBODY),
    "tasks:requester_floor_raise": (NOBODY, ORG),
    "tasks:requester_form_preview": (NOBODY, ANY_STAFF),  # the builder's preview: a check, nothing saved
    "tasks:requester_template_csv": (ANY_STAFF, NOBODY),
    "tasks:requester_templates": (LOGGED_IN, NOBODY),  # others are sent to the requester home, as the projects list
    "tasks:requester_import": (ORG, ORG),
    # the sandbox's buttons (docs/sandbox.md): POST with `org` (400 without); leave: a persona's session only
    "tasks:sandbox_enter": (NOBODY, ANY_STAFF),
    "tasks:sandbox_money": (NOBODY, ANY_STAFF),
    "tasks:sandbox_leave": (NOBODY, NOBODY),
    "tasks:requester_preview": (ORG, ORG),
    "tasks:requester_project": (ORG, ORG),
    "tasks:requester_project_create": (LOGGED_IN, LOGGED_IN),
    "tasks:requester_project_edit": (ORG, ORG),
    "tasks:requester_projects": (LOGGED_IN, LOGGED_IN),
    "tasks:requester_results_csv": (ORG, ORG),
    "tasks:requester_review": (ORG, ORG),
    "tasks:requester_upload": (NOBODY, ORG),
    "tasks:watch": (NOBODY, ACTIVE),
    "tasks:watch_coop": (NOBODY, frozenset({MEMBER, OTHER_MEMBER, STEWARD, OTHER_STEWARD})),
}


def policy_of(name):
    return ADMIN_POLICY if name.startswith("admin:") else POLICY[name]


# --- the HTTP matrix ----------------------------------------------------------------------------

def test_every_url_has_a_policy():
    names = set(url_names())
    missing = sorted(n for n in names if not n.startswith("admin:") and n not in POLICY)
    stale = sorted(set(POLICY) - names)
    assert missing == [], f"URLs without a policy: add them to POLICY in {__name__}"
    assert stale == [], "POLICY names URLs that no longer exist"


@pytest.fixture(scope="module")
def matrix(world):
    # The seeded events get their positions now, as a running sequencer would give them:
    # otherwise /readyz would rightly report a sequencer minutes behind by the time it is asked.
    sequence_pending(include_own=True)
    return observe(world, [name for name in url_names() if requested(name)])


def test_every_role_gets_what_the_policy_says(matrix):
    seen, _ = matrix
    wrong = []
    for (name, method), row in seen.items():
        may_get, may_post = policy_of(name)
        allowed = may_get if method == "GET" else may_post
        for role, got in row.items():
            if got == "error":
                wrong.append(f"{method} {name} as {role}: 500")
            elif role in allowed and got != "allowed":
                wrong.append(f"{method} {name} as {role}: turned away ({got}), the policy lets them in")
            elif role not in allowed and got == "allowed":
                wrong.append(f"{method} {name} as {role}: let in, the policy turns them away")
    assert wrong == [], "\n".join(wrong)


ID_KEYS = re.compile(r"^(user|member|membership|profile|wallet|juror|seat|author|actor)(_id|_pk)?$")
ID_IN_HTML = re.compile(r"(?:user|member|membership|profile|wallet)[_-]?id[\"']?\s*[:=]\s*[\"']?(\d+)|"
                        r"/(?:memberships|members|users|profiles|wallets)/(\d+)/")


def _ids_in_json(data, ids, found, path=""):
    if isinstance(data, dict):
        for key, value in data.items():
            match = ID_KEYS.match(str(key).lower())
            if match and isinstance(value, int) and not isinstance(value, bool):
                kind = {"member": "user", "juror": "user", "author": "user", "actor": "user",
                        "seat": "user"}.get(match.group(1), match.group(1))
                if value in ids.get(kind, ()):
                    found.append(f"{path}.{key}={value}")
            _ids_in_json(value, ids, found, f"{path}.{key}")
    elif isinstance(data, list):
        for item in data:
            _ids_in_json(item, ids, found, f"{path}[]")


def test_requesters_learn_nothing_of_a_member(matrix, world):
    """Nothing beyond the pseudonym and the work: no email, name or internal id of a member
    in any response a requester role gets (pages, API, CSV, errors)."""
    _, bodies = matrix
    secrets = [u.email for u in world.members] + [u.display_name for u in world.members]
    leaks = []
    for name, method, role, body in bodies:
        for secret in secrets:
            if secret in body:
                leaks.append(f"{method} {name} as {role}: {secret!r}")
        try:
            data = json.loads(body)
        except ValueError:
            for match in ID_IN_HTML.finditer(body):
                value = int(match.group(1) or match.group(2))
                if any(value in ids for ids in world.member_ids.values()):
                    leaks.append(f"{method} {name} as {role}: {match.group(0)!r}")
        else:
            found = []
            _ids_in_json(data, world.member_ids, found)
            leaks += [f"{method} {name} as {role}: {item}" for item in found]
    assert bodies, "no requester response was checked"
    assert leaks == [], "\n".join(leaks)


# --- websockets: every room kind × every role, and after losing access ---------------------------

# room kind -> (the seeded room, roles that may read it). The appeal's room is its jurors'
# (none of the roles sits on the seeded jury: see tests/appeals/test_jury_socket.py).
ROOMS = {
    "coop": ("coop_room", ACTIVE),
    "custom": ("stewards_room", STEWARDS),
    "project": ("project_room", frozenset({MEMBER, STEWARD, STAFF})),
    "proposal": ("proposal_room", ACTIVE),
    "appeal": ("appeal_room", NOBODY),
    "support": ("support_room", frozenset({MEMBER})),  # coop A's members who did disturbing work: Ravo
}
SOCKET_ROLES = [role for role in ROLES if role != API_KEY]  # sockets authenticate by session only


def test_every_room_kind_has_a_policy():
    from coop.forums.registry import policies

    assert set(policies()) == set(ROOMS)


def test_every_role_joins_only_the_rooms_it_may_read(world):
    from tests.sockets import connect, join, recv, run

    async def scenario():
        wrong = []
        for role in SOCKET_ROLES:
            socket = await connect(world.users.get(role))
            if role == ANON:
                frame = await recv(socket)
                if frame.get("code") != "not_authenticated":
                    wrong.append(f"anonymous socket: {frame}")
                await socket.disconnect()
                continue
            for kind, (room, readers) in ROOMS.items():
                got, last = await join(socket, world.obj[room].pk)
                joined = last["type"] == "joined"
                if joined != (role in readers) or (not joined and got):
                    wrong.append(f"{kind} room as {role}: {'joined' if joined else last.get('code')}")
            await socket.disconnect()
        return wrong

    assert run(scenario) == []


def test_sockets_lose_every_room_with_the_membership(world):
    from coop.federation.services import membership_suspend
    from tests.sockets import committed, connect, join, recv, run

    readable = [kind for kind, (_, readers) in ROOMS.items() if MEMBER in readers]

    async def scenario():
        socket = await connect(world.users[MEMBER])
        for kind in readable:
            _, last = await join(socket, world.obj[ROOMS[kind][0]].pk)
            assert last["type"] == "joined", kind
        await committed(membership_suspend, steward=world.users[STEWARD],
                        membership=world.obj["member_membership"], article_number=2,
                        reason="Threats in the coop room")
        left = {(await recv(socket))["room"] for _ in readable}
        assert left == {world.obj[ROOMS[kind][0]].pk for kind in readable}
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()

    with transaction.atomic():
        run(scenario)
        transaction.set_rollback(True)


# --- every socket path has a declared policy; the work socket (issue 18) ----------------------------

# socket path -> roles whose socket is accepted. The forums' socket takes any session and checks
# each room on join (ROOMS above); the work socket takes active members of any coop, and tells
# each only of their own coop's work (WORK_READERS: coop A's, where the project is published).
SOCKETS = {
    "/ws/forums/": LOGGED_IN,
    "/ws/work/": ACTIVE | {OTHER_MEMBER, OTHER_STEWARD},
}
WORK_READERS = ACTIVE


def test_every_socket_path_has_a_policy():
    from coop.asgi import _websocket_urlpatterns

    assert {f"/{pattern.pattern}" for pattern in _websocket_urlpatterns()} == set(SOCKETS)


def test_every_role_gets_the_work_socket_and_its_pushes_as_the_policy_says(world):
    from tests.factories import published_project
    from tests.sockets import committed, connect, recv, run

    async def scenario():
        wrong, sockets = [], {}
        for role in SOCKET_ROLES:
            socket = await connect(world.users.get(role), "/ws/work/")
            frame = await recv(socket)
            if (frame["type"] == "ready") != (role in SOCKETS["/ws/work/"]):
                wrong.append(f"work socket as {role}: {frame}")
            if frame["type"] == "ready":
                sockets[role] = socket
            else:
                assert (await socket.receive_output(timeout=5))["type"] == "websocket.close"
        project = await committed(published_project, world.obj["coop_a"], tasks=1, title="Matrix opening")
        for role, socket in sockets.items():
            if role in WORK_READERS:
                frame = await recv(socket)
                if frame.get("project") != project.pk:
                    wrong.append(f"work socket as {role}: {frame}")
            elif not await socket.receive_nothing(timeout=0.1):
                wrong.append(f"work socket as {role}: told of another coop's work")
            await socket.disconnect()
        return wrong

    with transaction.atomic():
        assert run(scenario) == []
        transaction.set_rollback(True)
