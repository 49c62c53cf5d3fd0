"""The market's people and institutions, made through Atelier's services (users excepted:
they are plain accounts without a password, as no simulated person logs in)."""

from dataclasses import dataclass, field

from django.conf import settings

from accounts.models import User
from accounts.requesters.services import organisation_register, terms_accept, terms_version_publish
from accounts.services import member_key_create
from coop.federation.selectors import rulebook_in_force
from coop.federation.services import coop_create, federation_setup, membership_admit, membership_apply
from coop.simulation import model
from ledger.services import deposit_record
from tasks.qualifications.services import qualification_test_create, qualification_test_fund

FORM = [{"name": "label", "type": "single_choice", "label": "Which label fits?", "choices": ["a", "b", "c"]}]
TEST_QUESTIONS = [{"name": f"q{i}", "type": "single_choice", "label": f"Gold question {i}", "choices": ["a", "b", "c"]}
                  for i in range(1, 6)]
TEST_KEY = {f"q{i}": "a" for i in range(1, 6)}
TEST_MINUTES = 15
DEPOSIT = 10**10  # enough for the whole run: requesters never run out of money here


@dataclass
class World:
    config: model.Config
    operator: object
    coops: list  # Coop rows, in the order of model.coop_specs
    stewards: dict  # coop index -> [User, User]
    members: list
    requesters: list
    by_user: dict = field(default_factory=dict)  # user id -> Member


def world_build(config, rng):
    """Everyone the market needs; returns a World. Draws members and requesters from `rng`."""
    tag = config.rules
    operator = User.objects.create_superuser(email=f"operator@{tag}.sim", password=None)
    bounds = model.MTURK_FEDERATION if config.mturk else None
    federation_setup(name=settings.FEDERATION_NAME, currency=settings.FEDERATION_CURRENCY, bounds=bounds)
    coops, stewards = [], {}
    for index, spec in enumerate(model.coop_specs(config)):
        pair = [User.objects.create_user(email=f"steward{n}.{spec['slug']}@{tag}.sim", password=None)
                for n in range(2)]
        coops.append(coop_create(operator=operator, name=spec["name"], slug=spec["slug"], stewards=pair,
                                 parameters=spec["parameters"]))
        stewards[index] = pair
    members = model.members_draw(rng, config)
    for member in members:
        user = User.objects.create_user(email=f"member{member.index}@{tag}.sim", password=None)
        coop = coops[member.coop]
        membership = membership_apply(user=user, coop=coop, statement="I would like to work with the coop.")
        membership_admit(steward=stewards[member.coop][0], membership=membership)
        member.user, member.user_id = user, user.pk
        if member.behaviour == "scripting":  # their script holds a key for the member API
            _key, member.api_secret = member_key_create(user=user, name="my script", scopes=["read", "work"])
    terms = terms_version_publish(operator=operator, text="Simulated federation terms for requesters.")
    requesters = model.requesters_draw(rng, config)
    for requester in requesters:
        owner = User.objects.create_user(email=f"requester{requester.index}@{tag}.sim", password=None)
        org = organisation_register(user=owner, name=f"Requester {requester.index} ({requester.behaviour})")
        terms_accept(user=owner, organisation=org, version=terms)
        deposit_record(operator=operator, organisation=org, amount=DEPOSIT, reference=f"sim-{requester.index}")
        requester.org, requester.owner = org, owner
        if requester.behaviour == "gold_questions":
            _test_create(requester, coops[requester.coop])
    world = World(config=config, operator=operator, coops=coops, stewards=stewards, members=members,
                  requesters=requesters)
    world.by_user = {m.user_id: m for m in members}
    return world


def _test_create(requester, coop):
    """The gold-question requester's qualification test, paid at the coop's floor for its
    estimated time (0 where the floor is 0: the MTurk-like market's unpaid tests)."""
    floor = rulebook_in_force(coop=coop)["floor_hourly_rate"]
    reward = -(-floor * TEST_MINUTES // 60)
    test = qualification_test_create(
        actor=requester.owner, coop=coop, organisation=requester.org, name=f"Gold test {requester.index}",
        questions=TEST_QUESTIONS, answer_key=TEST_KEY, pass_mark=80, time_limit_minutes=45, retry_hours=24,
        estimated_minutes=TEST_MINUTES, reward=reward)
    qualification_test_fund(actor=requester.owner, test=test, attempts=5000)
    requester.test, requester.qualification_id = test, test.qualification_id
