"""coop.core.test_workers: each pytest-xdist worker its own Redis database, once."""

from coop.core.test_workers import MARK, redis_url


def test_outside_a_worker_the_url_is_unchanged():
    environ = {}
    assert redis_url("redis://127.0.0.1:6379/3", environ) == "redis://127.0.0.1:6379/3"
    assert environ == {}
    assert redis_url("", {"PYTEST_XDIST_WORKER": "gw1"}) == ""


def test_worker_n_moves_n_databases_and_marks_the_environment():
    environ = {"PYTEST_XDIST_WORKER": "gw1"}
    assert redis_url("redis://127.0.0.1:6379/3", environ) == "redis://127.0.0.1:6379/4"
    assert environ["REDIS_URL"] == "redis://127.0.0.1:6379/4"
    assert environ[MARK] == "4"
    # A server started by the test inherits that environment and keeps the database.
    assert redis_url(environ["REDIS_URL"], environ) == "redis://127.0.0.1:6379/4"


def test_no_database_in_the_url_counts_as_zero_and_wraps_at_16():
    assert redis_url("redis://127.0.0.1:6379", {"PYTEST_XDIST_WORKER": "gw2"}) == "redis://127.0.0.1:6379/2"
    assert redis_url("redis://h:6379/15", {"PYTEST_XDIST_WORKER": "gw3"}) == "redis://h:6379/2"
