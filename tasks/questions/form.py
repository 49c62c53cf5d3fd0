"""Checking a whole form, and a task's data against the columns the form shows."""

from django.utils.translation import gettext as _

from tasks.errors import InvalidForm
from tasks.questions.checks import MAX_TEXT, NAME_RE, URL_RE, Problems
from tasks.questions.kinds import field_check, field_columns

MAX_FIELDS = 50


def _whole_form(message):
    return {"path": "", "field": None, "key": "", "message": str(message), "text": str(message)}


def form_validate(form):
    """Check a question form; return it normalised, or raise InvalidForm listing every problem:
    `extra["errors"]` the sentences, `extra["paths"]` each problem's `path` in the JSON
    (`[2].choices`), its field (0-based), key, message and sentence (`text`)."""
    problems = Problems()
    if not isinstance(form, list) or not form:
        raise InvalidForm(extra={"errors": [_("The form must be a list with at least one field.")],
                                 "paths": [_whole_form(_("The form must be a list with at least one field."))]})
    if len(form) > MAX_FIELDS:
        message = _("At most %(n)s fields.") % {"n": MAX_FIELDS}
        raise InvalidForm(extra={"errors": [message], "paths": [_whole_form(message)]})
    names, out = set(), []
    for index, field in enumerate(form):
        name = field.get("name") if isinstance(field, dict) else None
        problems.at(index, name if isinstance(name, str) and NAME_RE.match(name) else None)
        if isinstance(field, dict):
            if not isinstance(name, str) or not NAME_RE.match(name):
                problems.add("name", _("lowercase letters, digits and _ (starting with a letter, at most 40)."))
            elif name in names:
                problems.add("name", _("the name '%(name)s' is used twice.") % {"name": name})
            else:
                names.add(name)
        clean = field_check(problems, field)
        if clean is not None:
            out.append(clean)
    if problems:
        raise InvalidForm(extra={"errors": [p["text"] for p in problems.items],
                                 "paths": problems.items})
    return out


def form_columns(form):
    """The task-data columns the form shows, each with the kind of content it holds."""
    columns = {}
    for field in form or []:
        for column, kind in field_columns(field).items():
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
        elif not isinstance(value, str | int) or isinstance(value, bool):
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
