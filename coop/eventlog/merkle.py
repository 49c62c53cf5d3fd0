"""RFC 9162 (Certificate Transparency v2) Merkle trees: tree head, inclusion and consistency
proofs, and their verification. Pure Python (no Django), so the standalone verifier uses it.

Leaf hash  = SHA-256(0x00 ‖ leaf bytes)      (RFC 9162 §2.1.1)
Node hash  = SHA-256(0x01 ‖ left ‖ right)
MTH({})    = SHA-256("")
Indexes are 0-based leaf indexes; an event at position p is leaf p - 1."""

import hashlib

_sha = hashlib.sha256
EMPTY_ROOT = _sha(b"").digest()


class ProofError(ValueError):
    """A proof does not verify (wrong leaf, size, root or proof)."""


def leaf_hash(data: bytes) -> bytes:
    return _sha(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha(b"\x01" + left + right).digest()


class Frontier:
    """The right edge of a growing tree: the roots of its perfect subtrees, largest first.
    Appending is O(log n) amortised; `root()` is the RFC 9162 tree head of all leaves so far."""

    __slots__ = ("size", "_stack")

    def __init__(self):
        self.size = 0
        self._stack = []  # (height, hash)

    def append(self, leaf: bytes):
        """Append one leaf *hash* (a perfect subtree of height 0)."""
        self.append_subtree(0, leaf)

    def append_subtree(self, height: int, subtree_root: bytes):
        """Append a perfect subtree of 2**height leaves; the size must be a multiple of it."""
        if self.size % (1 << height):
            raise ValueError("a subtree must start at a multiple of its size")
        size = 1 << height
        h = subtree_root
        stack = self._stack
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            h = _sha(b"\x01" + left + h).digest()
            height += 1
        stack.append((height, h))
        self.size += size

    @classmethod
    def from_stack(cls, stack, size):
        frontier = cls()
        frontier._stack = list(stack)
        frontier.size = size
        return frontier

    @property
    def stack(self):
        return list(self._stack)

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h


def root(leaves) -> bytes:
    """The tree head over a sequence of leaf hashes."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


def _largest_power_of_two_below(n):
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def _subtree(leaves, lo, hi):
    """MTH of leaves[lo:hi] (hi > lo)."""
    return root(leaves[lo:hi]) if hi - lo > 1 else leaves[lo]


def inclusion_proof(index: int, leaves) -> list:
    """The audit path for leaf `index` in the tree of `leaves` (RFC 9162 §2.1.3.1)."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ProofError(f"leaf index {index} is outside a tree of size {n}")
    path = []
    lo, hi = 0, n
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            path.append(_subtree(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.append(_subtree(leaves, lo, lo + k))
            lo = lo + k
    path.reverse()
    return path


def consistency_proof(first: int, leaves) -> list:
    """The proof that the tree of size `first` is a prefix of the tree of `leaves`
    (RFC 9162 §2.1.4.1: SUBPROOF(m, D[n], true))."""
    n = len(leaves)
    if not 0 < first <= n:
        raise ProofError(f"no consistency proof from size {first} to size {n}")
    path = []

    def subproof(m, lo, hi, complete):
        if m == hi - lo:
            if not complete:
                path.append(_subtree(leaves, lo, hi))
            return
        k = _largest_power_of_two_below(hi - lo)
        if m <= k:
            subproof(m, lo, lo + k, complete)
            path.append(_subtree(leaves, lo + k, hi))
        else:
            subproof(m - k, lo + k, hi, False)
            path.append(_subtree(leaves, lo, lo + k))

    subproof(first, 0, n, True)
    return path


def root_from_inclusion(index: int, size: int, leaf: bytes, proof) -> bytes:
    """RFC 9162 §2.1.3.2: the root implied by an inclusion proof."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    if len(leaf) != 32 or any(len(p) != 32 for p in proof):
        raise ProofError("hashes must be 32 bytes")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof, expected_root: bytes):
    if root_from_inclusion(index, size, leaf, proof) != expected_root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(first: int, second: int, proof, first_root: bytes, second_root: bytes):
    """RFC 9162 §2.1.4.2. Raises ProofError unless the tree of size `first` with `first_root`
    is a prefix of the tree of size `second` with `second_root`."""
    if first > second or first < 0:
        raise ProofError("the first size must not exceed the second")
    if first == second:
        if proof:
            raise ProofError("proof must be empty for equal sizes")
        if first_root != second_root:
            raise ProofError("equal sizes with different roots")
        return
    if first == 0:
        if proof:
            raise ProofError("proof must be empty from the empty tree")
        return
    if not proof or any(len(p) != 32 for p in proof):
        raise ProofError("bad proof")
    proof = list(proof)
    if first & (first - 1) == 0:  # a power of two: first_root is the first node
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise ProofError("proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is too short")
    if fr != first_root or sr != second_root:
        raise ProofError("consistency proof does not match the roots")
