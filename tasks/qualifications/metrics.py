"""The metrics a rule may name: their type, parameters and domain, and how a clause about each
is said in words. What a metric's value is for a member is computed in `records.py`.

Kinds of metric:
  number     compared with `>=`, `>`, `<=`, `<`, `==`, `!=` against a number
             (`integer` metrics only ever take whole values; `minimum`/`maximum` bound them)
  languages  the member's profile languages; `has` a language code
  country    the member's profile country; `in` a list of country codes
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

NUMBER, LANGUAGES, COUNTRY = "number", "languages", "country"
NUMBER_OPS = (">=", ">", "<=", "<", "==", "!=")
NEGATION = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "==", "has": "lacks", "lacks": "has",
            "in": "not_in", "not_in": "in"}


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # "int" or "text"
    label: object
    default: object = None  # None: optional and absent unless given
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str
    label: object
    integer: bool = True
    minimum: int | None = 0
    maximum: int | None = None
    params: tuple = field(default_factory=tuple)
    # the thing counted, in words, for "12 more approved tasks"
    help: object = ""

    @property
    def ops(self):
        return {NUMBER: NUMBER_OPS, LANGUAGES: ("has",), COUNTRY: ("in",)}[self.kind]

    def param(self, name):
        return next((p for p in self.params if p.name == name), None)


DAYS = Param("days", "int", _("in the last N days"), minimum=1, maximum=3650)
CATEGORY = Param("category", "text", _("project category"))

METRICS = [
    Metric("approved_assignments", NUMBER, _("approved tasks"), params=(CATEGORY, DAYS),
           help=_("Tasks approved (or paid after an appeal), optionally in one project category and in the "
                  "last N days.")),
    Metric("final_rejections", NUMBER, _("final rejections"), params=(DAYS,),
           help=_("Rejections that became final (appeal window closed or appeal upheld). Rejections still "
                  "open to appeal never count.")),
    Metric("approval_rate", NUMBER, _("approval rate (%)"), integer=False, maximum=100,
           params=(Param("last", "int", _("over the last N decided tasks"), default=100, minimum=1, maximum=10000),
                   Param("min_count", "int", _("with at least N decided tasks"), default=10, minimum=1,
                         maximum=10000)),
           help=_("Approved tasks out of decided tasks (approved, paid after an appeal, or finally rejected) over "
                  "the member's last N decided tasks, in percent. Below the minimum count there is no rate.")),
    Metric("gold_accuracy", NUMBER, _("gold accuracy (%)"), integer=False, maximum=100,
           params=(CATEGORY, Param("min_count", "int", _("with at least N gold tasks"), default=5, minimum=1,
                                   maximum=10000)),
           help=_("Gold tasks (tasks whose expected answer the requester gave) answered right, out of the gold "
                  "tasks the member answered, in percent, optionally in one project category. Below the minimum "
                  "count there is no value. A wrong gold answer never rejects work by itself.")),
    Metric("tenure_days", NUMBER, _("days of membership"), help=_("Days since the member joined the coop.")),
    Metric("tests_passed", NUMBER, _("paid tests passed"), help=_("Qualification tests the member has passed.")),
    Metric("overturned_rejections", NUMBER, _("rejections overturned on appeal"),
           help=_("Rejections a jury overturned in the member's favour.")),
    Metric("languages", LANGUAGES, _("languages"), minimum=None,
           help=_("The languages in the member's profile.")),
    Metric("country", COUNTRY, _("country"), minimum=None,
           help=_("The country in the member's profile (only where a requester needs it by law).")),
]
BY_NAME = {m.name: m for m in METRICS}


def metric_get(name):
    return BY_NAME.get(name)
