"""The question form of a project: its schema, checking it, and checking answers against it.

A form is a JSON list of fields (docs/question-form.md has the full description):

    {"name": "label", "type": "single_choice", "label": "Is there a cat?", "choices": ["yes", "no"],
     "required": true, "help": "...", "show": {"text": "caption", "image": "image_url", "audio": "audio_url"}}

The kinds and their keys are in `kinds.py` (choices, text, number, Likert scale, comparison of
two items, text highlighting, audio transcription, boxes on an image); `form.py` checks a
whole form and a task's data; `answers.py` checks answers; `presets.py` holds the templates a
requester starts a project from. `show` (and each kind's own column keys) name columns of the
task data: those columns are the CSV's columns.

The qualifications issue reuses this package for paid tests."""

from tasks.questions.answers import (
    answer_cell,
    answers_from_post,
    answers_validate,
    draft_clean,
    render_fields,
)
from tasks.questions.checks import MAX_TEXT, NAME_RE, URL_RE
from tasks.questions.form import MAX_FIELDS, form_columns, form_validate, task_data_validate
from tasks.questions.kinds import KIND_LABELS, SHOW_KINDS, TYPES

__all__ = ["KIND_LABELS", "MAX_FIELDS", "MAX_TEXT", "NAME_RE", "SHOW_KINDS", "TYPES", "URL_RE", "answer_cell",
           "answers_from_post", "answers_validate", "draft_clean", "form_columns", "form_validate",
           "render_fields", "task_data_validate"]
