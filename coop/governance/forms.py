"""The propose form: it offers only changes that can be valid (parameters the coop may set,
data categories it may ban or allow, members it may elect, stewards it may recall) and turns
the input into the change items `proposal_create` checks."""

import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from coop.core.errors import DomainError
from coop.core.guard import json_loads
from coop.core.money import currency, format_amount, parse_amount
from coop.federation import rulebook as spec
from coop.federation.labels import CHOICE_LABELS
from tasks.qualifications.metrics import METRICS

NO_NUL = [ProhibitNullCharactersValidator()]
RULE_CLAUSES = 3

# the words for stored codes, in the reader's language
FRACTIONS = [("1/2", _("more than half")), ("3/5", _("three fifths (60 %)")), ("2/3", _("two thirds (67 %)")),
             ("3/4", _("three quarters (75 %)")), ("4/5", _("four fifths (80 %)")), ("9/10", _("nine tenths (90 %)"))]
UNITS = {"_hours": _("hours"), "_days": _("days"), "_minutes": _("minutes")}
GROUPS = [
    ("pay", _("Pay, fees and the juror fund"),
     ("floor_hourly_rate", "floor_check_submissions", "platform_fee_bps", "juror_fund_bps", "juror_fund_reserve")),
    ("work", _("Work and review"),
     ("auto_approval_hours", "allocation_policy", "fair_share_window_minutes", "max_open_assignments",
      "banned_data_categories", "max_test_attempts", "test_retry_hours", "qualification_drought_days",
      "transparency_required", "gold_rate_max_pct")),
    ("appeals", _("Appeals, juries and the brake"),
     ("appeal_window_days", "jury_size", "juror_minutes", "jury_response_hours", "brake_rejection_pct",
      "brake_rejections_per_member_day", "flag_threshold")),
    ("payouts", _("Payouts"), ("payout_minimum", "payout_methods", "payout_four_eyes_above")),
    ("disturbing", _("Disturbing content"),
     ("disturbing_tasks_per_day", "disturbing_minutes_in_a_row", "disturbing_pause_minutes",
      "disturbing_premium_pct")),
    ("solidarity", _("Solidarity fund"),
     ("solidarity_fund_bps", "solidarity_steward_grant_max", "solidarity_vote_hours")),
    ("votes", _("How we vote"),
     ("discussion_days", "voting_days", "quorum_pct", "participation_window_days", "threshold_pct", "supermajority")),
]
RULE_OPS = [(">=", _("at least")), (">", _("more than")), ("<=", _("at most")), ("<", _("less than")),
            ("==", _("exactly")), ("has", _("speaks")), ("in", _("lives in (country codes, comma-separated)"))]


def unit_of(p):
    """The unit word of an int parameter that is a duration ("hours"), or ""."""
    return next((word for suffix, word in UNITS.items() if p.name.endswith(suffix)), "") if p.type == "int" else ""


def show(p, value):
    """A parameter value in the unit members use: money, %, a duration, words for codes."""
    if value is None:
        return "—"
    if p.type == "list" and isinstance(value, list):
        return ", ".join(str(CHOICE_LABELS.get(v, v)) for v in value) or "—"
    if p.type == "choice":
        return str(CHOICE_LABELS.get(value, value))
    if p.type == "fraction":
        return str(dict(FRACTIONS).get(str(value), value))
    if p.type == "int" and unit_of(p) and isinstance(value, int):
        return f"{formats.number_format(value)} {unit_of(p)}"
    return spec.format_value(p, value)


def parse_value(p, text):
    """A typed value from what a member typed: amounts as money ('15.00'), percentages as
    percent ('4.5' for 450 basis points), whole numbers, lists comma-separated."""
    text = (text or "").strip()
    if p.type == "amount":
        return parse_amount(text)
    if p.type == "bps":
        try:
            value = Decimal(text.replace(",", ".").rstrip("%").strip())
        except InvalidOperation:
            raise DomainError("invalid_parameter", _("%(label)s: type a percentage such as 4.5.") % {"label": p.label})
        bps = value * 100
        if bps != bps.to_integral_value() or not value.is_finite():
            raise DomainError("invalid_parameter", _("%(label)s: at most two decimals.") % {"label": p.label})
        return int(bps)
    if p.type in ("int", "pct"):
        try:
            return int(text.rstrip("%").strip())
        except ValueError:
            raise DomainError("invalid_parameter", _("%(label)s: type a whole number.") % {"label": p.label})
    if p.type == "list":
        return [v.strip() for v in text.split(",") if v.strip()]
    return text


