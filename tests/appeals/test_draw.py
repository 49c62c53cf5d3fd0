"""tasks/appeals/draw.py against an auditor's re-implementation written from the published
rule (docs/appeals.md "The draw"), and the properties a draw must have."""

import hashlib

from tasks.appeals.draw import draw_order, draw_seed

ROOT = bytes(range(32))


def auditor_seed(appeal_id, root):
    # "atelier-jury-draw:" ‖ appeal id in decimal ‖ ":" ‖ checkpoint root (32 bytes)
    message = f"atelier-jury-draw:{appeal_id}:".encode("ascii") + root
    return hashlib.new("sha256", message).digest()


def auditor_order(seed, candidates):
    # Fisher-Yates over the sorted user ids: step i swaps i with i + H(seed ‖ i, 8 bytes BE) mod (n − i)
    order = list(sorted(candidates))
    for i in range(len(order) - 1):
        h = hashlib.sha256()
        h.update(seed)
        h.update(i.to_bytes(8, byteorder="big", signed=False))
        j = i + int(h.hexdigest(), 16) % (len(order) - i)
        order[j], order[i] = order[i], order[j]
    return order


def test_draw_seed_follows_the_published_rule():
    assert draw_seed(appeal_id=42, root=ROOT) == auditor_seed(42, ROOT)
    assert draw_seed(appeal_id=42, root=ROOT) != draw_seed(appeal_id=43, root=ROOT)
    assert draw_seed(appeal_id=42, root=ROOT) != draw_seed(appeal_id=42, root=bytes(32))


def test_draw_order_follows_the_published_rule_and_is_a_permutation():
    candidates = [907, 12, 55, 3, 1000, 41, 8, 77, 260, 19]
    seed = auditor_seed(7, ROOT)
    order = draw_order(seed=seed, candidates=candidates)
    assert order == auditor_order(seed, candidates)
    assert sorted(order) == sorted(candidates)
    # the order does not depend on the order the candidates were listed in, only on the seed
    assert draw_order(seed=seed, candidates=list(reversed(candidates))) == order
    assert draw_order(seed=auditor_seed(8, ROOT), candidates=candidates) != order


def test_draw_order_of_zero_or_one_candidate():
    assert draw_order(seed=ROOT, candidates=[]) == []
    assert draw_order(seed=ROOT, candidates=["5"]) == [5]
