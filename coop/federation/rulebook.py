"""The rulebook's parameters: their types, defaults and how the federation bounds them.

DESIGN.md "The rulebook" is the source. A coop's value is checked against the federation's
bound of the declared kind:
  min        coop value >= federation value (the coop may only raise it)
  max        coop value <= federation value (only lower it)
  range      federation low <= coop value <= federation high
  subset     coop list is within the federation's list
  superset   coop list contains the federation's list
  federation coop value == federation value (only the federation sets it)
  free       any valid value (choices checked)"""

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from coop.core.errors import DomainError
from coop.core.money import format_amount

BOUND_KINDS = ("min", "max", "range", "subset", "superset", "federation", "free")
TYPES = ("int", "amount", "bps", "pct", "fraction", "choice", "list", "reasons")

REJECTION_REASONS = {
    "instructions_not_followed": "The instructions were not followed.",
    "incomplete": "The answer is incomplete.",
    "wrong_answer": "The answer is wrong against a checked reference.",
    "spam": "The submission is empty, random or copied.",
    "duplicate": "The same work was submitted twice.",
}
# The rails a coop may offer (issue 23: ledger/payout_methods.py has each one's fields); a new
# coop starts with the two generic ones and votes the local rails its members use.
DEFAULT_PAYOUT_METHODS = ["mobile_money", "bank_transfer"]
PAYOUT_METHODS = [*DEFAULT_PAYOUT_METHODS, "mvola", "orange_money_mg", "airtel_money_mg", "mpesa", "opay", "paga",
                  "orange_money_wa", "wave", "pago_movil", "cash_pickup"]
DATA_CATEGORIES = ["personal_data", "faces_or_identity_documents", "adult_content",
                   # issue 23: disturbing content (tasks/exposure.py limits how much a member sees)
                   "violent_or_graphic", "abuse_material_review"]


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    bound: str
    default: object
    federation: object  # the federation's bound: a value, [low, high], or a list
    label: object
    minimum: int | None = 0  # absolute validity, whatever the bound
    maximum: int | None = None
    choices: tuple = field(default_factory=tuple)
    odd: bool = False