def show_value(p, value):
    if p.type == "amount" and isinstance(value, int):
        return format_amount(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def parse_bound(p, text):
    """A federation bound: JSON (`[5, 100]`, `1500`) or a plain value of the parameter's type."""
    text = (text or "").strip()
    try:
        return json_loads(text)
    except ValueError:
        return parse_value(p, text)


def _parameter_field(p):
    """One widget per kind of parameter; empty (or the current list) means no change."""
    unit = unit_of(p)
    label = p.label
    if p.type == "amount":
        return forms.CharField(label=label, required=False, max_length=20, validators=NO_NUL, widget=forms.TextInput(
            attrs={"inputmode": "decimal", "size": 8, "data-unit": currency()}), help_text=currency())
    if p.type == "bps":
        return forms.CharField(label=label, required=False, max_length=10, validators=NO_NUL, help_text="%",
                               widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}))
    if p.type in ("int", "pct"):
        return forms.IntegerField(label=label, required=False, min_value=p.minimum, max_value=p.maximum,
                                  help_text="%" if p.type == "pct" else unit,
                                  widget=forms.NumberInput(attrs={"size": 6}))
    if p.type == "choice":
        return forms.ChoiceField(label=label, required=False,
                                 choices=[("", _("— no change —"))] + [(c, CHOICE_LABELS.get(c, c)) for c in p.choices])
    if p.type == "list":
        return forms.MultipleChoiceField(label=label, required=False, widget=forms.CheckboxSelectMultiple,
                                         choices=[(c, CHOICE_LABELS.get(c, c)) for c in p.choices])
    if p.type == "fraction":
        return forms.ChoiceField(label=label, required=False, choices=[("", _("— no change —"))] + FRACTIONS)
    return forms.CharField(label=label, required=False, max_length=500, validators=NO_NUL)


def _rule_field_choices():
    return [("", "—")] + [(m.name, m.label) for m in METRICS]


class ProposeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, validators=NO_NUL)
    body = forms.CharField(label=_("Why (Markdown)"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                           max_length=20000, validators=NO_NUL)
    secret = forms.BooleanField(label=_("Secret ballot (the tally stays hidden until the close, and who voted "
                                        "what is erased at the close)"), required=False)
    federation = forms.BooleanField(label=_("Federation-wide (changes the federation's bounds; every member of "
                                            "every coop votes)"), required=False)
    article_number = forms.IntegerField(label=_("Article number"), required=False, min_value=1)
    article_title = forms.CharField(label=_("Article title"), required=False, max_length=200, validators=NO_NUL)
    article_body = forms.CharField(label=_("Article text"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                   max_length=5000, validators=NO_NUL)
    data_category = forms.ChoiceField(label=_("Ban or allow a data category"), required=False)
    steward = forms.ChoiceField(label=_("Elect or recall a steward"), required=False)
    qualification = forms.ChoiceField(label=_("A qualification rule of the coop"), required=False,
                                      widget=forms.Select(attrs={"translate": "no"}))  # names the coop wrote
    rule_join = forms.ChoiceField(label=_("The member must meet"), required=False,
                                  choices=[("all", _("every condition")), ("any", _("at least one condition"))])
    qualification_rule = forms.CharField(label=_("Or write the rule as JSON (advanced; used instead of the "
                                                 "conditions above)"), required=False,
                                         widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, validators=NO_NUL)
    federation_parameter = forms.ChoiceField(label=_("Federation bound"), required=False)
    federation_value = forms.CharField(label=_("New bound (e.g. 1500, or [5, 100] for a range)"), required=False,
                                       max_length=500, validators=NO_NUL)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.rows = {}
        for row in choices["parameters"]:
            p = spec.BY_NAME[row["name"]]
            name = f"p_{p.name}"
            self.fields[name] = _parameter_field(p)
            if p.type == "list":
                self.fields[name].initial = list(row["value"] or [])
            self.rows[p.name] = {"name": name, "current": show(p, row["value"]),
                                 "bound": spec.describe_bound(p, row["bound_value"], show)}
        for i in range(1, RULE_CLAUSES + 1):
            self.fields[f"rule_metric_{i}"] = forms.ChoiceField(label=_("Condition"), required=False,
                                                                choices=_rule_field_choices())
            self.fields[f"rule_op_{i}"] = forms.ChoiceField(label=_("compared"), required=False, choices=RULE_OPS)
            self.fields[f"rule_value_{i}"] = forms.CharField(label=_("value"), required=False, max_length=200,
                                                             validators=NO_NUL)
        self.fields["data_category"].choices = [("", "—")] + [
            (f"{'allow' if c['banned'] else 'ban'}:{c['name']}",
             (_("Allow %(c)s") if c["banned"] else _("Ban %(c)s")) % {"c": CHOICE_LABELS.get(c["name"], c["name"])})
            for c in choices["categories"] if not c["locked"]]
        self.fields["steward"].choices = [("", "—")] + [
            (f"elect:{m.pk}", _("Elect %(name)s") % {"name": m.user.display_name}) for m in choices["electable"]
        ] + [(f"recall:{m.pk}", _("Recall %(name)s") % {"name": m.user.display_name}) for m in choices["recallable"]]
        self.fields["qualification"].choices = [("", "—")] + [(q.pk, q.name) for q in choices["qualifications"]]
        if choices["federation_parameters"]:
            self.fields["federation_parameter"].choices = [("", "—")] + [
                (p["name"], f"{p['label']} ({p['bound_words']})")  # the kind in words, never its code
                for p in choices["federation_parameters"]]
        else:
            for name in ("federation", "federation_parameter", "federation_value"):
                del self.fields[name]

    def parameter_groups(self):
        """[(key, title, [(bound field, current, bound), ...], open?)] for the template: a group
        opens by itself when the member changed or got an error in it."""
        groups = []
        for key, title, names in GROUPS:
            rows = [(self[self.rows[n]["name"]], self.rows[n]["current"], self.rows[n]["bound"])
                    for n in names if n in self.rows]
            if not rows:
                continue
            touched = self.is_bound and any(
                field.errors or (not isinstance(field.field, forms.MultipleChoiceField) and field.value())
                for field, _current, _bound in rows)
            groups.append((key, title, rows, touched))
        return groups

    def rule_clauses(self):
        return [(self[f"rule_metric_{i}"], self[f"rule_op_{i}"], self[f"rule_value_{i}"])
                for i in range(1, RULE_CLAUSES + 1)]

    def rule(self):
        """The rule the builder makes (or the JSON typed instead), or None when nothing is given."""
        data = self.cleaned_data
        text = (data.get("qualification_rule") or "").strip()
        if text:
            try:
                return json_loads(text)
            except ValueError:
                raise DomainError("invalid_rule", _("Write the rule as JSON."))
        clauses = []
        for i in range(1, RULE_CLAUSES + 1):
            metric, op, value = data.get(f"rule_metric_{i}"), data.get(f"rule_op_{i}"), (
                data.get(f"rule_value_{i}") or "").strip()
            if not metric:
                continue
            clauses.append({"metric": metric, "op": op or ">=", "value": _rule_value(op, value)})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {data.get("rule_join") or "all": clauses}

    def rule_json(self):
        """The JSON the builder makes, shown under it (None if nothing to show)."""
        if not self.is_bound or not self.is_valid():
            return None
        try:
            rule = self.rule()
        except DomainError:
            return None
        return json.dumps(rule, ensure_ascii=False) if rule is not None else None

    def changes(self):
        """The change items for `proposal_create` (raises DomainError on a value it cannot read)."""
        data = self.cleaned_data
        items = []
        if data.get("federation"):
            name = data.get("federation_parameter")
            if name:
                items.append({"kind": "parameter", "name": name,
                              "value": parse_bound(spec.BY_NAME[name], data.get("federation_value"))})
            return items
        for row in self.choices["parameters"]:
            p = spec.BY_NAME[row["name"]]
            raw = data.get(f"p_{p.name}")
            if p.type == "list":
                # the page marks each list it showed: an absent list (API-like posts) is no change,
                # a shown one with every box unticked is the empty list
                shown = self.data.get(f"p_{p.name}__shown")
                if not shown or raw is None or sorted(raw) == sorted(row["value"] or []):
                    continue
                value = [c for c in p.choices if c in raw]
            elif raw in (None, ""):
                continue
            elif p.type in ("int", "pct"):
                value = raw
            elif p.type == "amount":
                value = parse_amount(str(raw))
            elif p.type == "bps":
                value = parse_value(p, str(raw))
            else:
                value = raw
            items.append({"kind": "parameter", "name": p.name, "value": value})
        if data.get("article_number") or data.get("article_title") or data.get("article_body"):
            items.append({"kind": "article", "number": data.get("article_number"),
                          "title": data.get("article_title"), "body": data.get("article_body")})
        category = data.get("data_category")
        if category:
            action, name = category.split(":", 1)
            items.append({"kind": "data_category", "category": name, "action": action})
        if data.get("qualification"):
            rule = self.rule()
            if rule is None:
                raise DomainError("invalid_rule", _("Give the new rule: at least one condition."))
            items.append({"kind": "qualification_rule", "qualification": int(data["qualification"]), "rule": rule})
        steward = data.get("steward")
        if steward:
            action, pk = steward.split(":", 1)
            items.append({"kind": f"steward_{action}", "membership": int(pk)})
        return items


def _rule_value(op, text):
    """A clause's value from the builder: a number, a language code, or country codes."""
    if op == "in":
        return [c.strip().upper() for c in text.split(",") if c.strip()]
    if op == "has":
        return text.lower()
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return text
    return int(number) if number == number.to_integral_value() else float(number)


class VoteForm(forms.Form):
    choice = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No")), ("abstain", _("Abstain"))])
