"""The channel layer's name space on Redis (`CHANNEL_LAYERS[...]["CONFIG"]["prefix"]`).

Redis pub/sub ignores the database number: a PUBLISH on db 11 reaches a SUBSCRIBE made on db 12.
The pub/sub layer (channels_redis.pubsub, Atelier's default) names its Redis channels
`<prefix>__group__<group>` with the prefix "asgi" unless told otherwise, so two Atelier
deployments (or two benchmarks, or test runs) sharing one Redis server heard each other's group
sends: a socket of coop 3 in one got the "work opened" frames and forum messages of coop 3 in the
other (issue 18: members told of a batch their own server had not opened yet, then refused
`project_not_open`). The prefix now names the deployment: the Redis database number and a short
digest of the database it serves (host, port, name), so neither a shared Redis server nor a
shared Redis database number mixes two deployments' sockets. `CHANNEL_LAYER_PREFIX` sets
another one. Every process of a deployment reads the same settings, so they agree."""

import hashlib
import re
from urllib.parse import parse_qs, urlsplit


def channel_prefix(redis_url: str, database: dict | None = None, configured: str = "") -> str:
    """The layer's prefix: `configured` if given, else "atelier", the Redis database number of
    `redis_url` (its path, or a `db` query parameter; 0 by default) and 8 hex digits naming
    `database` (a DATABASES entry)."""
    if configured:
        return configured
    parts = urlsplit(redis_url)
    db = int(parts.path.strip("/") or (parse_qs(parts.query).get("db") or ["0"])[0])
    database = database or {}
    served = "|".join(str(database.get(key) or "") for key in ("HOST", "PORT", "NAME"))
    digest = hashlib.sha256(served.encode()).hexdigest()[:8]
    return re.sub(r"[^A-Za-z0-9._-]", "", f"atelier{db}.{digest}")
