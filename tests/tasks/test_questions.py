import pytest

from tasks.errors import InvalidAnswers, InvalidForm
from tasks.questions import answers_validate, form_columns, form_validate, task_data_validate

FORM = [
    {"name": "kind", "type": "single_choice", "label": "Kind", "choices": ["cat", "dog", "none"],
     "show": {"image": "image_url", "text": "caption"}},
    {"name": "tags", "type": "multiple_choice", "label": "Tags", "choices": ["a", "b", "c"], "min": 1, "max": 2},
    {"name": "text", "type": "text", "label": "Transcript", "min_length": 3, "max_length": 10,
     "show": {"audio": "audio_url"}},
    {"name": "count", "type": "number", "label": "How many", "min": 0, "max": 10, "integer": True},
    {"name": "score", "type": "number", "label": "Score", "min": "0.5", "max": "2.5", "required": False},
]


def test_form_validate_accepts_every_field_type_and_names_the_columns():
    form = form_validate(FORM)
    assert [f["type"] for f in form] == ["single_choice", "multiple_choice", "text", "number", "number"]
    assert form_columns(form) == {"image_url": "image", "caption": "text", "audio_url": "audio"}


@pytest.mark.parametrize("bad", [
    [],
    "not a list",
    [{"name": "x", "type": "single_choice", "label": "X", "choices": ["only one"]}],
    [{"name": "x", "type": "rating", "label": "X"}],
    [{"name": "Bad Name", "type": "text", "label": "X"}],
    [{"name": "x", "type": "text", "label": "X"}, {"name": "x", "type": "text", "label": "Y"}],
    [{"name": "x", "type": "text", "label": "X", "min_length": 10, "max_length": 5}],
    [{"name": "x", "type": "number", "label": "X", "min": 5, "max": 1}],
    [{"name": "x", "type": "multiple_choice", "label": "X", "choices": ["a", "b"], "max": 3}],
    [{"name": "x", "type": "text", "label": "X", "show": {"video": "col"}}],
    [{"name": "x", "type": "text", "label": "X", "surprise": 1}],
])
def test_form_validate_refuses_bad_forms(bad):
    with pytest.raises(InvalidForm) as info:
        form_validate(bad)
    assert info.value.extra["errors"]


def test_answers_validate_normalises_good_answers():
    form = form_validate(FORM)
    clean = answers_validate(form, {"kind": "cat", "tags": ["b", "a"], "text": "  hello ", "count": "3"})
    assert clean == {"kind": "cat", "tags": ["a", "b"], "text": "hello", "count": 3}
    assert answers_validate(form, {"kind": "dog", "tags": "c", "text": "abc", "count": 0, "score": "1.5"})[
        "score"] == "1.5"


@pytest.mark.parametrize("answers,field", [
    ({"tags": ["a"], "text": "hello", "count": 1}, "kind"),
    ({"kind": "horse", "tags": ["a"], "text": "hello", "count": 1}, "kind"),
    ({"kind": "cat", "tags": ["a", "b", "c"], "text": "hello", "count": 1}, "tags"),
    ({"kind": "cat", "tags": ["z"], "text": "hello", "count": 1}, "tags"),
    ({"kind": "cat", "tags": ["a"], "text": "hi", "count": 1}, "text"),
    ({"kind": "cat", "tags": ["a"], "text": "far too long here", "count": 1}, "text"),
    ({"kind": "cat", "tags": ["a"], "text": "hello", "count": 11}, "count"),
    ({"kind": "cat", "tags": ["a"], "text": "hello", "count": "1.5"}, "count"),
    ({"kind": "cat", "tags": ["a"], "text": "hello", "count": "NaN"}, "count"),
    ({"kind": "cat", "tags": ["a"], "text": "hello", "count": 1, "score": "3"}, "score"),
    ({"kind": "cat", "tags": ["a"], "text": "hello", "count": 1, "extra": "x"}, "extra"),
])
def test_answers_validate_names_the_bad_field(answers, field):
    with pytest.raises(InvalidAnswers) as info:
        answers_validate(form_validate(FORM), answers)
    assert field in info.value.extra["fields"]


def test_task_data_validate_checks_shown_columns_and_urls():
    form = form_validate(FORM)
    good = {"image_url": "https://x.example/a.jpg", "caption": "A cat", "audio_url": "http://x.example/a.mp3"}
    assert task_data_validate(form, good) == []
    problems = task_data_validate(form, {"image_url": "javascript:alert(1)", "caption": "", "audio_url": "x"})
    assert len(problems) == 3
