"""Checking a member's answers against the form, reading them from a page, keeping drafts, and
giving the page what it renders.

Boxes and highlights arrive as JSON lists from the API, and as text from the page: the page's
script writes the same text a member without JavaScript types, one item a line:
`label: x y w h` for a box (image pixels), `@start-end label: passage` or `label: passage`
for a highlight (a passage without offsets is found in the text, in reading order)."""

import json
import re

from django.utils.translation import gettext as _

from tasks.errors import InvalidAnswers
from tasks.questions.checks import MAX_TEXT, decimal_of
from tasks.questions.kinds import MAX_BOXES, MAX_SPANS

BOX_LINE = re.compile(r"^(?:(?P<label>[^:]+):)?\s*(?P<x>\d+)[\s,]+(?P<y>\d+)[\s,]+(?P<w>\d+)[\s,]+(?P<h>\d+)\s*$")
SPAN_LINE = re.compile(r"^(?:@(?P<start>\d+)-(?P<end>\d+)\s+)?(?:(?P<label>[^:]{1,60}):\s?)?(?P<text>.*)$", re.S)
LIST_KINDS = ("highlight", "bounding_boxes")
MAX_PIXELS = 100_000


class Refused(Exception):
    """One answer is not valid: its message is shown under the question."""


def _source_text(field, data):
    if field["type"] != "highlight" or not isinstance(data, dict):
        return None
    value = data.get(field.get("source"))
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def _label(field, label):
    classes = field.get("classes") or []
    if label is None or label == "":
        if len(classes) == 1:
            return classes[0]
        raise Refused(_("Give each one a label among: %(c)s.") % {"c": ", ".join(classes)})
    label = str(label).strip()
    if label not in classes:
        raise Refused(_("'%(l)s' is not a label of this question (%(c)s).")
                      % {"l": label[:60], "c": ", ".join(classes)})
    return label


def _items(value, parse_line):
    """A JSON list as it is, a JSON text of one, or lines of text read by `parse_line`."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise Refused(_("Give a list."))
    text = value.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            raise Refused(_("This list is not valid JSON."))
        if not isinstance(items, list):
            raise Refused(_("Give a list."))
        return items
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [parse_line(number, line) for number, line in enumerate(lines, start=1)]


def _box_line(number, line):
    match = BOX_LINE.match(line)
    if not match:
        raise Refused(_("Line %(n)s: write a box as “label: x y width height” in image pixels.") % {"n": number})
    box = {k: int(match[k]) for k in ("x", "y", "w", "h")}
    box["label"] = (match["label"] or "").strip()
    return box


def _boxes(field, value):
    items = _items(value, _box_line)
    if len(items) > MAX_BOXES:
        raise Refused(_("At most %(n)s boxes.") % {"n": MAX_BOXES})
    boxes = []
    for item in items:
        if not isinstance(item, dict) or set(item) - {"x", "y", "w", "h", "label"}:
            raise Refused(_("Each box has x, y, w, h and a label."))
        box = {}
        for key, low in (("x", 0), ("y", 0), ("w", 1), ("h", 1)):
            number = decimal_of(item.get(key))
            if number is None or not low <= number <= MAX_PIXELS:
                raise Refused(_("Each box needs x and y of at least 0, and a width and height of at least 1 "
                                "(image pixels)."))
            box[key] = int(number.to_integral_value())
        if box["w"] < 1 or box["h"] < 1:
            raise Refused(_("Each box needs x and y of at least 0, and a width and height of at least 1 "
                            "(image pixels)."))
        box["label"] = _label(field, item.get("label"))
        boxes.append(box)
    return boxes


def _span_line(number, line):
    match = SPAN_LINE.match(line)
    span = {"label": (match["label"] or "").strip(), "text": match["text"]}
    if match["start"] is not None:
        span["start"], span["end"] = int(match["start"]), int(match["end"])
    return span


def _spans(field, value, text):
    items = _items(value, _span_line)
    if len(items) > MAX_SPANS:
        raise Refused(_("At most %(n)s passages.") % {"n": MAX_SPANS})
    spans, taken = [], 0
    for item in items:
        if not isinstance(item, dict) or set(item) - {"start", "end", "label", "text"}:
            raise Refused(_("Each passage has start, end and a label."))
        start, end = item.get("start"), item.get("end")
        if start is None and isinstance(item.get("text"), str) and text is not None:
            passage = item["text"].strip()
            found = text.find(passage, taken) if passage else -1
            if found < 0:
                found = text.find(passage) if passage else -1
            if found < 0:
                raise Refused(_("“%(p)s” is not in the text.") % {"p": passage[:60]})
            start, end = found, found + len(passage)
            taken = end
        if (isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int)
                or not isinstance(end, int) or not 0 <= start < end or (text is not None and end > len(text))):
            raise Refused(_("Each passage needs 0 <= start < end <= the text's length."))
        span = {"start": start, "end": end, "label": _label(field, item.get("label"))}
        if text is not None:
            span["text"] = text[start:end]
        spans.append(span)
    spans.sort(key=lambda s: (s["start"], s["end"], s["label"]))
    if len({(s["start"], s["end"], s["label"]) for s in spans}) != len(spans):
        raise Refused(_("The same passage is marked twice with the same label."))
    return spans


def _count(field, items, what):
    low, high = field.get("min", 0), field.get("max", len(items))
    if not low <= len(items) <= high:
        raise Refused(_("Mark between %(a)s and %(b)s %(what)s.") % {"a": low, "b": high, "what": what})
    return items


def _text(field, value):
    if not isinstance(value, str) or "\x00" in value:
        raise Refused(_("Write text."))
    value = value.strip()
    low, high = field.get("min_length", 0), field.get("max_length", 2000)
    if not low <= len(value) <= high:
        raise Refused(_("Write between %(a)s and %(b)s characters.") % {"a": low, "b": high})
    return value


def _number(field, value):
    number = decimal_of(value)
    if number is None:
        raise Refused(_("Enter a number."))
    if field.get("integer") and number != number.to_integral_value():
        raise Refused(_("Enter a whole number."))
    if "min" in field and number < decimal_of(field["min"]):
        raise Refused(_("Enter at least %(n)s.") % {"n": field["min"]})
    if "max" in field and number > decimal_of(field["max"]):
        raise Refused(_("Enter at most %(n)s.") % {"n": field["max"]})
    return int(number) if number == number.to_integral_value() and abs(number) < 10**15 else str(number.normalize())


def answer_check(field, value, data=None):
    """One non-empty answer, normalised; raises Refused with the member's message."""
    kind = field["type"]
    if kind == "single_choice":
        if not isinstance(value, str) or value not in field["choices"]:
            raise Refused(_("Choose one of the given answers."))
        return value
    if kind == "multiple_choice":
        value = [value] if isinstance(value, str) else value
        if (not isinstance(value, list) or any(not isinstance(v, str) or v not in field["choices"] for v in value)
                or len(set(value)) != len(value)):
            raise Refused(_("Choose among the given answers."))
        if not field.get("min", 0) <= len(value) <= field.get("max", len(field["choices"])):
            raise Refused(_("Choose between %(a)s and %(b)s answers.") % {"a": field.get("min", 0),
                                                                          "b": field.get("max")})
        return [c for c in field["choices"] if c in value]
    if kind in ("text", "audio_transcription"):
        return _text(field, value)
    if kind == "number":
        return _number(field, value.strip() if isinstance(value, str) else value)
    if kind == "likert":
        number = decimal_of(value)
        if number is None or number != number.to_integral_value() or not 1 <= number <= field["points"]:
            raise Refused(_("Choose a point from 1 to %(n)s.") % {"n": field["points"]})
        return int(number)
    if kind == "comparison":
        allowed = ("left", "right", "tie") if field.get("allow_tie") else ("left", "right")
        if value not in allowed:
            raise Refused(_("Choose one of the two items.") if not field.get("allow_tie")
                          else _("Choose one of the two items, or say they are equal."))
        return value
    if kind == "highlight":
        return _count(field, _spans(field, value, _source_text(field, data)), _("passages"))
    if kind == "bounding_boxes":
        return _count(field, _boxes(field, value), _("boxes"))
    raise Refused(_("This question does not exist."))


