"""Browser walk: register an organisation, accept the terms, create a key, call the API with it."""

import json
import urllib.request

import pytest

from accounts.models import ApiKey, TermsAcceptance
from tests.factories import TermsVersionFactory, UserFactory
from tests.factories.federation import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_requester_registers_accepts_terms_and_uses_a_key(allow_async_unsafe, live_server, page):
    TermsVersionFactory(text="We pay **at least** the floor rate.")
    user = UserFactory(email="founder@lab.example")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.click("main >> text=Register an organisation")
    page.fill("#id_name", "Nord Speech Lab")
    page.fill("#id_country", "fr")
    page.fill("#id_website", "https://nord.example")
    page.click("main button[type=submit]")

    # the terms page, rendered from Markdown, with the accept button
    assert page.locator("main strong", has_text="at least").is_visible()
    page.click("text=Accept these terms for Nord Speech Lab")
    assert page.locator("text=Version 1 accepted on").is_visible()
    assert TermsAcceptance.objects.filter(organisation__name="Nord Speech Lab", version__number=1).exists()

    page.fill("#id_name", "labelling script")
    page.click("text=Create a key")
    secret = page.locator("#new-key-secret").inner_text().strip()
    key = ApiKey.objects.get(name="labelling script")
    assert secret.startswith(f"atl_{key.prefix}_") and key.secret_hash not in secret

    # a separate HTTP client (no browser cookies): only the key authenticates it
    request = urllib.request.Request(f"{live_server.url}/api/requester/organisation/",
                                     headers={"Authorization": f"Bearer {secret}"})
    with urllib.request.urlopen(request) as response:
        body = json.loads(response.read())
    assert response.status == 200
    assert body["name"] == "Nord Speech Lab" and body["terms_current"] is True and body["suspended"] is False

    page.goto(f"{live_server.url}/requester/")
    assert page.locator("#new-key-secret").count() == 0  # shown once
    assert page.locator(f"text=atl_{key.prefix}_…").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone
