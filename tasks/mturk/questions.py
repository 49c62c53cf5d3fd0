"""MTurk's question XML in, QuestionFormAnswers XML out.

- `HTMLQuestion` (HTMLContent, FrameHeight) and `ExternalQuestion` (ExternalURL, FrameHeight)
  are shown to the member in a sandboxed frame; what the page posts to `externalSubmit` is the
  answer. Their Atelier question form is one text field that holds those posted fields.
- `QuestionForm` becomes Atelier's own question form where the kinds map: FreeTextAnswer (with
  IsNumeric: a number; Length: its bounds) and SelectionAnswer (radio buttons or a list: one
  choice; check boxes or MaxSelectionCount > 1: several). Content other than text, file
  uploads, "other" selections and binary content are refused with a message naming them.
- `answers_xml` writes `QuestionFormAnswers` exactly as MTurk does: one Answer per question,
  FreeText or SelectionIdentifier."""

import json
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from tasks.mturk.protocol import MturkError

MAX_QUESTION_BYTES = 65_535
ANSWER_FIELD = "mturk_answer"
FRAME_FORM = [{"name": ANSWER_FIELD, "type": "text", "label": "Answer (sent by the task's page)",
               "required": True, "min_length": 2, "max_length": 20_000}]
ANSWERS_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"


@dataclass
class Question:
    kind: str  # html | external | form
    html: str = ""
    external_url: str = ""
    frame_height: int = 600
    form: list = field(default_factory=list)
    answer_map: dict = field(default_factory=dict)
    overview: str = ""


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _child(element, name):
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element, name):
    return [child for child in element if _local(child.tag) == name]


def _text(element, name, default=""):
    child = _child(element, name) if element is not None else None
    return (child.text or "").strip() if child is not None else default


def _height(root):
    raw = _text(root, "FrameHeight", "600")
    try:
        return max(100, min(int(raw), 5000)) if int(raw) else 600  # 0: "fit", as MTurk allows
    except ValueError:
        raise MturkError("FrameHeight must be a whole number.")


def _prolog(xml):
    """What comes before the root element (where a DOCTYPE, and so entities, would be)."""
    text = xml.lstrip()
    if text.startswith("<?xml"):
        text = text[text.find("?>") + 2:].lstrip()
    while text.startswith("<!--"):
        text = text[text.find("-->") + 3:].lstrip()
    return text[:9].upper()


def question_parse(xml):
    """Read a Question parameter; raise MturkError with a readable message if Atelier cannot run it."""
    if not isinstance(xml, str) or not xml.strip():
        raise MturkError("Question is required (Atelier has no HIT layouts: send an HTMLQuestion, an "
                         "ExternalQuestion or a QuestionForm).")
    if len(xml.encode()) > MAX_QUESTION_BYTES:
        raise MturkError("The Question is larger than 64 kilobytes.")
    if "<!DOCTYPE" in _prolog(xml):
        raise MturkError("The Question may not declare a DOCTYPE or entities.")
    try:
        root = ElementTree.fromstring(xml.strip())
    except ElementTree.ParseError as exc:
        raise MturkError(f"The Question is not well-formed XML: {exc}.")
    kind = _local(root.tag)
    if kind == "HTMLQuestion":
        html = _text(root, "HTMLContent")
        if not html:
            raise MturkError("HTMLQuestion needs HTMLContent.")
        return Question("html", html=html, frame_height=_height(root))
    if kind == "ExternalQuestion":
        url = _text(root, "ExternalURL")
        if not re.match(r"^https://[^\s<>\"']+$", url) or len(url) > 2000:
            raise MturkError("ExternalQuestion needs an https ExternalURL (up to 2000 characters).")
        return Question("external", external_url=url, frame_height=_height(root))
    if kind == "QuestionForm":
        return _form(root)
    raise MturkError(f"Atelier runs HTMLQuestion, ExternalQuestion and QuestionForm, not {kind}.")


def _content_text(element, where):
    """The text of a QuestionContent / Overview: Title and Text elements; anything else refused."""
    if element is None:
        return ""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name in ("Title", "Text"):
            parts.append((child.text or "").strip())
        elif name == "List":
            parts += ["- " + (item.text or "").strip() for item in _children(child, "ListItem")]
        else:
            raise MturkError(f"{where}: Atelier shows text only; {name} content is not supported. Use an "
                             "HTMLQuestion for rich content.")
    return "\n\n".join(p for p in parts if p)


def _field_name(identifier, used):
    base = re.sub(r"[^a-z0-9_]", "_", identifier.lower()).strip("_")[:30] or "q"
    base = base if base[0].isalpha() else "q_" + base
    name, n = base[:36], 2
    while name in used:
        name, n = f"{base[:33]}_{n}", n + 1
    used.add(name)
    return name


def _int_attr(element, name):
    raw = element.get(name) if element is not None else None
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise MturkError(f"{name} must be a whole number.")


