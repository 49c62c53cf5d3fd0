"""The product's source of random bytes for what it stores or publishes: the event log's salts
and API keys' secrets.

`token_bytes(n)` is `os.urandom(n)` (the same source as `secrets.token_bytes`), except inside
`entropy_seeded(seed)`: then the bytes come from a generator fixed by `seed`. The market
simulator (docs/simulation.md) is its one user, so that the same seed gives the same event log
head; a seeded generator is predictable by design and never serves a real installation. The
generator lives in a `ContextVar`: it holds for the calling thread (or asyncio task) only."""

import hashlib
import os
import random
from contextlib import contextmanager
from contextvars import ContextVar

_SOURCE: ContextVar[random.Random | None] = ContextVar("atelier_entropy", default=None)


def token_bytes(n: int) -> bytes:
    """`n` random bytes: the operating system's, or the seeded generator's inside `entropy_seeded`."""
    source = _SOURCE.get()
    return os.urandom(n) if source is None else source.randbytes(n)


@contextmanager
def entropy_seeded(seed: str):
    """Inside this block (this thread or task only) `token_bytes` draws from a generator fixed
    by `seed` (a string: the same string, the same bytes in the same order)."""
    digest = hashlib.sha256(f"atelier:entropy:{seed}".encode()).digest()
    token = _SOURCE.set(random.Random(int.from_bytes(digest, "big")))
    try:
        yield
    finally:
        _SOURCE.reset(token)
