import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the shared cache (Redis in the PostgreSQL pass), which
    outlives the test database: start every test with none."""
    cache.clear()
    yield