def _form(root):
    overview = _content_text(_child(root, "Overview"), "Overview")
    questions = _children(root, "Question")
    if not questions:
        raise MturkError("A QuestionForm needs at least one Question.")
    form, answer_map, used = [], {}, set()
    for question in questions:
        identifier = _text(question, "QuestionIdentifier")
        if not identifier:
            raise MturkError("Each Question needs a QuestionIdentifier.")
        where = f"Question {identifier}"
        label = _text(question, "DisplayName") or _content_text(_child(question, "QuestionContent"), where)
        label = (label or identifier)[:500]
        required = _text(question, "IsRequired", "false").lower() == "true"
        spec = _child(question, "AnswerSpecification")
        answer = spec[0] if spec is not None and len(spec) else None
        name = _field_name(identifier, used)
        mapping = {"id": identifier}
        kind = _local(answer.tag) if answer is not None else ""
        if kind == "FreeTextAnswer":
            constraints = _child(answer, "Constraints")
            numeric = _child(constraints, "IsNumeric") if constraints is not None else None
            length = _child(constraints, "Length") if constraints is not None else None
            if constraints is not None and _child(constraints, "AnswerFormatRegex") is not None:
                raise MturkError(f"{where}: AnswerFormatRegex is not supported.")
            if numeric is not None:
                item = {"name": name, "type": "number", "label": label, "required": required, "integer": True}
                for bound, attr in (("min", "minValue"), ("max", "maxValue")):
                    value = _int_attr(numeric, attr)
                    if value is not None:
                        item[bound] = value
            else:
                item = {"name": name, "type": "text", "label": label, "required": required,
                        "min_length": _int_attr(length, "minLength") or (1 if required else 0),
                        "max_length": min(_int_attr(length, "maxLength") or 2000, 20_000)}
        elif kind == "SelectionAnswer":
            if _child(answer, "Selections") is None:
                raise MturkError(f"{where}: SelectionAnswer needs Selections.")
            selections = _child(answer, "Selections")
            if _child(selections, "OtherSelection") is not None:
                raise MturkError(f"{where}: OtherSelection is not supported.")
            choices = {}
            for selection in _children(selections, "Selection"):
                sid = _text(selection, "SelectionIdentifier")
                if _child(selection, "Text") is None and _child(selection, "FormattedContent") is not None:
                    raise MturkError(f"{where}: selections with FormattedContent are not supported.")
                text = (_text(selection, "Text") or sid)[:200]
                if not sid or text in choices:
                    raise MturkError(f"{where}: each Selection needs a SelectionIdentifier and a different Text.")
                choices[text] = sid
            style = _text(answer, "StyleSuggestion", "radiobutton").lower()
            low = int(_text(answer, "MinSelectionCount", "1" if required else "0") or 0)
            high = int(_text(answer, "MaxSelectionCount", "1") or 1)
            several = style in ("checkbox", "multichooser") or high > 1
            item = {"name": name, "type": "multiple_choice" if several else "single_choice", "label": label,
                    "required": required or low > 0, "choices": list(choices)}
            if several:
                item["min"], item["max"] = low, min(max(high, 1), len(choices)) if high > 1 else len(choices)
            mapping["choices"] = choices
        else:
            raise MturkError(f"{where}: {kind or 'a missing AnswerSpecification'} is not supported (Atelier maps "
                             "FreeTextAnswer and SelectionAnswer).")
        form.append(item)
        answer_map[name] = mapping
    return Question("form", form=form, answer_map=answer_map, overview=overview)


# --- answers -----------------------------------------------------------------------------------

def frame_answer(fields):
    """The fields an HTML or external question posted, as the text stored in ANSWER_FIELD:
    a JSON list of [name, value] pairs in the order posted."""
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def answers_xml(*, kind, answers, answer_map, form=()):
    """The QuestionFormAnswers document of an assignment's answers (None when there are none),
    in the order of the question form (`form`: stored answers are a JSON object, whose key
    order PostgreSQL does not keep)."""
    if not answers:
        return None
    items = []
    if kind in ("html", "external"):
        try:
            pairs = json.loads(answers.get(ANSWER_FIELD) or "[]")
        except ValueError:
            pairs = []
        grouped = {}
        for name, value in pairs:
            grouped.setdefault(name, []).append(value)
        items = [(name, "FreeText", "|".join(values)) for name, values in grouped.items()]
    else:
        order = [f["name"] for f in form or ()]
        names = [n for n in order if n in answers] + [n for n in answers if n not in order]
        for name, value in ((n, answers[n]) for n in names):
            mapping = answer_map.get(name, {"id": name})
            choices = mapping.get("choices")
            if choices:
                for chosen in value if isinstance(value, list) else [value]:
                    items.append((mapping["id"], "SelectionIdentifier", choices.get(chosen, chosen)))
            else:
                items.append((mapping["id"], "FreeText", str(value)))
    grouped_xml = []
    by_id = {}
    for identifier, element, value in items:
        by_id.setdefault(identifier, []).append((element, value))
    for identifier, values in by_id.items():
        inner = "".join(f"<{element}>{escape(str(value))}</{element}>" for element, value in values)
        grouped_xml.append(f"<Answer><QuestionIdentifier>{escape(identifier)}</QuestionIdentifier>{inner}</Answer>")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<QuestionFormAnswers xmlns="{ANSWERS_NS}">'
            + "".join(grouped_xml) + "</QuestionFormAnswers>")