def _empty(field, value):
    if value is None or value == "" or value == []:
        return True
    return field["type"] in LIST_KINDS and isinstance(value, str) and not value.strip()


def answers_validate(form, answers, data=None):
    """Check answers (a dict name -> value) against the form, with the task's `data` when there
    is one (a highlight's offsets are checked against its text); return them normalised, or
    raise InvalidAnswers with `{"fields": {name: message}}`."""
    if not isinstance(answers, dict):
        raise InvalidAnswers(extra={"fields": {"__all__": _("Answers must be an object.")}})
    errors, clean = {}, {}
    names = {f["name"] for f in form}
    for key in answers:
        if key not in names:
            errors[str(key)[:40]] = _("This question does not exist.")
    for field in form:
        name, value = field["name"], answers.get(field["name"])
        if _empty(field, value):
            if field.get("required", True) and not (field["type"] in LIST_KINDS and field.get("min", 1) == 0):
                errors[name] = _("This question needs an answer.")
            elif field["type"] in LIST_KINDS:
                clean[name] = []
            continue
        try:
            clean[name] = answer_check(field, value, data)
        except Refused as exc:
            errors[name] = exc.args[0]
    if errors:
        raise InvalidAnswers(extra={"fields": {k: str(v) for k, v in errors.items()}})
    return clean


def answers_from_post(form, data):
    """Read answers from a submitted HTML form (a QueryDict): lists for multiple choice."""
    return {f["name"]: data.getlist(f["name"]) if f["type"] == "multiple_choice" else data.get(f["name"], "")
            for f in form}


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


def items_text(field, value):
    """Boxes or passages as the lines the page's text box holds (what a member without
    JavaScript types, and what the drawing script writes)."""
    if not isinstance(value, list):
        return value if isinstance(value, str) else ""
    lines = []
    for item in value:
        if not isinstance(item, dict):
            continue
        if field["type"] == "bounding_boxes":
            lines.append(f"{item.get('label', '')}: {item.get('x')} {item.get('y')} {item.get('w')} {item.get('h')}")
        else:
            lines.append(f"@{item.get('start')}-{item.get('end')} {item.get('label', '')}: {item.get('text', '')}")
    return "\n".join(lines)


def answer_cell(value):
    """An answer in a CSV cell: text and numbers as they are, lists and objects as JSON."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "" if value is None else value


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
        elif field["type"] in LIST_KINDS:
            current = items_text(field, current)
        row = {**field, "shown": shown, "value": current if current is not None else ""}
        for key in ("left", "right", "source", "audio", "image"):
            if field.get(key):
                own = data.get(field[key]) if isinstance(data, dict) else None
                row[f"{key}_value"] = "" if own is None else str(own)
        if field["type"] == "comparison":
            row["compare_items"] = [("left", row.get("left_value", "")), ("right", row.get("right_value", ""))]
        if field["type"] == "likert":
            row["points_range"] = [str(p) for p in range(1, field["points"] + 1)]
            row["value"] = str(row["value"])
        rows.append(row)
    return rows
