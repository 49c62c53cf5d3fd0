"""The richer question kinds (issue 20): Likert scale, comparison, highlighting, audio
transcription, boxes on an image. Each definition is checked with a per-field path and
message; each answer is checked and normalised; boxes and passages typed as text (the page
without JavaScript) give the same answer as the JSON list the API sends."""

import json

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.errors import InvalidAnswers, InvalidForm
from tasks.questions import answer_cell, answers_validate, form_columns, form_validate, render_fields

FORM = [
    {"name": "mood", "type": "likert", "label": "Mood", "points": 5, "low_label": "bad", "high_label": "good"},
    {"name": "better", "type": "comparison", "label": "Better?", "items": "image", "left": "img_a",
     "right": "img_b", "allow_tie": True},
    {"name": "names", "type": "highlight", "label": "Names", "source": "comment", "classes": ["person", "place"],
     "min": 1, "max": 3},
    {"name": "said", "type": "audio_transcription", "label": "Said", "audio": "clip", "max_length": 50},
    {"name": "boxes", "type": "bounding_boxes", "label": "Boxes", "image": "photo", "classes": ["car", "bike"],
     "min": 1, "max": 2},
]
DATA = {"img_a": "https://x.example/a.jpg", "img_b": "https://x.example/b.jpg",
        "comment": "Rakoto went to Antsirabe with Rakoto.", "clip": "https://x.example/c.mp3",
        "photo": "https://x.example/p.jpg"}
GOOD = {"mood": "4", "better": "tie", "names": [{"start": 0, "end": 6, "label": "person"}], "said": " hello ",
        "boxes": [{"x": 1, "y": 2, "w": 30, "h": 40, "label": "car"}]}


def test_every_new_kind_is_accepted_and_names_its_columns():
    form = form_validate(FORM)
    assert [f["type"] for f in form] == ["likert", "comparison", "highlight", "audio_transcription", "bounding_boxes"]
    assert form_columns(form) == {"img_a": "image", "img_b": "image", "comment": "text", "clip": "audio",
                                  "photo": "image"}


def test_good_answers_are_normalised():
    clean = answers_validate(form_validate(FORM), GOOD, DATA)
    assert clean == {"mood": 4, "better": "tie", "said": "hello",
                     "names": [{"start": 0, "end": 6, "label": "person", "text": "Rakoto"}],
                     "boxes": [{"x": 1, "y": 2, "w": 30, "h": 40, "label": "car"}]}
    assert json.loads(answer_cell(clean["boxes"])) == clean["boxes"]
    assert answer_cell(4) == 4 and answer_cell(None) == ""


@pytest.mark.parametrize("field,path,words", [
    ({"type": "likert", "points": 12}, "[0].points", "2 to 11"),
    ({"type": "likert", "points": True}, "[0].points", "2 to 11"),
    ({"type": "likert", "low_label": ["x"]}, "[0].low_label", "100 characters"),
    ({"type": "comparison", "left": "a", "right": "a"}, "[0].right", "another column"),
    ({"type": "comparison", "left": "a", "right": "b", "items": "video"}, "[0].items", "text, image or audio"),
    ({"type": "comparison", "left": "A b", "right": "b"}, "[0].left", "CSV column"),
    ({"type": "highlight", "classes": ["x"]}, "[0].source", "CSV column"),
    ({"type": "highlight", "source": "t", "classes": []}, "[0].classes", "1 to 50"),
    ({"type": "highlight", "source": "t", "classes": ["a", "a"]}, "[0].classes", "1 to 50"),
    ({"type": "highlight", "source": "t", "classes": ["a"], "min": 5, "max": 2}, "[0].max", "at least min"),
    ({"type": "audio_transcription", "audio": "clip", "max_length": 0}, "[0].max_length", "from 1 to"),
    ({"type": "audio_transcription"}, "[0].audio", "CSV column"),
    ({"type": "bounding_boxes", "image": "photo"}, "[0].classes", "1 to 50"),
    ({"type": "bounding_boxes", "image": "photo", "classes": ["c"], "max": 201}, "[0].max", "from 1 to 200"),
    ({"type": "bounding_boxes", "image": "photo", "classes": ["c"], "choices": ["a", "b"]}, "[0].choices",
     "unknown key"),
    ({"type": "rating"}, "[0].type", "must be one of"),
])
def test_each_bad_definition_names_its_path_and_says_why(field, path, words):
    with pytest.raises(InvalidForm) as info:
        form_validate([{"name": "q", "label": "Q", **field}])
    paths = info.value.extra["paths"]
    assert path in [p["path"] for p in paths], paths
    assert any(words in p["message"] for p in paths if p["path"] == path), paths
    assert any(text.startswith("Field 1 (q), ") for text in info.value.extra["errors"])


