"""coop/federation/labels.py: pages show a rulebook code through its label, in the reader's
language; a coop's own words are shown as it wrote them."""

from django.utils import translation

from coop.federation.labels import category_label, code_label, reason_text
from coop.federation.rulebook import REJECTION_REASONS


def test_a_known_code_has_a_label_in_the_readers_language():
    with translation.override("en"):
        assert str(code_label("bank_transfer")) == "Bank transfer"
    with translation.override("fr"):
        assert str(code_label("bank_transfer")) == "Virement bancaire"


def test_an_unknown_code_or_category_is_shown_as_written():
    assert code_label("carrier_pigeon") == "carrier_pigeon"
    assert category_label("beekeeping") == "beekeeping"
    with translation.override("en"):
        assert str(category_label("data-entry")) == "data entry"


def test_a_default_reason_is_read_in_the_readers_language():
    reasons = dict(REJECTION_REASONS)
    with translation.override("en"):
        assert str(reason_text(reasons, "incomplete")) == "The answer is incomplete."
    with translation.override("fr"):
        assert str(reason_text(reasons, "incomplete")) == "La réponse est incomplète."


def test_a_reason_the_coop_wrote_is_shown_as_written():
    reasons = {**REJECTION_REASONS, "incomplete": "Il manque des réponses."}
    with translation.override("en"):
        assert reason_text(reasons, "incomplete") == "Il manque des réponses."


def test_a_reason_missing_from_the_rulebook_falls_back_to_the_default_or_its_code():
    with translation.override("en"):
        assert str(reason_text({}, "spam")) == "The submission is empty, random or copied."
    assert reason_text(None, "made_up") == "made_up"
