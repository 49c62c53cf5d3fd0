"""Who is in the simulated market and how they behave: pure Python, no database (Django only to
mark the words the report translates).

Every draw comes from one `random.Random(seed)` in a fixed order (or from a generator keyed
by domain ids, `keyed`), so the same seed makes the same market. docs/simulation.md gives
the sources of the numbers."""

import hashlib
import math
import random
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop as N  # the report's words, said in French there

# --- the rules each market runs ---------------------------------------------------------------
# Atelier: three coops with different rulebooks (floor, fee, allocation, brake), inside the
# federation's installation bounds.
ATELIER_COOPS = [
    {"slug": "tana", "name": "Coop Antananarivo", "parameters": {}},  # the defaults: 12.00/h, 5 %, fair share 60 min
    {"slug": "lagos", "name": "Coop Lagos", "parameters": {
        "floor_hourly_rate": 1500, "platform_fee_bps": 300, "fair_share_window_minutes": 120,
        "brake_rejection_pct": 15}},
    {"slug": "karachi", "name": "Coop Karachi", "parameters": {"allocation_policy": "first_come"}},
]
# "MTurk-like": no floor, first come, a 20 % fee, the brake as loose as the rulebook allows.
# The federation's bounds are set for it at installation (a floor bound of 0, a fee bound of 20 %).
MTURK_FEDERATION = {"floor_hourly_rate": 0, "platform_fee_bps": 2000, "brake_rejection_pct": 100,
                    "brake_rejections_per_member_day": 1000, "flag_threshold": 1000, "appeal_window_days": 1}
MTURK_PARAMETERS = {"floor_hourly_rate": 0, "platform_fee_bps": 2000, "allocation_policy": "first_come",
                    "fair_share_window_minutes": 0, "brake_rejection_pct": 100,
                    "brake_rejections_per_member_day": 1000, "flag_threshold": 1000,
                    "appeal_window_days": 1}  # 1 day is the rulebook's minimum: appeals cannot be switched off
# What the MTurk-like configuration cannot express through the rulebook, said in the report.
MTURK_NOT_IN_RULEBOOK = [
    (N("appeals"), N("appeal_window_days has a minimum of 1 day: appeals cannot be switched off. In the "
                     "MTurk-like run members never file one (MTurk has no appeal), a behaviour, not a rule.")),
    (N("rejection reasons"), N("every rejection still needs a published reason and a 20-character explanation "
                               "(assignment_reject): MTurk does not require one, the rulebook cannot lift it.")),
    (N("escrow"), N("work is still paid from escrow held at publish (MTurk also prepays, so this matches).")),
    (N("measured floor"), N("the floor is also checked on the measured median time; with a floor of 0 it never "
                            "pauses a project, so it is off in effect.")),
    (N("juror fund"), N("juror_fund_bps has a federation minimum of 10 % of the fee: part of the 20 % fee still "
                        "goes to a juror fund that no appeal draws on.")),
]

TIME_ZONES = [3, 1, 5, 2]  # UTC offsets: Antananarivo/Nairobi, Lagos/Paris, Karachi, Johannesburg
CATEGORIES = ["labelling", "transcription", "rating", "moderation"]

# member behaviours: share, speed (x true time), accuracy, sessions a day (probability each),
# session length (hours), how likely they appeal an unfair rejection, juror acceptance
BEHAVIOURS = {
    "careful": dict(share=0.35, speed=1.15, accuracy=0.96, sessions=(0.85,), hours=3.0, appeal=0.7, juror=0.85),
    "fast": dict(share=0.25, speed=0.75, accuracy=0.88, sessions=(0.9, 0.6), hours=2.0, appeal=0.4, juror=0.7),
    "part_time": dict(share=0.30, speed=1.0, accuracy=0.92, sessions=(0.5,), hours=1.5, appeal=0.4, juror=0.5),
    # scripting through the member API: checks for work every half hour around the clock, works fast and sloppily
    "scripting": dict(share=0.10, speed=0.45, accuracy=0.80, sessions=(), hours=0.5, appeal=0.15, juror=0.6),
}

# requester behaviours, in the order they are handed out
REQUESTER_BEHAVIOURS = ["honest", "underestimates", "mass_rejecter", "late_reviewer", "gold_questions", "floor_edge"]
# what each would pay an hour on its own estimate when no floor binds (minor units, USD cents)
PREFERRED_RATE = {"honest": 700, "underestimates": 450, "mass_rejecter": 400, "late_reviewer": 500,
                  "gold_questions": 500, "floor_edge": 150}
# how far above the coop's floor (on its estimate) each pays where a floor binds
FLOOR_MARGIN = {"honest": 1.25, "underestimates": 1.1, "mass_rejecter": 1.05, "late_reviewer": 1.1,
                "gold_questions": 1.15, "floor_edge": 1.0}