PARAMETERS = [
    Parameter("floor_hourly_rate", "amount", "min", 1200, 1200, _("Floor hourly rate")),
    Parameter("floor_check_submissions", "int", "max", 20, 30,
              _("Submissions after which the floor is checked against the time members really take"), minimum=3),
    Parameter("platform_fee_bps", "bps", "max", 500, 1000, _("Platform fee"), maximum=10000),
    Parameter("federation_share_bps", "bps", "federation", 2000, 2000, _("Federation share of the fee"),
              maximum=10000),
    Parameter("juror_fund_bps", "bps", "min", 1000, 1000, _("Juror fund share of the fee"), maximum=10000),
    Parameter("juror_fund_reserve", "amount", "range", 3000, [0, 100_000],
              _("Juror fund reserve, topped up from the treasury")),
    # issue 23: the solidarity fund (docs/solidarity.md)
    Parameter("solidarity_fund_bps", "bps", "range", 1000, [0, 5000],
              _("Solidarity fund share of the coop's fee income"), maximum=10000),
    Parameter("solidarity_steward_grant_max", "amount", "range", 5000, [0, 50_000],
              _("Largest hardship grant two stewards may make (above it, members vote)")),
    Parameter("solidarity_vote_hours", "int", "range", 48, [24, 168],
              _("Voting period for a hardship grant (hours)"), minimum=1),
    # issue 23: patronage, the surplus shared by work done (docs/patronage.md)
    Parameter("patronage_period", "choice", "free", "year", None,
              _("Period whose surplus is shared by work done"), choices=("quarter", "half_year", "year")),
    Parameter("patronage_measure", "choice", "free", "paid_minutes", None,
              _("Work counted for the surplus share"), choices=("paid_minutes", "amount")),
    # issue 23: tell holders when a qualification's work runs dry (docs/qualification-work.md)
    Parameter("qualification_drought_days", "int", "range", 7, [1, 60],
              _("Days without open work for a qualification before its holders are told"), minimum=1),
    # issue 23: requester transparency (docs/transparency.md)
    Parameter("transparency_required", "choice", "free", "optional", None,
              _("Projects must say who the data is for and why"), choices=("optional", "required")),
    # issue 23: disturbing content (docs/disturbing-content.md)
    Parameter("disturbing_tasks_per_day", "int", "range", 40, [1, 200],
              _("Most tasks with disturbing content a member may take in a day"), minimum=1),
    Parameter("disturbing_minutes_in_a_row", "int", "range", 60, [10, 240],
              _("Most minutes in a row on disturbing content before a pause"), minimum=1),
    Parameter("disturbing_pause_minutes", "int", "range", 15, [5, 120],
              _("Pause after the minutes in a row (minutes)"), minimum=1),
    Parameter("disturbing_premium_pct", "pct", "min", 25, 25,
              _("Premium over the floor for work with disturbing content (%)"), maximum=500),
    # issue 20: gold tasks mixed into members' work at the requester's rate, up to this (docs/quality.md)
    Parameter("gold_rate_max_pct", "pct", "max", 20, 50,
              _("Most gold tasks a project may mix into each member's work (%)"), maximum=100),
    Parameter("auto_approval_hours", "int", "max", 72, 168, _("Automatic approval after (hours)"), minimum=1),
    Parameter("allocation_policy", "choice", "free", "fair_share", None, _("Allocation policy"),
              choices=("fair_share", "first_come")),
    Parameter("fair_share_window_minutes", "int", "range", 60, [0, 1440], _("Fair-share window (minutes)")),
    Parameter("max_open_assignments", "int", "range", 5, [1, 50], _("Open assignments per member"), minimum=1),
    Parameter("banned_data_categories", "list", "superset", [], [], _("Banned data categories"),
              choices=tuple(DATA_CATEGORIES)),
    Parameter("rejection_reasons", "reasons", "subset", dict(REJECTION_REASONS), dict(REJECTION_REASONS),
              _("Rejection reasons")),
    Parameter("appeal_window_days", "int", "min", 7, 7, _("Appeal window (days)"), minimum=1),
    Parameter("jury_size", "int", "min", 3, 3, _("Jury size"), minimum=1, odd=True),
    Parameter("juror_minutes", "int", "min", 10, 10, _("Paid minutes per juror and case"), minimum=1),
    Parameter("jury_response_hours", "int", "range", 24, [12, 72], _("Juror response time (hours)"), minimum=1),
    Parameter("brake_rejection_pct", "pct", "max", 20, 20, _("Mass-rejection brake (% of a batch)"),
              maximum=100),
    Parameter("brake_rejections_per_member_day", "int", "max", 5, 5,
              _("Mass-rejection brake (rejections per member per day)")),
    Parameter("flag_threshold", "int", "max", 5, 5, _("Flags that pause a project"), minimum=1),
    Parameter("payout_minimum", "amount", "max", 500, 500, _("Minimum payout")),
    Parameter("payout_methods", "list", "free", list(DEFAULT_PAYOUT_METHODS), None, _("Payout methods"),
              choices=tuple(PAYOUT_METHODS)),
    Parameter("payout_four_eyes_above", "amount", "max", 50000, 50000, _("Second steward needed above")),
    Parameter("max_test_attempts", "int", "min", 3, 3, _("Attempts per paid test"), minimum=1),
    Parameter("test_retry_hours", "int", "max", 24, 24, _("Hours between test attempts")),
    Parameter("discussion_days", "int", "range", 3, [1, 14], _("Discussion period (days)"), minimum=1),
    Parameter("voting_days", "int", "range", 7, [1, 21], _("Voting period (days)"), minimum=1),
    Parameter("quorum_pct", "pct", "range", 20, [5, 100], _("Quorum (% of participating members)"),
              maximum=100),
    Parameter("participation_window_days", "int", "range", 60, [7, 365], _("Participation window (days)"),
              minimum=1),
    Parameter("threshold_pct", "pct", "range", 50, [50, 90], _("Threshold to adopt (% of yes + no)"),
              maximum=100),
    Parameter("supermajority", "fraction", "range", "2/3", ["1/2", "9/10"], _("Supermajority for articles")),
]
BY_NAME = {p.name: p for p in PARAMETERS}


def default_parameters():
    return {p.name: _copy(p.default) for p in PARAMETERS}


def default_federation_bounds():
    return {p.name: _copy(p.federation) for p in PARAMETERS}


def with_defaults(parameters, defaults):
    """A stored version's parameters, completed with `defaults` for any parameter added to the
    rulebook after that version was made (versions are immutable: a version made before a
    parameter existed reads its default)."""
    return {**{name: _copy(value) for name, value in defaults.items() if name not in parameters}, **parameters}


def _copy(value):
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def as_fraction(value):
    try:
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise DomainError("invalid_parameter", _("'%(value)s' is not a fraction.") % {"value": value})


