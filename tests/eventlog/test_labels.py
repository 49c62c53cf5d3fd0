"""coop/eventlog/labels.py: every event type in words, in English and French; an unknown type
has no label (the page shows its code)."""

from django.utils import translation

from coop.eventlog.labels import EVENT_LABELS, event_label


def test_event_label_in_both_languages():
    assert event_label("assignment.approved") == "Work approved"
    with translation.override("fr"):
        assert str(event_label("assignment.approved")) == "Travail approuvé"
    assert event_label("no.such_type") is None


def test_every_label_has_a_french_translation():
    with translation.override("en"):
        english = {code: str(label) for code, label in EVENT_LABELS.items()}
    with translation.override("fr"):
        untranslated = sorted(code for code, label in EVENT_LABELS.items() if str(label) == english[code])
    assert untranslated == []