class Said(str):
    """An English sentence made from a template and its values (the CSVs and the console keep
    the English); the report says it again in French from the same template (gettext)."""

    def __new__(cls, template, **values):
        text = super().__new__(cls, template.format(**values))
        text.template, text.values = template, values
        return text

    def __reduce__(self):  # through the markets' process queue
        return (_said, (self.template, self.values))


def _said(template, values):
    return Said(template, **values)


def keyed(seed, *parts):
    """A generator fixed by the seed and domain ids (an appeal, a seat), whatever order
    the rest of the simulation drew in: used where the order of calls depends on the signed
    event log (the jury draw)."""
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass
class Member:
    index: int
    behaviour: str
    coop: int  # index into the market's coops
    tz: int
    speed: dict  # category -> factor on the true time
    accuracy: dict  # category -> probability an answer is right
    reservation: int  # minor units an hour: below this (on the estimate) they skip a project
    start_hour: float  # local hour their first session starts
    user_id: int = 0
    user: object = None
    api_secret: str = ""  # scripting members: their `atm_` key for the member API
    # the simulator's own tally (what the member knows), not the measured figures
    earned_tasks: int = 0  # minor units from task rewards and bonuses, for payout requests
    withdrawn: int = 0
    tests: dict = field(default_factory=dict)  # qualification test id -> "passed" | "failed" | "taking"
    busy_until: float = 0.0
    fair_share_reached: dict = field(default_factory=dict)  # project id -> until (simulation hours)
    held: dict = field(default_factory=dict)  # project id -> slots claimed in its fair-share window


@dataclass
class Requester:
    index: int
    behaviour: str
    coop: int
    category: str
    true_minutes: float  # what a task really takes a median member
    estimate: int  # minutes the requester states
    tz: int
    batch_every_days: float
    tasks_per_batch: tuple
    org: object = None
    owner: object = None
    test: object = None  # the paid qualification test (gold_questions)
    qualification_id: int = 0
    projects: list = field(default_factory=list)


@dataclass
class Config:
    days: int = 30
    members: int = 1000
    requesters: int = 20
    coops: int = 3
    seed: int = 1
    rules: str = "atelier"  # or "mturk"
    batches_per_requester_day: float = 0.5
    tasks_per_batch: tuple = (30, 90)

    @property
    def mturk(self):
        return self.rules == "mturk"


def coop_specs(config):
    specs = []
    for i in range(config.coops):
        base = ATELIER_COOPS[i % len(ATELIER_COOPS)]
        suffix = "" if i < len(ATELIER_COOPS) else f"-{i}"
        parameters = dict(MTURK_PARAMETERS) if config.mturk else dict(base["parameters"])
        specs.append({"slug": base["slug"] + suffix, "name": base["name"] + suffix, "parameters": parameters})
    return specs


def members_draw(rng, config):
    names = list(BEHAVIOURS)
    weights = [BEHAVIOURS[n]["share"] for n in names]
    members = []
    for i in range(config.members):
        behaviour = rng.choices(names, weights)[0]
        b = BEHAVIOURS[behaviour]
        speed = {c: b["speed"] * math.exp(rng.gauss(0, 0.2)) for c in CATEGORIES}
        accuracy = {c: min(0.995, max(0.5, b["accuracy"] + rng.gauss(0, 0.03))) for c in CATEGORIES}
        members.append(Member(
            index=i, behaviour=behaviour, coop=i % config.coops, tz=TIME_ZONES[rng.randrange(len(TIME_ZONES))],
            speed=speed, accuracy=accuracy, reservation=int(rng.uniform(100, 450)),
            start_hour=rng.uniform(7.5, 19.5)))
    return members


def requesters_draw(rng, config):
    requesters = []
    for i in range(config.requesters):
        behaviour = REQUESTER_BEHAVIOURS[i % len(REQUESTER_BEHAVIOURS)]
        true_minutes = rng.uniform(2.0, 8.0)
        estimate = max(1, round(true_minutes / 2)) if behaviour == "underestimates" else max(1, round(true_minutes))
        requesters.append(Requester(
            index=i, behaviour=behaviour, coop=i % config.coops, category=CATEGORIES[i % len(CATEGORIES)],
            true_minutes=true_minutes, estimate=estimate, tz=rng.choice([-5, -4, 0, 1, 2]),
            batch_every_days=1 / config.batches_per_requester_day, tasks_per_batch=config.tasks_per_batch))
    return requesters


def reward_for(requester, floor):
    """The reward the requester offers per task: its market rate on its own estimate, or, where
    a floor binds, the floor's minimum for the estimate times its margin over the floor."""
    market = PREFERRED_RATE[requester.behaviour] * requester.estimate / 60
    floored = floor * FLOOR_MARGIN[requester.behaviour] * requester.estimate / 60
    return max(1, math.ceil(max(market, floored)))
