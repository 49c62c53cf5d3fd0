"""The feed's project cards with their words and links made once per page (issue 18).

Drawn by the template, each card cost about 3 URL reversals, 3-5 `blocktranslate`s and 15
localized values, 50 times a page: most of the feed's CPU. Here each link pattern is reversed
once per page and filled with the card's id or slug, and the sentences are translated in
Python from the same msgids, with their values localized and escaped as `blocktranslate`
does, so the page is the same to the byte (tests/tasks/test_cards.py renders both ways)."""

from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coop.core.money import format_amount
from coop.federation.labels import category_label

ID = 2147483647  # stands for a card's id in a link reversed once (no real id reaches it in a page)
SLUG = "atelier-slug-of-the-card"


class Links:
    """The feed's link patterns, reversed once; `of(name, value)` fills one in."""

    def __init__(self):
        self.patterns = {
            "project": reverse("tasks:project", args=[ID]), "claim": reverse("tasks:claim", args=[ID]),
            "watch": reverse("tasks:watch", args=[ID]),
            "organisation": reverse("accounts:organisation_profile", args=[SLUG]),
            "record": reverse("appeals:record", args=[SLUG]),
        }
        self.feed = reverse("tasks:feed")

    def of(self, name, value):
        return self.patterns[name].replace(SLUG if isinstance(value, str) else str(ID), str(value))


def _sentence(text, **values):
    """A `blocktranslate` sentence: the translation of `text` with its values localized and
    escaped, the result safe (a translation is trusted, as the template tag trusts it)."""
    return mark_safe(_(text) % {k: conditional_escape(localize(v)) for k, v in values.items()})


def _plural(singular, plural, count, name, **values):
    return mark_safe(ngettext(singular, plural, count) % {
        name: conditional_escape(localize(count)), **{k: conditional_escape(localize(v)) for k, v in values.items()}})


def _money(minor):
    return "" if minor in (None, "") else format_amount(int(minor))


def _purpose(code):
    """A project's stated purpose in words (tasks/_transparency.html, as the project page says it)."""
    if code == "model_training":
        return _("training a model")
    if code == "research":
        return _("research")
    if code == "moderation":
        return _("moderation")
    return _("other")


def _published(value):
    if value is True:
        return _("the data will be published")
    if value is False:
        return _("the data will not be published")
    return None


def feed_card(row, *, links, now):
    """The words and links of one feed card; `row` is the view's row (project, reasons,
    record, flags, watching)."""
    p = row["project"]
    slug = p.organisation.slug
    card = {
        "id": str(p.pk), "title": p.title, "paused": p.status == "paused", "url": links.of("project", p.pk),
        "hourly": format_amount(p.hourly_rate), "category": category_label(p.category),
        "reward": _sentence("%(r)s a task", r=_money(p.reward)),
        "minutes": _plural("about %(n)s minute", "about %(n)s minutes", p.estimated_minutes, "n"),
        "remaining": _plural("%(n)s task left", "%(n)s tasks left", p.remaining, "n"),
        "organisation": p.organisation.name, "organisation_url": links.of("organisation", slug),
        "can_claim": p.status == "open" and bool(p.remaining) and not row["reasons"],
        "may_watch": p.status == "paused" or not p.remaining,
        "end_client": p.end_client, "purpose": _purpose(p.purpose) if p.purpose else "",
        "purpose_text": p.purpose_text, "published": _published(p.data_published),
    }
    card["claim_url" if card["can_claim"] else "details_url"] = links.of(
        "claim" if card["can_claim"] else "project", p.pk)
    if card["may_watch"]:
        card["watch_url"] = links.of("watch", p.pk)
    record = row["record"]
    if record and record.get("reviewed"):
        card["record_url"] = links.of("record", slug)
        card["record"] = _plural(
            "record: paid %(pay)s/h, %(rate)s%% rejected, %(lost)s appeal lost",
            "record: paid %(pay)s/h, %(rate)s%% rejected, %(lost)s appeals lost", record["appeals_lost"], "lost",
            pay=_money(record.get("hourly_pay")) or "—", rate=record.get("rejection_rate_pct"))
    if p.fair_share_until and p.fair_share_until > now:
        card["fair_share"] = _plural(
            "at most %(n)s task per member until %(when)s", "at most %(n)s tasks per member until %(when)s",
            p.fair_share_cap or 1, "n", when=date_format(localtime(p.fair_share_until), "D j M, H:i T"))
    return card
