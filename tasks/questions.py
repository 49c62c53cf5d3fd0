"""The question form of a project: its schema, checking it, and checking answers against it.

A form is a JSON list of fields (docs/question-form.md has the full description):

    {"name": "label", "type": "single_choice", "label": "Is there a cat?", "choices": ["yes", "no"],
     "required": true, "help": "...", "show": {"text": "caption", "image": "image_url", "audio": "audio_url"}}

- `type`: `single_choice` | `multiple_choice` (`min`/`max` choices) | `text` (`min_length`,
  `max_length`) | `number` (`min`, `max`, `integer`).
- `show` names columns of the task data whose value is shown above the question: `text` as
  plain text, `image` and `audio` as http(s) URLs. Those columns are the CSV's columns.

The qualifications issue reuses this module for paid tests."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from tasks.errors import InvalidAnswers, InvalidForm

TYPES = ("single_choice", "multiple_choice", "text", "number")
SHOW_KINDS = ("text", "image", "audio")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 50
MAX_TEXT = 20_000
URL_RE = re.compile(r"^https?://[^\s<>\"']+$")


def _int(value, what, errors):
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(_("%(what)s must be a whole number.") % {"what": what})
        return None
    return value


def _number(value, what, errors):
    if isinstance(value, bool):
        errors.append(_("%(what)s must be a number.") % {"what": what})
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(_("%(what)s must be a number.") % {"what": what})
        return None
    if not number.is_finite():
        errors.append(_("%(what)s must be a number.") % {"what": what})
        return None
    return number


def form_validate(form):
    """Check a question form; return it normalised, or raise InvalidForm listing every problem."""
    if not isinstance(form, list) or not form:
        raise InvalidForm(extra={"errors": [_("The form must be a list with at least one field.")]})
    if len(form) > MAX_FIELDS:
        raise InvalidForm(extra={"errors": [_("At most %(n)s fields.") % {"n": MAX_FIELDS}]})
    errors, names, out = [], set(), []
    for index, field in enumerate(form, start=1):
        where = _("Field %(n)s") % {"n": index}
        if not isinstance(field, dict):
            errors.append(_("%(where)s must be an object.") % {"where": where})
            continue
        known = {"name", "type", "label", "help", "required", "choices", "min", "max", "min_length", "max_length",
                 "integer", "show"}
        for key in sorted(set(field) - known):
            errors.append(_("%(where)s: unknown key '%(key)s'.") % {"where": where, "key": key})
        name = field.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            errors.append(_("%(where)s: name must be lowercase letters, digits and _ (starting with a letter).")
                          % {"where": where})
        elif name in names:
            errors.append(_("%(where)s: the name '%(name)s' is used twice.") % {"where": where, "name": name})
        else:
            names.add(name)
            where = f"{where} ({name})"
        kind = field.get("type")
        if kind not in TYPES:
            errors.append(_("%(where)s: type must be one of %(types)s.") % {"where": where, "types": ", ".join(TYPES)})
        label = field.get("label", name)
        if not isinstance(label, str) or not label.strip() or len(label) > 500:
            errors.append(_("%(where)s: a label (up to 500 characters) is required.") % {"where": where})
        clean = {"name": name, "type": kind, "label": label, "required": bool(field.get("required", True))}
        if isinstance(field.get("help"), str) and field["help"].strip():
            clean["help"] = field["help"][:1000]
        if kind in ("single_choice", "multiple_choice"):
            choices = field.get("choices")
            if (not isinstance(choices, list) or len(choices) < 2 or len(choices) > 100
                    or any(not isinstance(c, str) or not c.strip() or len(c) > 200 for c in choices)):
                errors.append(_("%(where)s: give 2 to 100 choices, each a short text.") % {"where": where})
            elif len(set(choices)) != len(choices):
                errors.append(_("%(where)s: the choices must be different.") % {"where": where})
            else:
                clean["choices"] = choices
            if kind == "multiple_choice":
                low = _int(field.get("min", 1 if clean["required"] else 0), where + " min", errors)
                high = _int(field.get("max", len(choices) if isinstance(choices, list) else 1), where + " max", errors)
                if low is not None and high is not None:
                    if low < 0 or high < max(1, low) or (isinstance(choices, list) and high > len(choices)):
                        errors.append(_("%(where)s: min and max must satisfy 0 <= min <= max <= number of choices.")
                                      % {"where": where})
                    clean["min"], clean["max"] = low, high
        elif kind == "text":
            low = _int(field.get("min_length", 1 if clean["required"] else 0), where + " min_length", errors)
            high = _int(field.get("max_length", 2000), where + " max_length", errors)
            if low is not None and high is not None:
                if low < 0 or high < max(1, low) or high > MAX_TEXT:
                    errors.append(_("%(where)s: lengths must satisfy 0 <= min_length <= max_length <= %(m)s.")
                                  % {"where": where, "m": MAX_TEXT})
                clean["min_length"], clean["max_length"] = low, high
        elif kind == "number":
            integer = bool(field.get("integer", False))
            clean["integer"] = integer
            for bound in ("min", "max"):
                if field.get(bound) is not None:
                    number = _number(field[bound], f"{where} {bound}", errors)
                    if number is not None:
                        clean[bound] = int(number) if number == number.to_integral_value() else str(number)
            if "min" in clean and "max" in clean and Decimal(str(clean["min"])) > Decimal(str(clean["max"])):
                errors.append(_("%(where)s: min is above max.") % {"where": where})
        show = field.get("show")
        if show is not None:
            if not isinstance(show, dict) or not show or set(show) - set(SHOW_KINDS) or any(
                    not isinstance(v, str) or not NAME_RE.match(v) for v in show.values()):
                errors.append(_("%(where)s: show maps text, image or audio to a column name.") % {"where": where})
            else:
                clean["show"] = dict(show)
        out.append(clean)
    if errors:
        raise InvalidForm(extra={"errors": [str(e) for e in errors]})
    return out


def form_columns(form):
    """The task-data columns the form shows, each with the kind of content it holds."""
    columns = {}
    for field in form or []:
        for kind, column in (field.get("show") or {}).items():
            columns.setdefault(column, kind)
    return columns


def task_data_validate(form, data):
    """Check one task's data against the columns the form shows; return a list of messages."""
    if not isinstance(data, dict):
        return [_("Task data must be an object.")]
    problems = []
    for column, kind in form_columns(form).items():
        value = data.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(_("column '%(c)s' is empty") % {"c": column})
        elif not isinstance(value, str | int):
            problems.append(_("column '%(c)s' must be text") % {"c": column})
        elif kind in ("image", "audio") and not URL_RE.match(str(value).strip()):
            problems.append(_("column '%(c)s' must be an http(s) URL") % {"c": column})
        elif isinstance(value, str) and ("\x00" in value or len(value) > MAX_TEXT):
            problems.append(_("column '%(c)s' is too long or has a NUL character") % {"c": column})
    for key, value in data.items():
        if not isinstance(key, str) or len(key) > 60:
            problems.append(_("column names must be short texts"))
        elif isinstance(value, str) and "\x00" in value:
            problems.append(_("column '%(c)s' has a NUL character") % {"c": key})
    return problems


