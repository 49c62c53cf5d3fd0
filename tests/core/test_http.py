"""coop/core/http.py: a page sends the browser back only into Atelier (no open redirect)."""

from django.test import RequestFactory

from coop.core.http import safe_next


def _post(next_url, *, secure=False):
    return RequestFactory().post("/x/", {"next": next_url}, secure=secure, HTTP_HOST="testserver")


def test_a_path_inside_the_site_is_followed():
    assert safe_next(_post("/work/projects/3/"), "/") == "/work/projects/3/"
    request = RequestFactory().get("/x/", {"next": "/ledger/"}, HTTP_HOST="testserver")
    assert safe_next(request, "/") == "/ledger/"


def test_another_host_or_scheme_falls_back_to_the_default():
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        assert safe_next(_post(target), "/work/") == "/work/"
    # on HTTPS, an http:// link to this very host is refused too
    assert safe_next(_post("http://testserver/work/", secure=True), "/") == "/"


def test_the_default_may_be_a_url_name_or_nothing():
    assert safe_next(_post(""), "home") == "/"
    assert safe_next(_post("https://evil.example/"), "") == ""
