"""Hypothesis properties of the Merkle core: proofs verify, and any altered byte fails."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.tlog import merkle


def _leaves(n: int) -> list[bytes]:
    return [merkle.hash_leaf(i.to_bytes(4, "big")) for i in range(n)]


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 MTH written straight from the definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.hash_children(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def _flip(data: bytes, pos: int, bit: int) -> bytes:
    b = bytearray(data)
    b[pos % len(b)] ^= 1 << bit
    return bytes(b)


FAST = settings(max_examples=60, deadline=None)


@FAST
@given(st.integers(min_value=0, max_value=300))
def test_compact_range_and_tree_match_the_rfc_definition(n: int) -> None:
    leaves = _leaves(n)
    want = _reference_root(leaves)
    assert merkle.root_of(leaves) == want
    assert merkle.MerkleTree(leaves).root() == want


@FAST
@given(st.data())
def test_inclusion_proof_verifies_and_any_altered_byte_fails(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=260))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    leaves = _leaves(size)
    tree = merkle.MerkleTree(leaves)
    root = tree.root()
    proof = tree.inclusion_proof(index, size)
    merkle.verify_inclusion(index, size, leaves[index], proof, root)

    pos = data.draw(st.integers(min_value=0, max_value=31))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    bad_leaf = _flip(leaves[index], pos, bit)
    for args in (
        (index, size, bad_leaf, proof, root),
        (index, size, leaves[index], proof, _flip(root, pos, bit)),
    ):
        try:
            merkle.verify_inclusion(*args)
        except merkle.ProofError:
            pass
        else:
            raise AssertionError("altered leaf or root verified")
    if proof:
        which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = list(proof)
        bad[which] = _flip(bad[which], pos, bit)
        try:
            merkle.verify_inclusion(index, size, leaves[index], bad, root)
        except merkle.ProofError:
            pass
        else:
            raise AssertionError("altered proof verified")
    if index + 1 < size:
        try:
            merkle.verify_inclusion(index + 1, size, leaves[index], proof, root)
        except merkle.ProofError:
            pass
        else:
            raise AssertionError("proof verified for the wrong index")


@FAST
@given(st.data())
def test_consistency_proof_verifies_and_any_altered_byte_fails(data: st.DataObject) -> None:
    size2 = data.draw(st.integers(min_value=1, max_value=260))
    size1 = data.draw(st.integers(min_value=1, max_value=size2))
    leaves = _leaves(size2)
    tree = merkle.MerkleTree(leaves)
    r1, r2 = tree.root(size1), tree.root(size2)
    proof = tree.consistency_proof(size1, size2)
    merkle.verify_consistency(size1, size2, r1, r2, proof)
    if size1 == size2:
        assert proof == []
        return
    pos = data.draw(st.integers(min_value=0, max_value=31))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    bad = list(proof)
    bad[which] = _flip(bad[which], pos, bit)
    cases = [
        (size1, size2, r1, r2, bad),
        (size1, size2, _flip(r1, pos, bit), r2, proof),
        (size1, size2, r1, _flip(r2, pos, bit), proof),
        (size1, size2, r1, r2, proof[:-1]),
        (size1, size2, r1, r2, [*proof, r2]),
    ]
    for args in cases:
        try:
            merkle.verify_consistency(*args)
        except merkle.ProofError:
            continue
        raise AssertionError("altered consistency proof verified")


@FAST
@given(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=200))
def test_compact_range_appends_continue_from_persisted_state(a: int, b: int) -> None:
    leaves = _leaves(a + b)
    first = merkle.CompactRange()
    first.extend(leaves[:a])
    restored = merkle.CompactRange(first.size, list(first.nodes))
    restored.extend(leaves[a:])
    assert restored.root() == _reference_root(leaves)
    assert len(restored.nodes) == bin(a + b).count("1")


def test_compact_range_rejects_a_state_that_does_not_fit_its_size() -> None:
    try:
        merkle.CompactRange(3, [merkle.EMPTY_ROOT])
    except merkle.ProofError:
        return
    raise AssertionError("inconsistent compact range accepted")


@FAST
@given(st.data())
def test_aligned_extension_and_prefix_ranges_agree_with_leaf_by_leaf(data: st.DataObject) -> None:
    bits = data.draw(st.integers(min_value=0, max_value=5))
    chunk = 1 << bits
    chunks = data.draw(st.integers(min_value=0, max_value=6))
    tail = data.draw(st.integers(min_value=0, max_value=chunk - 1))
    leaves = _leaves(chunks * chunk + tail)
    tree = merkle.CompactRange()
    for c in range(chunks):
        sub = merkle.MerkleTree(leaves[c * chunk : (c + 1) * chunk])
        tree.extend_aligned(sub.prefix_range(chunk), chunk)
    last = merkle.MerkleTree(leaves[chunks * chunk :])
    tree.extend_aligned(last.prefix_range(tail), tail)
    assert tree.size == len(leaves)
    assert tree.root() == _reference_root(leaves)
    whole = merkle.MerkleTree(leaves)
    for m in range(len(leaves) + 1):
        assert merkle.root_of_range(whole.prefix_range(m)) == _reference_root(leaves[:m])


def test_extend_aligned_refuses_a_misaligned_subtree() -> None:
    tree = merkle.CompactRange()
    tree.extend(_leaves(3))
    sub = merkle.MerkleTree(_leaves(4))
    try:
        tree.extend_aligned(sub.prefix_range(4), 4)
    except merkle.ProofError:
        return
    raise AssertionError("misaligned subtree accepted")
