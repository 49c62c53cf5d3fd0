"""coop/federation/forms.py: applications and reasons (long enough, no NUL), the suspension's
articles, and the operator's coop form (slug, two-letter country, steward emails)."""

import pytest

from coop.federation.forms import ApplyForm, CoopCreateForm, ReasonForm, SuspendForm
from coop.federation.models import Article
from tests.factories import CoopFactory


def test_reason_form_needs_ten_characters_and_no_nul():
    assert ReasonForm({"reason": "Spam in the forum."}).is_valid()
    assert "reason" in ReasonForm({"reason": "short"}).errors
    assert "reason" in ReasonForm({"reason": "Long enough\x00 but NUL"}).errors


def test_suspend_form_offers_the_rulebooks_articles():
    articles = [Article(number=3, title="Respect"), Article(number=5, title="Honest work")]
    form = SuspendForm({"article": "5", "reason": "Copied answers from a bot."}, articles=articles)
    assert form.is_valid() and form.cleaned_data["article"] == 5
    assert [c[0] for c in form.fields["article"].choices] == ["", 3, 5]
    assert "article" in SuspendForm({"article": "9", "reason": "Copied answers."}, articles=articles).errors


def test_coop_create_form_cleans_stewards_and_country():
    form = CoopCreateForm({"name": "Coop Tana", "slug": "tana", "country": "mg",
                           "stewards": " Ana@X.org ; bob@x.org,, "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["stewards"] == ["ana@x.org", "bob@x.org"]
    bad = CoopCreateForm({"name": "Coop", "slug": "Not a slug!", "country": "M1", "stewards": "nobody"})
    assert set(bad.errors) == {"slug", "country", "stewards"}


@pytest.mark.django_db
def test_apply_form_chooses_an_existing_coop():
    coop = CoopFactory()
    assert ApplyForm({"coop": coop.pk, "statement": "I label images."}).is_valid()
    assert "coop" in ApplyForm({"coop": coop.pk + 100, "statement": "I label images."}).errors
