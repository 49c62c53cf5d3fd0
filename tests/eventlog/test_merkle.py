"""RFC 9162 Merkle trees.

Known-answer vectors from transparency-dev/merkle, proof/verify_test.go (`leaves`, `roots`,
`inclusionProofs`, `consistencyProofs`; the same vectors as google/certificate-transparency's
merkle_tree_test), https://github.com/transparency-dev/merkle/blob/main/proof/verify_test.go:
the prover is checked against published answers, not only against its own verifier."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.eventlog import merkle

LEAVES = [bytes.fromhex(h) for h in [
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
ROOTS = [bytes.fromhex(h) for h in [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]]
# (leaf number, 1-based as in the source; tree size; proof)
INCLUSION = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
HASHES = [merkle.leaf_hash(leaf) for leaf in LEAVES]


def test_merkle_empty_tree_is_sha256_of_nothing():
    assert merkle.root([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("size", range(1, 9))
def test_merkle_root_matches_published_roots(size):
    assert merkle.root(HASHES[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_merkle_inclusion_proof_matches_published_vectors(leaf, size, proof):
    expected = [bytes.fromhex(h) for h in proof]
    assert merkle.inclusion_proof(leaf - 1, HASHES[:size]) == expected
    merkle.verify_inclusion(leaf - 1, size, HASHES[leaf - 1], expected, ROOTS[size - 1])


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_merkle_consistency_proof_matches_published_vectors(first, second, proof):
    expected = [bytes.fromhex(h) for h in proof]
    assert merkle.consistency_proof(first, HASHES[:second]) == expected
    merkle.verify_consistency(first, second, expected, ROOTS[first - 1], ROOTS[second - 1])


@pytest.mark.parametrize(("first", "second", "proof"), [c for c in CONSISTENCY if c[2]])
def test_merkle_consistency_refuses_corrupted_published_proofs(first, second, proof):
    good = [bytes.fromhex(h) for h in proof]
    r1, r2 = ROOTS[first - 1], ROOTS[second - 1]
    corrupted = [
        (first, second, good, r2, r1),  # swapped roots
        (first, second, good[:-1], r1, r2),  # truncated
        (first, second, good + [r1], r1, r2),  # trailing garbage
        (first, second, [r2] + good, r1, r2),  # preceding garbage
        (first, second * 2, good, r1, r2),
        (first + 1 if first + 1 < second else first - 1, second, good, r1, r2),
    ]
    for i in range(len(good)):
        flipped = list(good)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        corrupted.append((first, second, flipped, r1, r2))
    for m, n, p, a, b in corrupted:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(m, n, p, a, b)


def test_merkle_inclusion_refuses_wrong_index_size_and_leaf():
    proof = [bytes.fromhex(h) for h in INCLUSION[2][2]]
    for index, size, leaf in [(4, 8, HASHES[5]), (6, 8, HASHES[5]), (5, 16, HASHES[5]), (5, 4, HASHES[5]),
                              (5, 8, HASHES[4])]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, size, leaf, proof, ROOTS[7])


def test_merkle_frontier_root_equals_root_at_every_size():
    frontier = merkle.Frontier()
    for size, h in enumerate(HASHES, start=1):
        frontier.append(h)
        assert frontier.root() == ROOTS[size - 1]


leaves_strategy = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


@given(leaves_strategy, st.data())
def test_merkle_every_inclusion_proof_verifies_and_a_wrong_leaf_fails(leaves, data):
    hashes = [merkle.leaf_hash(x) for x in leaves]
    index = data.draw(st.integers(0, len(hashes) - 1))
    proof = merkle.inclusion_proof(index, hashes)
    head = merkle.root(hashes)
    merkle.verify_inclusion(index, len(hashes), hashes[index], proof, head)
    wrong = merkle.leaf_hash(leaves[index] + b"x")
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, len(hashes), wrong, proof, head)
    if len(hashes) > 1:
        other = data.draw(st.integers(0, len(hashes) - 1).filter(lambda i: i != index))
        if hashes[other] != hashes[index]:
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(other, len(hashes), hashes[index], proof, head)


@given(leaves_strategy, st.data())
def test_merkle_every_consistency_proof_verifies_and_a_wrong_size_or_history_fails(leaves, data):
    hashes = [merkle.leaf_hash(x) for x in leaves]
    second = len(hashes)
    first = data.draw(st.integers(1, second))
    proof = merkle.consistency_proof(first, hashes)
    r1, r2 = merkle.root(hashes[:first]), merkle.root(hashes)
    merkle.verify_consistency(first, second, proof, r1, r2)
    # a rewritten history: one earlier leaf changed, the old root kept
    changed = data.draw(st.integers(0, first - 1))
    rewritten = list(hashes)
    rewritten[changed] = merkle.leaf_hash(leaves[changed] + b"!")
    forged = merkle.consistency_proof(first, rewritten)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(first, second, forged, r1, merkle.root(rewritten))
    if first < second:  # the same proof claimed for another size
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(first + 1, second, proof, r1, r2)
