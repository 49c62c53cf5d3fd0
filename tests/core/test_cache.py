"""coop/core/cache.py: the Redis cache keeps one client per connection pool (Django's made one
per command), and still reads and writes through it (Redis runs on every machine: STACK-NOTES)."""

import os

from coop.core.cache import RedisCache


def _cache():
    return RedisCache(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11", {"KEY_PREFIX": "test-cache"})


def test_one_client_per_pool():
    cache = _cache()
    first = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is first
    assert cache._cache.get_client("c", write=True) is first  # one server: reads and writes share a pool


def test_it_reads_and_writes_through_the_shared_client():
    cache = _cache()
    cache.set_many({"x": [1.5, 2.5], "y": "z"}, 30)
    assert cache.get_many(["x", "y", "missing"]) == {"x": [1.5, 2.5], "y": "z"}
    cache.delete_many(["x", "y"])
    assert cache.get("x") is None
