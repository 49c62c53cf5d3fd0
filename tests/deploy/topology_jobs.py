"""A job for tests/deploy/test_topology.py: counts its runs in the shared cache (Redis), so the
test sees how many times the job clusters ran it."""

from django.core.cache import cache


def count_run(key):
    cache.add(key, 0, timeout=600)
    cache.incr(key)