def test_errors_are_in_french_for_a_french_requester():
    with translation.override("fr"), pytest.raises(InvalidForm) as info:
        form_validate([{"name": "q", "label": "Q", "type": "likert", "points": 1},
                       {"name": "q", "label": "R", "type": "text"}])
    assert info.value.extra["paths"][0]["path"] == "[0].points"
    assert info.value.extra["errors"][0].startswith("Champ 1 (q), points : ")
    assert "utilisé deux fois" in info.value.extra["errors"][1]


@pytest.mark.parametrize("answers,field,words", [
    ({"mood": 6}, "mood", "1 to 5"),
    ({"mood": "2.5"}, "mood", "1 to 5"),
    ({"better": "both"}, "better", "equal"),
    ({"names": []}, "names", "needs an answer"),
    ({"names": [{"start": 0, "end": 99, "label": "person"}]}, "names", "length"),
    ({"names": [{"start": 3, "end": 3, "label": "person"}]}, "names", "start < end"),
    ({"names": [{"start": 0, "end": 6, "label": "animal"}]}, "names", "not a label"),
    ({"names": "person: Paris"}, "names", "not in the text"),
    ({"said": "x" * 51}, "said", "between 1 and 50"),
    ({"boxes": [{"x": -1, "y": 0, "w": 5, "h": 5, "label": "car"}]}, "boxes", "at least 0"),
    ({"boxes": [{"x": 0, "y": 0, "w": 0, "h": 5, "label": "car"}]}, "boxes", "at least 1"),
    ({"boxes": [{"x": 0, "y": 0, "w": 5, "h": 5}]}, "boxes", "label among"),
    ({"boxes": [{"x": 0, "y": 0, "w": 5, "h": 5, "label": "car", "z": 1}]}, "boxes", "x, y, w, h"),
    ({"boxes": "car: 1 2 3"}, "boxes", "Line 1"),
    ({"boxes": "car: 1 2 3 4\nbike: 1 2 3 4\ncar: 5 5 5 5"}, "boxes", "between 1 and 2"),
    ({"boxes": "[{broken"}, "boxes", "not valid JSON"),
])
def test_each_bad_answer_is_refused_under_its_question(answers, field, words):
    form = form_validate(FORM)
    with pytest.raises(InvalidAnswers) as info:
        answers_validate(form, {**GOOD, **answers}, DATA)
    assert words in info.value.extra["fields"][field], info.value.extra


def test_boxes_and_passages_typed_without_javascript_give_the_same_answer():
    form = form_validate(FORM)
    typed = {**GOOD, "boxes": "car: 1 2 30 40\n\nbike: 0, 0, 5, 6",
             "names": "person: Rakoto\nperson: Rakoto\nplace: Antsirabe"}
    clean = answers_validate(form, typed, DATA)
    assert clean["boxes"] == [{"x": 1, "y": 2, "w": 30, "h": 40, "label": "car"},
                              {"x": 0, "y": 0, "w": 5, "h": 6, "label": "bike"}]
    # the second "Rakoto" is the later one in the text: passages are found in reading order
    assert [(s["start"], s["end"], s["label"]) for s in clean["names"]] == [(0, 6, "person"), (15, 24, "place"),
                                                                          (30, 36, "person")]
    assert {s["text"] for s in clean["names"]} == {"Rakoto", "Antsirabe"}