def _check_type(p, value):
    """Return None if the value has the right type, else a message."""
    if p.type in ("int", "amount", "bps", "pct"):
        if isinstance(value, bool) or not isinstance(value, int):
            return _("must be a whole number")
        if p.minimum is not None and value < p.minimum:
            return _("must be at least %(n)s") % {"n": p.minimum}
        if p.maximum is not None and value > p.maximum:
            return _("must be at most %(n)s") % {"n": p.maximum}
        if p.odd and value % 2 == 0:
            return _("must be an odd number")
    elif p.type == "fraction":
        try:
            f = Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            return _("must be a fraction like 2/3")
        if not (0 < f <= 1):
            return _("must be between 0 and 1")
    elif p.type == "choice":
        if value not in p.choices:
            return _("must be one of %(c)s") % {"c": ", ".join(p.choices)}
    elif p.type == "list":
        if not isinstance(value, list) or any(v not in p.choices for v in value):
            return _("must be a list drawn from %(c)s") % {"c": ", ".join(p.choices)}
    elif p.type == "reasons":
        if not isinstance(value, dict) or not value or any(
            not isinstance(k, str) or not isinstance(v, str) or not v.strip() for k, v in value.items()
        ):
            return _("must map reason codes to their text")
    return None


def _compare(p, value):
    if p.type == "fraction":
        return Fraction(str(value))
    return value


def check_bound(p, value, bound):
    """Return None if `value` is within the federation's `bound` for parameter `p`."""
    if p.bound == "free" or bound is None:
        return None
    if p.bound == "min" and _compare(p, value) < _compare(p, bound):
        return _("the federation's minimum is %(b)s") % {"b": format_value(p, bound)}
    if p.bound == "max" and _compare(p, value) > _compare(p, bound):
        return _("the federation's maximum is %(b)s") % {"b": format_value(p, bound)}
    if p.bound == "range":
        low, high = bound
        if not (_compare(p, low) <= _compare(p, value) <= _compare(p, high)):
            return _("must be between %(low)s and %(high)s") % {"low": format_value(p, low),
                                                                 "high": format_value(p, high)}
    if p.bound == "federation" and value != bound:
        return _("only the federation sets this (%(b)s)") % {"b": format_value(p, bound)}
    if p.bound == "subset" and not set(value) <= set(bound):
        return _("may only use entries from the federation's list")
    if p.bound == "superset" and not set(value) >= set(bound):
        return _("must keep the federation's entries %(b)s") % {"b": ", ".join(bound)}
    return None


def validate_parameters(values, bounds):
    """Check a complete set of coop parameters; raise DomainError naming every bad one."""
    errors = {}
    unknown = set(values) - set(BY_NAME)
    for name in sorted(unknown):
        errors[name] = str(_("unknown parameter"))
    for p in PARAMETERS:
        if p.name not in values:
            errors[p.name] = str(_("missing"))
            continue
        message = _check_type(p, values[p.name]) or check_bound(p, values[p.name], bounds.get(p.name))
        if message:
            errors[p.name] = str(message)
    if errors:
        raise DomainError("invalid_parameters", _("Some rulebook parameters are not valid."), {"parameters": errors})
    return values


def format_value(p, value):
    """A parameter's value for people: amounts as money, basis points and percentages with %,
    lists joined; in the active language."""
    from coop.federation.labels import code_label, reasons_shown  # labels imports this module

    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if p.type == "amount" and isinstance(value, int):
        return format_amount(value)
    if p.type == "bps" and isinstance(value, int):
        return f"{formats.number_format(Decimal(value) / 100)}\u00a0%"
    if p.type == "pct" and isinstance(value, int):
        return f"{value}\u00a0%"
    if p.type == "reasons" and isinstance(value, dict):
        return " · ".join(str(text) for text in reasons_shown(value).values()) or "—"
    if p.type == "choice" and isinstance(value, str):
        return str(code_label(value))
    if isinstance(value, list | dict):
        return ", ".join(str(code_label(v)) for v in value) or "—"
    return str(value)


def describe_bound(p, bound, fmt=None):
    """The federation's bound in words; `fmt(p, value)` formats each value (default: as stored)."""
    fmt = fmt or (lambda _p, value: value)
    if p.bound == "free" or bound is None:
        return _("free choice")
    if p.bound == "range":
        return _("between %(low)s and %(high)s") % {"low": fmt(p, bound[0]), "high": fmt(p, bound[1])}
    labels = {
        "min": _("at least %(b)s"), "max": _("at most %(b)s"), "federation": _("set by the federation: %(b)s"),
        "subset": _("within %(b)s"), "superset": _("must include %(b)s"),
    }
    shown = fmt(p, bound)
    if isinstance(shown, list | dict):  # the default `fmt` keeps values as stored
        shown = ", ".join(shown)
    return labels[p.bound] % {"b": shown or "—"}
