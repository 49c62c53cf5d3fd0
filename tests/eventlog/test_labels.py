"""coop/eventlog/labels.py: every event type in words, in English and French; an unknown type
has no label (the page shows its code); every type the code records has one."""

import pytest
from django.utils import translation

from coop.eventlog import listeners, privacy
from coop.eventlog.labels import EVENT_LABELS, event_label
from coop.federation.models import PARTICIPATION_EVENT_TYPES
from tests.eventlog.recorded_types import PACKAGES, ROOT, recorded_types


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


# --- every recorded event type has a label ----------------------------------------------------
# The types are read from the code (tests/eventlog/recorded_types.py: an AST scan of the
# `event_record` / `event_statement` calls, through the helpers that pass a type on), so a new
# type recorded without a label fails here, not later as a bare code on the audit page.


@pytest.fixture(scope="module")
def scan():
    return recorded_types()


def test_every_recorded_event_type_has_a_label(scan):
    assert scan.unresolved == [], "the scan cannot tell which types these calls record: write the type as a " \
        "literal, or teach tests/eventlog/recorded_types.py the new way"
    assert len(scan.types) >= 150  # the scan sees the code's events, not a corner of it
    assert unlabelled(scan) == {}, "add these types to coop/eventlog/labels.py (with their translations)"


def unlabelled(scan):
    return {code: places for code, places in scan.types.items() if code not in EVENT_LABELS}


@pytest.mark.parametrize("registry", ["personal payloads", "listeners", "participation"])
def test_every_type_a_registry_names_is_recorded_and_labelled(scan, registry):
    """The registries that name event types (who may read a payload, who hears an event, what
    counts as participation) name types the code records, each with a label: a typo in a
    registry would otherwise never match an event."""
    named = {"personal payloads": set(privacy.PERSONAL), "listeners": set(listeners._LISTENERS),
             "participation": set(PARTICIPATION_EVENT_TYPES)}[registry]
    assert named  # filled from the apps' ready()
    assert sorted(named - set(scan.types)) == []
    assert sorted(t for t in named if t not in EVENT_LABELS) == []


# --- the scan itself: it finds what a new service records, and says what it cannot follow -----

SHOP_SERVICES = '''
from coop.eventlog.services import event_record, event_statement


def _event(type_, order, **extra):
    event_record(type=type_, subject=order, payload=extra)


def order_place(*, order):
    _event("shop.order_placed", order)


def order_ship(*, order, express):
    kind = "shop.order_shipped_express" if express else "shop.order_shipped"
    event_record(type=kind, subject=order)


def _step(kind, order):
    event_record(type=f"shop.order_{kind}", subject=order)


def order_pack(*, order):
    _step("packed", order)


def _move(*, event, legs=()):
    return event_statement(**event)


def order_refund(*, order):
    _move(event={"type": "shop.order_refunded", "subject": order})


def order_close(*, order):
    for kind in ("shop.order_closed", "shop.order_archived"):
        event_record(type=kind, subject=order)
'''

SHOP_JOBS = '''
from coop.eventlog.services import event_record as record
from shop import services
from shop.services import _step as step


def nightly(order):
    step("audited", order)
    services._event("shop.order_checked", order)
    record(type="shop.order_noted", subject=order)
'''

SHOP_LATE = '''
from django.conf import settings
from coop.eventlog.services import event_record


def note(order):
    event_record(type=settings.ORDER_EVENT, subject=order)


def relay(type_, order):
    event_record(type=type_, subject=order)


def sweep(order, kinds):
    for kind in kinds:
        event_record(type=kind, subject=order)


def _tell(kind, order):
    event_record(type=kind, subject=order)


def tell_all(orders):
    _tell("shop.order_told", orders[0])
    return [batch_run(_tell, order) for order in orders]
'''


def shop(root, **files):
    (root / "shop").mkdir()
    for name, text in {"__init__": "", **files}.items():
        (root / "shop" / f"{name}.py").write_text(text)


def test_the_scan_follows_helpers_names_fstrings_and_event_dicts(tmp_path):
    shop(tmp_path, services=SHOP_SERVICES, jobs=SHOP_JOBS)
    scan = recorded_types(tmp_path, ("shop",))
    assert scan.unresolved == []
    assert scan.types == {
        "shop.order_audited": ["shop/services.py:19"], "shop.order_checked": ["shop/services.py:6"],
        "shop.order_packed": ["shop/services.py:19"], "shop.order_placed": ["shop/services.py:6"],
        "shop.order_refunded": ["shop/services.py:27"], "shop.order_shipped": ["shop/services.py:15"],
        "shop.order_shipped_express": ["shop/services.py:15"],
        "shop.order_archived": ["shop/services.py:36"], "shop.order_closed": ["shop/services.py:36"],
        "shop.order_noted": ["shop/jobs.py:10"],
    }


def test_the_scan_reports_a_type_it_cannot_follow(tmp_path):
    shop(tmp_path, late=SHOP_LATE)
    scan = recorded_types(tmp_path, ("shop",))
    assert scan.types == {}
    assert scan.unresolved == [
        "shop/late.py:7: settings.ORDER_EVENT",
        "shop/late.py:10: relay() records the type its caller gives as type_, and no call of it was found",
        "shop/late.py:15: kind takes the items of kinds",
        "shop/late.py:25: _tell is handed over as a value, so its calls cannot be read",
    ]


def test_a_new_type_recorded_without_a_label_fails_the_check(tmp_path):
    """The real code beside one new service: its type is the one the check reports."""
    for package in PACKAGES:
        (tmp_path / package).symlink_to(ROOT / package)
    shop(tmp_path, services=SHOP_SERVICES)
    scan = recorded_types(tmp_path, (*PACKAGES, "shop"))
    assert scan.unresolved == []
    assert sorted(unlabelled(scan)) == ["shop.order_archived", "shop.order_closed", "shop.order_packed",
                                        "shop.order_placed", "shop.order_refunded", "shop.order_shipped",
                                        "shop.order_shipped_express"]