def test_a_page_shows_the_stored_answer_as_the_lines_it_reads_back():
    form = form_validate(FORM)
    clean = answers_validate(form, GOOD, DATA)
    rows = {r["name"]: r for r in render_fields(form, DATA, clean)}
    assert rows["boxes"]["value"] == "car: 1 2 30 40"
    assert rows["boxes"]["image_value"] == DATA["photo"]
    assert rows["names"]["value"] == "@0-6 person: Rakoto"
    assert rows["better"]["compare_items"] == [("left", DATA["img_a"]), ("right", DATA["img_b"])]
    assert rows["mood"]["points_range"] == ["1", "2", "3", "4", "5"] and rows["mood"]["value"] == "4"
    again = answers_validate(form, {**GOOD, "boxes": rows["boxes"]["value"], "names": rows["names"]["value"]}, DATA)
    assert again == clean


def test_optional_list_kinds_may_stay_empty():
    form = form_validate([{"name": "b", "type": "bounding_boxes", "label": "B", "image": "p", "classes": ["c"],
                           "min": 0, "required": False}])
    assert answers_validate(form, {"b": ""}) == {"b": []}
    assert answers_validate(form, {"b": "12 13 14 15"}) == {"b": [{"x": 12, "y": 13, "w": 14, "h": 15,
                                                                   "label": "c"}]}


# --- properties ------------------------------------------------------------------------------

names = st.from_regex(r"^[a-z][a-z0-9_]{0,10}$", fullmatch=True)
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
                max_size=20).filter(str.strip)
classes = st.lists(texts, min_size=1, max_size=4, unique=True)
fields = st.one_of(
    st.builds(lambda p, lo, hi: {"type": "likert", "points": p, "low_label": lo, "high_label": hi},
              st.integers(2, 11), texts, texts),
    st.builds(lambda i, t: {"type": "comparison", "items": i, "left": "col_a", "right": "col_b", "allow_tie": t},
              st.sampled_from(["text", "image", "audio"]), st.booleans()),
    st.builds(lambda c, lo: {"type": "highlight", "source": "col_t", "classes": c, "min": lo, "max": lo + 3},
              classes, st.integers(0, 5)),
    st.builds(lambda lo: {"type": "audio_transcription", "audio": "col_s", "min_length": lo, "max_length": lo + 10},
              st.integers(0, 50)),
    st.builds(lambda c, lo: {"type": "bounding_boxes", "image": "col_i", "classes": c, "min": lo, "max": lo + 2},
              classes, st.integers(0, 5)),
)


@st.composite
def forms(draw):
    kinds = draw(st.lists(fields, min_size=1, max_size=5))
    labels = draw(st.lists(texts, min_size=len(kinds), max_size=len(kinds)))
    required = draw(st.lists(st.booleans(), min_size=len(kinds), max_size=len(kinds)))
    return [{"name": f"f{i}", "label": label, "required": req, **kind}
            for i, (kind, label, req) in enumerate(zip(kinds, labels, required, strict=True))]


@settings(max_examples=60, deadline=None)
@given(forms())
def test_a_checked_form_checks_again_unchanged_and_survives_json(form):
    clean = form_validate(form)
    assert form_validate(clean) == clean
    assert form_validate(json.loads(json.dumps(clean, ensure_ascii=False))) == clean
    # the requester's own keys come back as written (the builder's JSON round-trips)
    for mine, theirs in zip(form, clean, strict=True):
        assert {k: v for k, v in theirs.items() if k in mine} == mine


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 5000), st.integers(1, 5000), st.integers(1, 5000),
                          st.sampled_from(["car", "bike"])), min_size=1, max_size=2))
def test_boxes_round_trip_through_the_page_text(raw):
    form = form_validate([FORM[4]])
    boxes = [{"x": x, "y": y, "w": w, "h": h, "label": label} for x, y, w, h, label in raw]
    clean = answers_validate(form, {"boxes": boxes})
    text = render_fields(form, DATA, clean)[0]["value"]
    assert answers_validate(form, {"boxes": text}) == clean == {"boxes": boxes}
