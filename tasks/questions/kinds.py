"""The kinds of question a form may hold: the keys each takes, how its definition is checked,
and the task-data columns it shows. Answers are checked in `answers.py`.

| kind | keys | the answer |
| --- | --- | --- |
| `single_choice` | `choices` | one of the choices |
| `multiple_choice` | `choices`, `min`, `max` | a list of choices |
| `text` | `min_length`, `max_length` | a text |
| `number` | `min`, `max`, `integer` | an integer or a decimal string |
| `likert` | `points` (2-11), `low_label`, `high_label` | a whole number from 1 to `points` |
| `comparison` | `items` (text, image or audio), `left`, `right` (columns), `allow_tie` | `left`, `right` or `tie` |
| `highlight` | `source` (a text column), `classes`, `min`, `max` | spans `{start, end, label, text}` |
| `audio_transcription` | `audio` (a column of http(s) URLs), `min_length`, `max_length` | a text |
| `bounding_boxes` | `image` (a column of http(s) URLs), `classes`, `min`, `max` | boxes `{x, y, w, h, label}` |

Every kind also takes `name`, `type`, `label`, `help`, `required` and `show`."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.questions.checks import MAX_TEXT, bounds, column_name, decimal_of, short_texts, whole

KIND_LABELS = {
    "single_choice": gettext_lazy("One choice"),
    "multiple_choice": gettext_lazy("Several choices"),
    "text": gettext_lazy("Text"),
    "number": gettext_lazy("Number"),
    "likert": gettext_lazy("Likert scale"),
    "comparison": gettext_lazy("Comparison of two items"),
    "highlight": gettext_lazy("Text highlighting"),
    "audio_transcription": gettext_lazy("Audio transcription"),
    "bounding_boxes": gettext_lazy("Boxes on an image"),
}
TYPES = tuple(KIND_LABELS)
COMMON_KEYS = ("name", "type", "label", "help", "required", "show")
KIND_KEYS = {
    "single_choice": ("choices",),
    "multiple_choice": ("choices", "min", "max"),
    "text": ("min_length", "max_length"),
    "number": ("min", "max", "integer"),
    "likert": ("points", "low_label", "high_label"),
    "comparison": ("items", "left", "right", "allow_tie"),
    "highlight": ("source", "classes", "min", "max"),
    "audio_transcription": ("audio", "min_length", "max_length"),
    "bounding_boxes": ("image", "classes", "min", "max"),
}
SHOW_KINDS = ("text", "image", "audio")
MAX_BOXES = 200
MAX_SPANS = 200


def _choices(problems, field, clean):
    choices = short_texts(field.get("choices"), 2, 100)
    if choices is None:
        problems.add("choices", _("give 2 to 100 different choices, each a short text."))
    else:
        clean["choices"] = choices
    return choices


def _classes(problems, field, clean):
    classes = short_texts(field.get("classes"), 1, 50, length=60)
    if classes is None:
        problems.add("classes", _("give 1 to 50 different label classes, each a short text."))
    else:
        clean["classes"] = classes


def _column(problems, field, clean, key):
    column = column_name(field.get(key))
    if column is None:
        problems.add(key, _("name the CSV column (lowercase letters, digits and _)."))
    else:
        clean[key] = column


def _short_label(problems, field, clean, key):
    value = field.get(key)
    if value is None or value == "":
        return
    if not isinstance(value, str) or len(value) > 100 or "\x00" in value:
        problems.add(key, _("must be a text of at most 100 characters."))
    else:
        clean[key] = value


def _single_choice(problems, field, clean):
    _choices(problems, field, clean)


def _multiple_choice(problems, field, clean):
    choices = _choices(problems, field, clean)
    count = len(choices) if choices else 100
    bounds(problems, field, clean, "min", "max", floor=0, ceiling=count,
           low_default=1 if clean["required"] else 0, high_default=count)


def _text(problems, field, clean):
    bounds(problems, field, clean, "min_length", "max_length", floor=0, ceiling=MAX_TEXT,
           low_default=1 if clean["required"] else 0, high_default=2000)


def _number(problems, field, clean):
    clean["integer"] = bool(field.get("integer", False))
    for key in ("min", "max"):
        if field.get(key) is None:
            continue
        number = decimal_of(field[key]) if not isinstance(field[key], bool) else None
        if number is None:
            problems.add(key, _("must be a number."))
        else:
            clean[key] = int(number) if number == number.to_integral_value() else str(number)
    if "min" in clean and "max" in clean and Decimal(str(clean["min"])) > Decimal(str(clean["max"])):
        problems.add("max", _("must be at least min."))


def _likert(problems, field, clean):
    points = whole(field.get("points", 5), 2, 11)
    if points is None:
        problems.add("points", _("must be a whole number from %(a)s to %(b)s.") % {"a": 2, "b": 11})
    else:
        clean["points"] = points
    _short_label(problems, field, clean, "low_label")
    _short_label(problems, field, clean, "high_label")


def _comparison(problems, field, clean):
    items = field.get("items", "text")
    if items not in SHOW_KINDS:
        problems.add("items", _("must be text, image or audio."))
    else:
        clean["items"] = items
    _column(problems, field, clean, "left")
    _column(problems, field, clean, "right")
    if clean.get("left") and clean.get("left") == clean.get("right"):
        problems.add("right", _("must be another column than left."))
    clean["allow_tie"] = bool(field.get("allow_tie", False))


def _highlight(problems, field, clean):
    _column(problems, field, clean, "source")
    _classes(problems, field, clean)
    bounds(problems, field, clean, "min", "max", floor=0, ceiling=MAX_SPANS,
           low_default=1 if clean["required"] else 0, high_default=20)


def _audio_transcription(problems, field, clean):
    _column(problems, field, clean, "audio")
    _text(problems, field, clean)


def _bounding_boxes(problems, field, clean):
    _column(problems, field, clean, "image")
    _classes(problems, field, clean)
    bounds(problems, field, clean, "min", "max", floor=0, ceiling=MAX_BOXES,
           low_default=1 if clean["required"] else 0, high_default=50)


CHECKS = {"single_choice": _single_choice, "multiple_choice": _multiple_choice, "text": _text,
          "number": _number, "likert": _likert, "comparison": _comparison, "highlight": _highlight,
          "audio_transcription": _audio_transcription, "bounding_boxes": _bounding_boxes}


def field_check(problems, field):
    """Check one field's definition (problems carry its place); return it normalised."""
    if not isinstance(field, dict):
        problems.add("", _("must be an object."))
        return None
    kind = field.get("type")
    known = set(COMMON_KEYS) | set(KIND_KEYS.get(kind, ()))
    for key in sorted(set(field) - known, key=str):
        problems.add(str(key)[:40], _("unknown key for this kind of field."))
    name = field.get("name")
    if kind not in TYPES:
        problems.add("type", _("must be one of %(types)s.") % {"types": ", ".join(TYPES)})
    label = field.get("label", name)
    if not isinstance(label, str) or not label.strip() or len(label) > 500 or "\x00" in label:
        problems.add("label", _("a label (up to 500 characters) is required."))
    clean = {"name": name, "type": kind, "label": label, "required": bool(field.get("required", True))}
    helptext = field.get("help")
    if helptext is not None and (not isinstance(helptext, str) or len(helptext) > 1000 or "\x00" in helptext):
        problems.add("help", _("must be a text of at most 1000 characters."))
    elif isinstance(helptext, str) and helptext.strip():
        clean["help"] = helptext
    if kind in CHECKS:
        CHECKS[kind](problems, field, clean)
    show = field.get("show")
    if show is not None:
        if not isinstance(show, dict) or not show or set(show) - set(SHOW_KINDS) or any(
                column_name(v) is None for v in show.values()):
            problems.add("show", _("maps text, image or audio to a column name."))
        else:
            clean["show"] = dict(show)
    return clean


def field_columns(field):
    """The task-data columns one field shows: {column: text | image | audio}, in the order shown."""
    columns = {}
    kind = field.get("type")
    if kind == "comparison":
        for key in ("left", "right"):
            if field.get(key):
                columns.setdefault(field[key], field.get("items", "text"))
    elif kind == "highlight" and field.get("source"):
        columns[field["source"]] = "text"
    elif kind == "audio_transcription" and field.get("audio"):
        columns[field["audio"]] = "audio"
    elif kind == "bounding_boxes" and field.get("image"):
        columns[field["image"]] = "image"
    for kind_shown, column in (field.get("show") or {}).items():
        columns.setdefault(column, kind_shown)
    return columns
