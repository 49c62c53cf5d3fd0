"""The stewards' "help translate" page (issue 23): download the coop language's catalogue,
upload a corrected one (checked whole with polib, refused with the reason and nothing
changed), in use at once without a restart."""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coop.core import translation as runtime
from coop.core.catalogues import catalogue_compile
from coop.eventlog.models import Event
from tests.factories import CoopFactory, member, steward

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"


@pytest.fixture
def catalogue(tmp_path, settings):
    """A copy of the Malagasy catalogue in a locale path of its own (the first: where imports go)."""
    target = tmp_path / "mg" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(LOCALE / "mg" / "LC_MESSAGES" / "django.po", target / "django.po")
    catalogue_compile(target / "django.po")
    settings.LOCALE_PATHS = [tmp_path]
    yield target / "django.po"
    runtime.reload()


@pytest.fixture
def tana_steward(client):
    user = steward(CoopFactory(country="MG")).user
    client.force_login(user)
    return user


def upload(client, content, name="atelier-mg.po"):
    return client.post(reverse("federation:translate"), {"catalogue": SimpleUploadedFile(name, content)})


def edited(path, **changes):
    po = polib.pofile(str(path))
    for msgid, text in changes.items():
        entry = po.find(msgid)
        entry.msgstr = text
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
    return str(po).encode()


def test_the_page_shows_the_coops_language_and_its_counts(client, catalogue, tana_steward):
    page = client.get(reverse("federation:translate")).content.decode()
    counts = polib.pofile(str(catalogue))
    assert "Malagasy" in page
    assert f'id="count-fuzzy">{len(counts.fuzzy_entries())}<' in page
    assert 'id="count-translated">0<' in page


def test_the_catalogue_downloads_as_it_is(client, catalogue, tana_steward):
    response = client.get(reverse("federation:translate_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="atelier-mg.po"'
    assert response.content == catalogue.read_bytes()


def test_an_accepted_catalogue_is_in_use_at_once(client, catalogue, tana_steward):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "mg"
    assert "Kitapom-bola" in client.get(reverse("ledger:wallet")).content.decode()
    response = upload(client, edited(catalogue, Wallet="Poketra"))
    assert response.status_code == 302
    assert polib.pofile(str(catalogue)).find("Wallet").msgstr == "Poketra"
    event = Event.objects.get(type="translation.imported")
    assert event.payload_json["language"] == "mg" and event.payload_json["translated"] == 1
    page = client.get(reverse("ledger:wallet")).content.decode()
    assert "<h1>Poketra</h1>" in page  # no restart
    assert 'id="count-translated">1<' in client.get(reverse("federation:translate")).content.decode()


@pytest.mark.parametrize(("content", "reason"), [
    (b"msgid \"Wallet\"\nmsgstr \"x\"\nmsgid", "not a valid .po"),  # does not parse
    (b"\xff\xfe garbage", "UTF-8"),
    (b'msgid ""\nmsgstr ""\n"Language: sw\\n"\n\nmsgid "Wallet"\nmsgstr "Pochi"\n', "sw"),  # another language
    (b'msgid ""\nmsgstr ""\n"Language: mg\\n"\n\nmsgid "Not a string of Atelier"\nmsgstr "x"\n', "not one of"),
    (b'msgid ""\nmsgstr ""\n"Language: mg\\n"\n\nmsgid "Solidarity fund of %(name)s"\nmsgstr "Tahiry %(anarana)s"\n',
     "placeholders"),
    (b'msgid ""\nmsgstr ""\n"Language: mg\\n"\n\nmsgid "Wallet"\nmsgstr "a"\n\nmsgid "Wallet"\nmsgstr "b"\n',
     "not a valid .po"),  # a duplicate msgid
])
def test_a_broken_catalogue_is_refused_and_nothing_changes(client, catalogue, tana_steward, content, reason):
    before = catalogue.read_bytes(), catalogue.with_suffix(".mo").read_bytes()
    response = upload(client, content)
    assert response.status_code == 400
    shown = " ".join(str(m) for m in response.context["messages"])
    assert reason in shown
    assert (catalogue.read_bytes(), catalogue.with_suffix(".mo").read_bytes()) == before
    assert not Event.objects.filter(type="translation.imported").exists()


def test_no_file_is_refused(client, catalogue, tana_steward):
    assert client.post(reverse("federation:translate")).status_code == 400


def test_stewards_only_and_only_for_a_language_atelier_ships(client, catalogue):
    client.force_login(member(CoopFactory(country="MG")).user)
    assert client.get(reverse("federation:translate")).status_code == 403
    assert client.get(reverse("federation:translate_export")).status_code == 403
    assert upload(client, catalogue.read_bytes()).status_code == 403
    client.force_login(steward(CoopFactory(country="NG")).user)
    page = client.get(reverse("federation:translate"))
    assert page.status_code == 200 and "no catalogue in your coop&#x27;s language" in page.content.decode()
    assert upload(client, catalogue.read_bytes()).status_code == 400
    assert client.get(reverse("federation:translate_export")).status_code == 302