def answers_validate(form, answers):
    """Check answers (a dict name -> value) against the form; return them normalised, or raise
    InvalidAnswers with `{"fields": {name: message}}`."""
    if not isinstance(answers, dict):
        raise InvalidAnswers(extra={"fields": {"__all__": _("Answers must be an object.")}})
    errors, clean = {}, {}
    names = {f["name"] for f in form}
    for key in answers:
        if key not in names:
            errors[str(key)[:40]] = _("This question does not exist.")
    for field in form:
        name, kind, value = field["name"], field["type"], answers.get(field["name"])
        empty = value is None or value == "" or value == []
        if empty:
            if field.get("required", True):
                errors[name] = _("This question needs an answer.")
            continue
        if kind == "single_choice":
            if not isinstance(value, str) or value not in field["choices"]:
                errors[name] = _("Choose one of the given answers.")
            else:
                clean[name] = value
        elif kind == "multiple_choice":
            if isinstance(value, str):
                value = [value]
            if (not isinstance(value, list) or any(not isinstance(v, str) or v not in field["choices"] for v in value)
                    or len(set(value)) != len(value)):
                errors[name] = _("Choose among the given answers.")
            elif not field.get("min", 0) <= len(value) <= field.get("max", len(field["choices"])):
                errors[name] = _("Choose between %(a)s and %(b)s answers.") % {"a": field.get("min", 0),
                                                                               "b": field.get("max")}
            else:
                clean[name] = [c for c in field["choices"] if c in value]
        elif kind == "text":
            if not isinstance(value, str) or "\x00" in value:
                errors[name] = _("Write text.")
                continue
            value = value.strip()
            low, high = field.get("min_length", 0), field.get("max_length", 2000)
            if not low <= len(value) <= high:
                errors[name] = _("Write between %(a)s and %(b)s characters.") % {"a": low, "b": high}
            else:
                clean[name] = value
        elif kind == "number":
            problems = []
            number = _number(value.strip() if isinstance(value, str) else value, name, problems)
            if number is None:
                errors[name] = _("Enter a number.")
                continue
            if field.get("integer") and number != number.to_integral_value():
                errors[name] = _("Enter a whole number.")
            elif "min" in field and number < Decimal(str(field["min"])):
                errors[name] = _("Enter at least %(n)s.") % {"n": field["min"]}
            elif "max" in field and number > Decimal(str(field["max"])):
                errors[name] = _("Enter at most %(n)s.") % {"n": field["max"]}
            else:
                clean[name] = int(number) if number == number.to_integral_value() and abs(number) < 10**15 \
                    else str(number.normalize())
    if errors:
        raise InvalidAnswers(extra={"fields": {k: str(v) for k, v in errors.items()}})
    return clean


def answers_from_post(form, data):
    """Read answers from a submitted HTML form (a QueryDict): lists for multiple choice."""
    answers = {}
    for field in form:
        name = field["name"]
        if field["type"] == "multiple_choice":
            answers[name] = data.getlist(name)
        else:
            answers[name] = data.get(name, "")
    return answers


def draft_clean(form, draft):
    """Keep only known fields with plain values: a draft is saved even when incomplete."""
    if not isinstance(draft, dict):
        return {}
    names = {f["name"] for f in form}
    out = {}
    for key, value in draft.items():
        if key not in names:
            continue
        if isinstance(value, list):
            out[key] = [str(v)[:MAX_TEXT] for v in value if isinstance(v, str | int)][:100]
        elif isinstance(value, str | int) and not isinstance(value, bool):
            out[key] = str(value)[:MAX_TEXT].replace("\x00", "")
    return out


def render_fields(form, data, values=None):
    """The form as a list of dicts ready for the template: what is shown and the current value."""
    values = values or {}
    rows = []
    for field in form:
        shown = []
        for kind, column in (field.get("show") or {}).items():
            value = data.get(column) if isinstance(data, dict) else None
            if value not in (None, ""):
                shown.append({"kind": kind, "value": str(value)})
        current = values.get(field["name"])
        if field["type"] == "multiple_choice":
            current = current if isinstance(current, list) else ([current] if current else [])
        rows.append({**field, "shown": shown, "value": current if current is not None else ""})
    return rows
