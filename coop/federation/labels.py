"""Words for the codes the rulebook stores (issue 16, point 3): pages show a code through its
label, in the reader's language, never the code itself.

The default rejection reasons are the federation's text, stored in each rulebook as written
in English; a coop that kept a default reads it in the reader's language, and a reason a
coop wrote itself is shown as the coop wrote it."""

from django.utils.translation import gettext_lazy as _

from coop.federation.rulebook import REJECTION_REASONS

CHOICE_LABELS = {
    "fair_share": _("Fair share (each member their part of a new batch first)"),
    "first_come": _("First come, first served"),
    "optional": _("optional"),
    "required": _("required"),
    "mobile_money": _("Mobile money"),
    "bank_transfer": _("Bank transfer"),
    "mvola": _("MVola (Madagascar)"),
    "orange_money_mg": _("Orange Money (Madagascar)"),
    "airtel_money_mg": _("Airtel Money (Madagascar)"),
    "mpesa": _("M-Pesa (Kenya)"),
    "opay": _("OPay (Nigeria)"),
    "paga": _("Paga (Nigeria)"),
    "orange_money_wa": _("Orange Money (West Africa)"),
    "wave": _("Wave (West Africa)"),
    "pago_movil": _("Pago Móvil (Venezuela)"),
    "cash_pickup": _("Cash pick-up"),
    "personal_data": _("personal data"),
    "faces_or_identity_documents": _("faces or identity documents"),
    "adult_content": _("adult content"),
    "violent_or_graphic": _("violent or graphic content"),
    "abuse_material_review": _("review of hateful or sexual abuse material"),
    "quarter": _("a quarter (three months)"),
    "half_year": _("half a year"),
    "year": _("a year"),
    "paid_minutes": _("paid minutes of approved work"),
    "amount": _("amount earned by approved work"),
}

# Project categories are a requester's short word (a slug); the usual ones have a label, any
# other is shown as written.
CATEGORY_LABELS = {
    "transcription": _("transcription"),
    "labelling": _("labelling"),
    "labeling": _("labelling"),
    "rating": _("rating"),
    "translation": _("translation"),
    "moderation": _("moderation"),
    "survey": _("survey"),
    "annotation": _("annotation"),
    "audio": _("audio"),
    "image": _("image"),
    "text": _("text"),
    "search": _("search relevance"),
    "data-entry": _("data entry"),
}

# The same texts as rulebook.REJECTION_REASONS, so `make messages` finds them.
DEFAULT_REASONS = {
    "instructions_not_followed": _("The instructions were not followed."),
    "incomplete": _("The answer is incomplete."),
    "wrong_answer": _("The answer is wrong against a checked reference."),
    "spam": _("The submission is empty, random or copied."),
    "duplicate": _("The same work was submitted twice."),
}
assert {c: str(t._args[0]) for c, t in DEFAULT_REASONS.items()} == REJECTION_REASONS  # noqa: S101

REASON_NAMES = {
    "instructions_not_followed": _("Instructions not followed"),
    "incomplete": _("Incomplete"),
    "wrong_answer": _("Wrong answer"),
    "spam": _("Spam"),
    "duplicate": _("Duplicate"),
}


def code_label(code):
    """The label of a rulebook code (a payout method, an allocation policy, a data category)."""
    return CHOICE_LABELS.get(code, code)


def category_label(category):
    return CATEGORY_LABELS.get(category, category)


def reason_text(reasons, code):
    """The text of rejection reason `code` in a rulebook's `reasons`: the federation's default in
    the reader's language, or what the coop wrote. A lazy string for the defaults."""
    text = (reasons or {}).get(code)
    if text is None:
        return DEFAULT_REASONS.get(code, code)
    if REJECTION_REASONS.get(code) == text:
        return DEFAULT_REASONS[code]
    return text


def reasons_shown(reasons):
    """{code: text} with each default reason in the reader's language."""
    return {code: reason_text(reasons, code) for code in (reasons or {})}


def reason_name(code):
    """A short name for a reason code (a coop's own codes are shown as they are)."""
    return REASON_NAMES.get(code, code.replace("_", " "))
