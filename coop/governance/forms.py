"""The propose form: it offers only changes that can be valid (parameters the coop may set,
data categories it may ban or allow, members it may elect, stewards it may recall) and turns
the input into the change items `proposal_create` checks."""

import json

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from coop.core.errors import DomainError
from coop.core.money import format_amount, parse_amount
from coop.federation import rulebook as spec

NO_NUL = [ProhibitNullCharactersValidator()]
PARAMETER_SLOTS = 3


def parse_value(p, text):
    """A typed value from what a member typed (amounts as money: '15.00')."""
    text = (text or "").strip()
    if p.type == "amount":
        return parse_amount(text)
    if p.type in ("int", "bps", "pct"):
        try:
            return int(text)
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
        return json.loads(text)
    except ValueError:
        return parse_value(p, text)


class ProposeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, validators=NO_NUL)
    body = forms.CharField(label=_("Why (Markdown)"), widget=forms.Textarea, required=False, max_length=20000,
                           validators=NO_NUL)
    secret = forms.BooleanField(label=_("Secret ballot (the tally stays hidden until the close, and who voted "
                                        "what is erased at the close)"), required=False)
    federation = forms.BooleanField(label=_("Federation-wide (changes the federation's bounds; every member of "
                                            "every coop votes)"), required=False)
    article_number = forms.IntegerField(label=_("Article number"), required=False, min_value=1)
    article_title = forms.CharField(label=_("Article title"), required=False, max_length=200, validators=NO_NUL)
    article_body = forms.CharField(label=_("Article text"), widget=forms.Textarea, required=False, max_length=5000,
                                   validators=NO_NUL)
    data_category = forms.ChoiceField(label=_("Ban or allow a data category"), required=False)
    steward = forms.ChoiceField(label=_("Elect or recall a steward"), required=False)
    qualification = forms.ChoiceField(label=_("A qualification rule of the coop"), required=False)
    qualification_rule = forms.CharField(label=_("New rule (JSON, as on the qualification's page)"), required=False,
                                         widget=forms.Textarea, max_length=5000, validators=NO_NUL)
    federation_parameter = forms.ChoiceField(label=_("Federation bound"), required=False)
    federation_value = forms.CharField(label=_("New bound (e.g. 1500, or [5, 100] for a range)"), required=False,
                                       max_length=500, validators=NO_NUL)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        parameter_options = [("", "—")] + [
            (p["name"], f"{p['label']} ({_('now')}: {self._shown(p)}; {p['bound']})") for p in choices["parameters"]]
        for i in range(1, PARAMETER_SLOTS + 1):
            self.fields[f"parameter_{i}"] = forms.ChoiceField(label=_("Parameter"), required=False,
                                                              choices=parameter_options)
            self.fields[f"value_{i}"] = forms.CharField(label=_("Proposed value"), required=False, max_length=500,
                                                        validators=NO_NUL)
        self.fields["data_category"].choices = [("", "—")] + [
            (f"{'allow' if c['banned'] else 'ban'}:{c['name']}",
             (_("Allow %(c)s") if c["banned"] else _("Ban %(c)s")) % {"c": c["name"].replace("_", " ")})
            for c in choices["categories"] if not c["locked"]]
        self.fields["steward"].choices = [("", "—")] + [
            (f"elect:{m.pk}", _("Elect %(name)s") % {"name": m.user.display_name}) for m in choices["electable"]
        ] + [(f"recall:{m.pk}", _("Recall %(name)s") % {"name": m.user.display_name}) for m in choices["recallable"]]
        self.fields["qualification"].choices = [("", "—")] + [(q.pk, q.name) for q in choices["qualifications"]]
        if choices["federation_parameters"]:
            self.fields["federation_parameter"].choices = [("", "—")] + [
                (p["name"], f"{p['label']} ({p['bound_kind']}: {p['current']})")
                for p in choices["federation_parameters"]]
        else:
            for name in ("federation", "federation_parameter", "federation_value"):
                del self.fields[name]

    @staticmethod
    def _shown(row):
        p = spec.BY_NAME[row["name"]]
        return show_value(p, row["current"]) if p.type == "amount" else row["current"]

    def parameter_slots(self):
        return [(self[f"parameter_{i}"], self[f"value_{i}"]) for i in range(1, PARAMETER_SLOTS + 1)]

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
        for i in range(1, PARAMETER_SLOTS + 1):
            name = data.get(f"parameter_{i}")
            if name:
                items.append({"kind": "parameter", "name": name,
                              "value": parse_value(spec.BY_NAME[name], data.get(f"value_{i}"))})
        if data.get("article_number") or data.get("article_title") or data.get("article_body"):
            items.append({"kind": "article", "number": data.get("article_number"),
                          "title": data.get("article_title"), "body": data.get("article_body")})
        category = data.get("data_category")
        if category:
            action, name = category.split(":", 1)
            items.append({"kind": "data_category", "category": name, "action": action})
        if data.get("qualification"):
            try:
                rule = json.loads(data.get("qualification_rule") or "")
            except ValueError:
                raise DomainError("invalid_rule", _("Write the rule as JSON."))
            items.append({"kind": "qualification_rule", "qualification": int(data["qualification"]), "rule": rule})
        steward = data.get("steward")
        if steward:
            action, pk = steward.split(":", 1)
            items.append({"kind": f"steward_{action}", "membership": int(pk)})
        return items


class VoteForm(forms.Form):
    choice = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No")), ("abstain", _("Abstain"))])
