"""The reproducible jury draw (DESIGN.md seam 12). Pure functions: anyone holding the
appeal id, the signed checkpoint's root and the recorded candidate list can re-run it.

    seed  = SHA-256( "atelier-jury-draw:" ‖ appeal id (decimal ASCII) ‖ ":" ‖ root (32 raw bytes) )
    order = a Fisher-Yates shuffle of the candidates (sorted user ids) where step i draws
            j = int(SHA-256(seed ‖ i as 8 big-endian bytes)) mod (n - i)

The first `jury_size` of `order` are invited; a juror who declines or lapses is replaced by
the next in `order`. The operator still chooses when to sign checkpoints, so this proves the
draw was not changed afterwards, not that the seed could not be influenced (docs/appeals.md)."""

import hashlib

DOMAIN = b"atelier-jury-draw:"


def draw_seed(*, appeal_id: int, root: bytes) -> bytes:
    return hashlib.sha256(DOMAIN + str(int(appeal_id)).encode() + b":" + bytes(root)).digest()


def draw_order(*, seed: bytes, candidates) -> list:
    items = sorted(int(c) for c in candidates)
    n = len(items)
    for i in range(n - 1):
        digest = hashlib.sha256(seed + i.to_bytes(8, "big")).digest()
        j = i + int.from_bytes(digest, "big") % (n - i)
        items[i], items[j] = items[j], items[i]
    return items
