"""Test set-up shared by every app.

- SQLite (default): tests marked `postgres` or `browser` are deselected, not skipped.
- PostgreSQL (`DATABASE_URL`): everything runs, browser tests last; with CI=true the run
  fails if no `postgres` test passed.
- django-q2 runs jobs inline; hypothesis uses a bounded profile on CI.
"""

import os

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hsettings

hsettings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
hsettings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
hsettings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ON_POSTGRES = settings.DATABASE_IS_POSTGRES
_postgres_items = set()
_postgres_passed = []


def pytest_collection_modifyitems(config, items):
    keep, drop = [], []
    for item in items:
        needs_pg = item.get_closest_marker("postgres") or item.get_closest_marker("browser")
        if needs_pg and not ON_POSTGRES:
            drop.append(item)
        else:
            keep.append(item)
            if item.get_closest_marker("postgres"):
                _postgres_items.add(item.nodeid)
    if drop:
        config.hook.pytest_deselected(items=drop)
    # Browser tests last: after Playwright's event loop, pytest-asyncio tests cannot run.
    keep.sort(key=lambda item: 1 if item.get_closest_marker("browser") else 0)
    items[:] = keep


def pytest_runtest_logreport(report):
    # Under pytest-xdist the workers collect and the controller only sees reports: the marker
    # travels in the report's keywords.
    if report.when == "call" and report.passed and (report.nodeid in _postgres_items or "postgres" in report.keywords):
        _postgres_passed.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if ON_POSTGRES and os.environ.get("CI") and exitstatus == 0 and not _postgres_passed:
        session.exitstatus = 1
        print("\nCI: no test marked `postgres` ran on PostgreSQL; failing the run.")


@pytest.fixture(autouse=True)
def _jobs_inline(settings):
    from django_q.conf import Conf

    old = Conf.SYNC
    Conf.SYNC = True
    yield
    Conf.SYNC = old


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request in French leaves French active in the thread (LocaleMiddleware does not reset
    it); start every test in the default language so tests do not depend on their order."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- throttles (docs/security.md "Throttling") ----------------------------------------------
# Rates are off in tests, so that one test's (or the authorization matrix's hundreds of)
# requests never throttle another; their counts go to a local-memory cache emptied before
# each test. Log-in lockout (django-axes) stays on: its rows roll back with each test.
# tests/core/test_throttling.py switches the shipped rates back on (`shipped_rates`).
SHIPPED_THROTTLE_RATES = dict(settings.THROTTLE_RATES)


def _throttles_off():
    settings.THROTTLE_RATES = {scope: None for scope in SHIPPED_THROTTLE_RATES}
    settings.THROTTLE_CACHE = "local"


@pytest.fixture(autouse=True)
def _throttle_counts_apart():
    from django.core.cache import caches

    caches["local"].clear()
    yield


def _forget_process_caches():
    """Ids are reused (rolled-back tests; reset_sequences on PostgreSQL): what a process caches
    under an id (rulebook versions, sandbox coops, the claim's and submission's memory of each
    coop's rulebook and project's form) must not outlive the rows it was read from."""
    from coop.federation.selectors import rulebooks_forget
    from tasks.services import claiming, work

    rulebooks_forget()
    claiming._IN_FORCE.clear()
    work._FORMS.clear()


@pytest.fixture(autouse=True)
def _rulebooks_apart():
    _forget_process_caches()
    yield


@pytest.fixture(autouse=True, scope="module")
def _rulebooks_apart_per_module():
    """A module's world seeded once (a module-scoped fixture) is made before any per-test fixture
    runs: forget there too, or a sandbox coop of an earlier module's test, whose primary key the
    world reuses, would still be cached as a sandbox (SandboxRefused)."""
    _forget_process_caches()
    yield


@pytest.fixture
def shipped_rates(settings):
    """The rates Atelier ships with (coop/settings.py), for tests of throttling itself."""
    settings.THROTTLE_RATES = dict(SHIPPED_THROTTLE_RATES)
    return settings.THROTTLE_RATES


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- browser tests ---------------------------------------------------------------------
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}, "locale": "en-GB"}


@pytest.fixture(scope="session")
def allow_async_unsafe():
    """Playwright's sync API runs an event loop in the main thread; Django's ORM needs this.

    Session-scoped so it is set before the database fixtures and stays until their teardown
    (flush) after the last browser test; browser tests run last, so no other test sees it."""
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


def pytest_configure(config):
    """Compile the catalogue so French pages work even when pytest is run by hand."""
    from django.core.management import call_command

    _throttles_off()
    call_command("compile_translations", verbosity=0)
