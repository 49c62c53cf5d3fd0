"""The organisation's defaults page for its MTurk scripts (/mturk/settings/): the default coop
and the default published rejection reason, used by CreateHIT and RejectAssignment."""

from django.test import Client

from tasks.mturk.models import RequesterDefaults
from tasks.mturk.services import rejection_reason_for
from tests.factories import CoopFactory, organisation


def _staff_client(org):
    browser = Client()
    browser.force_login(org.owner)
    return browser


def test_staff_set_the_default_coop_and_reason_and_rejections_use_them(db):
    tana, ivato = CoopFactory(slug="tana"), CoopFactory(slug="ivato")
    org = organisation(name="Ravina Labs")
    browser = _staff_client(org)
    page = browser.get(f"/mturk/settings/?org={org.pk}")
    assert page.status_code == 200 and "Default rejection reason" in page.content.decode()
    response = browser.post("/mturk/settings/", {"org": org.pk, "coop": ivato.pk, "rejection_reason": "incomplete"})
    assert response.status_code == 302
    defaults = RequesterDefaults.objects.get(organisation=org)
    assert defaults.coop == ivato and defaults.rejection_reason == "incomplete" and defaults.updated_by == org.owner
    assert rejection_reason_for(organisation=org, coop=ivato, feedback="Half of the boxes are missing.") == (
        "incomplete", "Half of the boxes are missing.")
    # a [reason:<code>] prefix still wins
    assert rejection_reason_for(organisation=org, coop=ivato, feedback="[reason:spam] Random letters.")[0] == "spam"
    assert tana.pk != ivato.pk


def test_an_unknown_reason_is_refused_and_nothing_is_saved(db):
    CoopFactory(slug="tana")
    org = organisation(name="Ravina Labs")
    response = _staff_client(org).post("/mturk/settings/", {"org": org.pk, "rejection_reason": "too_slow"})
    assert response.status_code == 400
    assert not RequesterDefaults.objects.exists()


def test_another_organisation_cannot_set_them(db):
    CoopFactory(slug="tana")
    mine, theirs = organisation(name="Ravina Labs"), organisation(name="Other Lab")
    response = _staff_client(theirs).post("/mturk/settings/", {"org": mine.pk, "rejection_reason": "incomplete"})
    assert response.status_code == 404
    assert not RequesterDefaults.objects.exists()


def test_the_page_is_in_french(db):
    CoopFactory(slug="tana")
    org = organisation(name="Ravina Labs")
    browser = _staff_client(org)
    page = browser.get(f"/mturk/settings/?org={org.pk}", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Motif de refus par défaut" in page.content.decode()
