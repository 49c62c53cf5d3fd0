"""Signed checkpoints: the federation's Ed25519 signature over a tree head.

message = canonical JSON {"chain": hex, "origin": str, "root": hex, "size": int, "time": µs}
The key comes from `EVENTLOG_SIGNING_KEY` (64 hex chars of seed, or PEM); only in development
(DEBUG) is one generated into `var/eventlog_signing_key`. A checkpoint is signed every
`EVENTLOG_CHECKPOINT_EVERY` events or `EVENTLOG_CHECKPOINT_MINUTES` minutes (by the sequencer
loop and its backstop job), and on demand (`manage.py checkpoint_sign`)."""

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from coop.eventlog.canonical import canonical_bytes
from coop.eventlog.clock import now_us
from coop.eventlog.leaves import GENESIS
from coop.eventlog.merkle import EMPTY_ROOT, Frontier
from coop.eventlog.models import Checkpoint, Sequenced

ADVISORY_LOCK = 0x4154454C_0002  # "ATEL" + 2: the signer
_keys = {}


def checkpoint_message(*, origin, size, root, chain, time):
    return canonical_bytes({"chain": bytes(chain).hex(), "origin": origin, "root": bytes(root).hex(),
                            "size": int(size), "time": int(time)})


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(bytes(public_key)).hexdigest()[:16]


def _parse_key(text):
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("EVENTLOG_SIGNING_KEY must be an Ed25519 key.")
        return key
    try:
        seed = bytes.fromhex(text)
    except ValueError:
        seed = b""
    if len(seed) != 32:
        raise ImproperlyConfigured("EVENTLOG_SIGNING_KEY must be 64 hex characters (a 32-byte seed) or a PEM key.")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _dev_key(path):
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(seed.hex() + "\n")
    return path.read_text()


def signing_key() -> Ed25519PrivateKey:
    text = settings.EVENTLOG_SIGNING_KEY
    if not text:
        if not settings.EVENTLOG_DEV_KEY_FILE:
            raise ImproperlyConfigured("Set EVENTLOG_SIGNING_KEY (the federation's Ed25519 key).")
        text = _dev_key(settings.EVENTLOG_DEV_KEY_FILE)
    if text not in _keys:
        _keys[text] = _parse_key(text)
    return _keys[text]


def public_key_bytes(private_key=None) -> bytes:
    return (private_key or signing_key()).public_key().public_bytes(serialization.Encoding.Raw,
                                                                     serialization.PublicFormat.Raw)


def trusted_public_keys() -> set:
    keys = {bytes.fromhex(k) for k in settings.EVENTLOG_TRUSTED_PUBLIC_KEYS}
    keys.add(public_key_bytes())
    return keys


def signature_valid(*, public_key, signature, message) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(bytes(signature), bytes(message))
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_verify(checkpoint, *, trusted=None) -> str | None:
    """None if `checkpoint`'s signature is valid and by a trusted key, else the reason."""
    message = checkpoint_message(origin=checkpoint.origin, size=checkpoint.size, root=checkpoint.root,
                                 chain=checkpoint.chain_hash, time=checkpoint.signed_at)
    if not signature_valid(public_key=checkpoint.public_key, signature=checkpoint.signature, message=message):
        return "bad signature"
    if bytes(checkpoint.public_key) not in (trusted if trusted is not None else trusted_public_keys()):
        return "signed by a key the federation does not trust"
    return None


def _frontier_pack(frontier):
    return b"".join(bytes([height]) + h for height, h in frontier.stack)


def _frontier_unpack(data, size):
    data = bytes(data)
    return Frontier.from_stack([(data[i], data[i + 1:i + 33]) for i in range(0, len(data), 33)], size)


def _tree_at_head():
    """(size, root, chain hash, frontier) of the sequenced log, hashing only the leaves after
    the latest checkpoint."""
    last = Checkpoint.objects.order_by("-size").first()
    if last is not None and bytes(last.frontier):
        frontier, after = _frontier_unpack(last.frontier, last.size), last.size
    else:
        frontier, after = Frontier(), 0
    chain = bytes(last.chain_hash) if last else GENESIS
    with connection.cursor() as cursor:
        cursor.execute("SELECT position, leaf_hash, chain_hash FROM eventlog_sequenced "
                       "WHERE position > %s ORDER BY position", [after])
        for position, leaf, chain_hash in cursor.fetchall():
            if position != frontier.size + 1:
                raise ImproperlyConfigured(f"the log has a gap at position {frontier.size + 1}; run verify_events")
            frontier.append(bytes(leaf))
            chain = bytes(chain_hash)
    return frontier.size, frontier.root() if frontier.size else EMPTY_ROOT, chain, frontier


def checkpoint_latest():
    return Checkpoint.objects.order_by("-size").first()


@transaction.atomic
def checkpoint_sign():
    """Sign the current tree head. Returns the new Checkpoint, or None when nothing new was
    sequenced since the latest one (or another signer is busy)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK])
            if not cursor.fetchone()[0]:
                return None
    latest = checkpoint_latest()
    head = Sequenced.objects.order_by("-position").values_list("position", flat=True).first() or 0
    if head == 0 or (latest is not None and latest.size >= head):
        return None
    size, root, chain, frontier = _tree_at_head()
    key = signing_key()
    public = public_key_bytes(key)
    time = Sequenced.objects.filter(position=size).values_list("sequenced_at", flat=True).get()
    time = max(time, now_us())
    origin = settings.EVENTLOG_ORIGIN
    message = checkpoint_message(origin=origin, size=size, root=root, chain=chain, time=time)
    return Checkpoint.objects.create(size=size, root=root, chain_hash=chain, signed_at=time, origin=origin,
                                     key_id=key_id(public), public_key=public, signature=key.sign(message),
                                     frontier=_frontier_pack(frontier))


def checkpoint_due():
    latest = checkpoint_latest()
    head = Sequenced.objects.order_by("-position").values_list("position", flat=True).first() or 0
    if head == 0:
        return False
    if latest is None:
        return True
    if head <= latest.size:
        return False
    stale = now_us() - latest.signed_at >= settings.EVENTLOG_CHECKPOINT_MINUTES * 60_000_000
    return head - latest.size >= settings.EVENTLOG_CHECKPOINT_EVERY or stale


def checkpoint_sign_if_due():
    return checkpoint_sign() if checkpoint_due() else None
