"""The feed's project cards with their words and links made once per page (issue 18).

Drawn by the template, each card cost about 3 URL reversals, 3-5 `blocktranslate`s and 15
localized values, 50 times a page: most of the feed's CPU. Here each link pattern is reversed
once per page and filled with the card's id or slug, and the sentences are translated in
Python from the same msgids, with their values localized and escaped as `blocktranslate`
does, so the page is the same to the byte (tests/tasks/test_cards.py renders both ways).

The part of a card that is the same for every member (`tasks/_feed_card.html`: title, pay,
what is left, the requester, transparency, sensitive data) is drawn once and kept in this
process, keyed by everything it shows: `card_facts` reads those from the project, and the
drawing sees only them (`feed_card`), in the language and time zone of the key, so a key names
one drawing and a card whose facts changed (a task claimed, a reward raised) is drawn anew.
What depends on the member (their reasons, the buttons and their CSRF token) is drawn by the
page each time."""

from datetime import datetime
from typing import NamedTuple

from django.template.loader import get_template
from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone_name, localtime
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from coop.core.money import format_amount
from coop.federation.labels import category_label
from tasks.models import DATA_FLAGS
from tasks.transparency import legal_reason_label, purpose_label

FLAG_LABELS = dict(DATA_FLAGS)

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


def _published(value):
    if value is True:
        return _("the data will be published")
    if value is False:
        return _("the data will not be published")
    return None


def feed_actions(row, *, links):
    """What the member may do from a card (their own: drawn by the page each time)."""
    p = row["project"]
    actions = {"can_claim": p.status == "open" and bool(p.remaining) and not row["reasons"],
               "may_watch": p.status == "paused" or not p.remaining}
    if actions["can_claim"]:
        actions["claim_url"] = links.of("claim", p.pk)
    else:
        actions["details_url"] = links.of("project", p.pk)
    if actions["may_watch"]:
        actions["watch_url"] = links.of("watch", p.pk)
    return actions


class CardFacts(NamedTuple):
    """Everything a card's head shows, read from the project, its requester's record and the
    clock: `feed_card` draws from these alone, so they key the drawing."""

    id: int
    title: str
    status: str
    hourly: int
    reward: int
    minutes: int
    remaining: int
    category: str
    organisation: str
    slug: str
    record: tuple | None  # (hourly pay, rejection rate %, appeals lost) once reviewed
    fair_share_until: datetime | None  # while the window is open
    fair_share_cap: int | None
    end_client: str
    purpose: str
    purpose_text: str
    data_published: bool | None
    flags: tuple
    legal_reason: str = ""  # issue 23: why it is open only in some countries, with its sentence
    legal_reason_text: str = ""


def card_facts(row, *, now) -> CardFacts:
    p, record = row["project"], row["record"]
    until = p.fair_share_until if p.fair_share_until and p.fair_share_until > now else None
    return CardFacts(
        p.pk, p.title, p.status, p.hourly_rate, p.reward, p.estimated_minutes, p.remaining, p.category,
        p.organisation.name, p.organisation.slug,
        (record.get("hourly_pay"), record.get("rejection_rate_pct"), record["appeals_lost"])
        if record and record.get("reviewed") else None,
        until, p.fair_share_cap if until else None, p.end_client, p.purpose, p.purpose_text, p.data_published,
        tuple(p.data_flags or ()), p.legal_reason, p.legal_reason_text)


def feed_card(f: CardFacts, *, links) -> dict:
    """The words and links of a card's head (the same for every member) from its facts alone."""
    card = {
        "id": str(f.id), "title": f.title, "paused": f.status == "paused", "url": links.of("project", f.id),
        "hourly": format_amount(f.hourly), "category": category_label(f.category),
        "reward": _sentence("%(r)s a task", r=_money(f.reward)),
        "minutes": _plural("about %(n)s minute", "about %(n)s minutes", f.minutes, "n"),
        "remaining": _plural("%(n)s task left", "%(n)s tasks left", f.remaining, "n"),
        "organisation": f.organisation, "organisation_url": links.of("organisation", f.slug),
        "end_client": f.end_client, "purpose": purpose_label(f.purpose),
        "purpose_text": f.purpose_text, "published": _published(f.data_published),
        "flags": [FLAG_LABELS.get(code, code) for code in f.flags],
        "legal_reason": legal_reason_label(f.legal_reason),
        "legal_reason_text": f.legal_reason_text,
    }
    if f.record is not None:
        pay, rate, lost = f.record
        card["record_url"] = links.of("record", f.slug)
        card["record"] = _plural(
            "record: paid %(pay)s/h, %(rate)s%% rejected, %(lost)s appeal lost",
            "record: paid %(pay)s/h, %(rate)s%% rejected, %(lost)s appeals lost", lost, "lost",
            pay=_money(pay) or "—", rate=rate)
    if f.fair_share_until is not None:
        card["fair_share"] = _plural(
            "at most %(n)s task per member until %(when)s", "at most %(n)s tasks per member until %(when)s",
            f.fair_share_cap or 1, "n", when=date_format(localtime(f.fair_share_until), "D j M, H:i T"))
    return card


HEADS_MAX = 4096  # drawn card heads kept per process (a few KB each); all dropped when full
_HEADS = {}


def card_head(facts: CardFacts, *, links) -> str:
    """The member-independent part of a card (safe HTML): drawn from its facts once per
    language, time zone and link prefix, then taken from this process's memory."""
    key = (get_language(), get_current_timezone_name(), links.patterns["project"], facts)
    head = _HEADS.get(key)
    if head is None:
        head = mark_safe(get_template("tasks/_feed_card.html").render({"p": feed_card(facts, links=links)}))
        if len(_HEADS) >= HEADS_MAX:
            _HEADS.clear()
        _HEADS[key] = head
    return head


class Tail:
    """The words and the CSRF field of the member's part of a card (reasons and buttons),
    translated and made once per page; `draw(row)` writes one card's part as the feed template
    did per card (tests/tasks/test_cards.py: the same to the byte)."""

    def __init__(self, *, links, csrf_token):
        self.links = links
        self.csrf = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
        self.take = _("Take a task")
        self.details = _("Details")
        self.stop_button = '<input type="hidden" name="stop" value="1"><button class="link">' + _("Stop telling me") + (
            "</button>")
        self.tell_button = '<button class="link">' + _("Tell me when it opens") + "</button>"
        self.support = format_html(' <a class="support-link" href="{}">{}</a>', reverse("tasks:support"),
                                   mark_safe(_("Someone to talk to")))
        self.next = conditional_escape(links.feed)

    def draw(self, row, actions) -> str:
        parts = ["  "]
        if row["reasons"]:
            parts.append('\n    <ul class="reasons">')
            for r in row["reasons"]:
                parts += ['<li class="muted" data-code="', conditional_escape(r["code"]), '">',
                          conditional_escape(r["message"]), self.support if r["code"] in SUPPORT_CODES else "",
                          "</li>"]
            parts.append("</ul>\n  ")
        parts.append("\n  <p>\n  ")
        if actions["can_claim"]:
            parts += ['\n    <form method="post" action="', conditional_escape(actions["claim_url"]),
                      '" class="inline">', self.csrf, "<button>", self.take, "</button></form>\n  "]
        else:
            parts += ['\n    <a class="button secondary" href="', conditional_escape(actions["details_url"]), '">',
                      self.details, "</a>\n  "]
        parts.append("\n  ")
        if actions["may_watch"]:
            parts += ['\n    <form method="post" action="', conditional_escape(actions["watch_url"]),
                      '" class="inline">', self.csrf, '<input type="hidden" name="next" value="', self.next, '">\n    ',
                      self.stop_button if row["watching"] else self.tell_button, "</form>\n  "]
        parts.append("\n  </p>\n</article>\n")
        return mark_safe("".join(parts))


SUPPORT_CODES = ("exposure_daily_limit", "exposure_pause")
