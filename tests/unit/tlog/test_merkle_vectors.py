"""RFC 6962 / CT published vectors against bastion.tlog.merkle."""

from __future__ import annotations

import hashlib

import pytest

from bastion.tlog import merkle
from tests.vectors.audit.loader import load_rfc6962

V = load_rfc6962()


@pytest.mark.parametrize("vec", V.hasher, ids=lambda v: v.desc)
def test_hasher_matches_published_vector(vec: object) -> None:
    from tests.vectors.audit.loader import HasherVector

    assert isinstance(vec, HasherVector)
    if vec.kind == "empty":
        got = merkle.EMPTY_ROOT
    elif vec.kind == "leaf":
        got = merkle.hash_leaf(vec.data)
    else:
        got = merkle.hash_children(vec.left, vec.right)
    assert got == vec.want


def _leaf_hashes(n: int) -> list[bytes]:
    return [merkle.hash_leaf(x) for x in V.leaves[:n]]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_published_vectors(size: int) -> None:
    assert merkle.root_of(_leaf_hashes(size)) == V.roots[size - 1]
    assert merkle.MerkleTree(_leaf_hashes(8)).root(size) == V.roots[size - 1]


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert merkle.root_of([]) == merkle.EMPTY_ROOT
    assert merkle.MerkleTree([]).root() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("vec", V.inclusion, ids=lambda v: f"{v.leaf_index}-of-{v.tree_size}")
def test_inclusion_proof_matches_and_verifies(vec: object) -> None:
    from tests.vectors.audit.loader import InclusionVector

    assert isinstance(vec, InclusionVector)
    tree = merkle.MerkleTree(_leaf_hashes(8))
    assert tree.inclusion_proof(vec.leaf_index, vec.tree_size) == vec.proof
    root = V.roots[vec.tree_size - 1]
    leaf = merkle.hash_leaf(V.leaves[vec.leaf_index])
    merkle.verify_inclusion(vec.leaf_index, vec.tree_size, leaf, vec.proof, root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(vec.leaf_index, vec.tree_size, leaf, [*vec.proof, root], root)
    for i in range(len(vec.proof)):
        bad = list(vec.proof)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(vec.leaf_index, vec.tree_size, leaf, bad, root)


@pytest.mark.parametrize("vec", V.consistency, ids=lambda v: f"{v.size1}-to-{v.size2}")
def test_consistency_proof_matches_and_verifies(vec: object) -> None:
    from tests.vectors.audit.loader import ConsistencyVector

    assert isinstance(vec, ConsistencyVector)
    tree = merkle.MerkleTree(_leaf_hashes(8))
    assert tree.consistency_proof(vec.size1, vec.size2) == vec.proof
    r1, r2 = V.roots[vec.size1 - 1], V.roots[vec.size2 - 1]
    merkle.verify_consistency(vec.size1, vec.size2, r1, r2, vec.proof)
    if vec.proof:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(vec.size1, vec.size2, r2, r1, vec.proof)
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(vec.size1, vec.size2, r1, r2, vec.proof[:-1])
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(vec.size1, vec.size2, r1, r2, [])


def test_consistency_edge_cases_fail_closed() -> None:
    r = V.roots[0]
    merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, V.roots[4], [])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(2, 1, r, r, [])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(1, 1, r, V.roots[1], [])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(1, 1, r, r, [merkle.EMPTY_ROOT])


def test_inclusion_rejects_out_of_range_index_and_bad_hash_size() -> None:
    leaf = merkle.hash_leaf(b"x")
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(1, 1, leaf, [], leaf)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(0, 0, leaf, [], leaf)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(0, 1, b"short", [], leaf)


# -- the corruption probes of transparency-dev/merkle proof/verify_test.go ------------
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _bitflip(h: bytes, mask: int) -> bytes:
    return bytes([h[0] ^ mask]) + h[1:]


def _inclusion_probes(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[str, int, int, bytes, list[bytes], bytes]]:
    probes = [
        ("index - 1", index - 1, size, leaf, proof, root),
        ("index + 1", index + 1, size, leaf, proof, root),
        ("index ^ 2", index ^ 2, size, leaf, proof, root),
        ("size * 2", index, size * 2, leaf, proof, root),
        ("size / 2", index, size // 2, leaf, proof, root),
        ("wrong leaf", index, size, b"WrongLeaf", proof, root),
        ("empty root", index, size, leaf, proof, merkle.EMPTY_ROOT),
        ("random root", index, size, leaf, proof, SOME_HASH),
        ("trailing garbage", index, size, leaf, [*proof, b""], root),
        ("trailing root", index, size, leaf, [*proof, root], root),
        ("preceding garbage", index, size, leaf, [b"", *proof], root),
        ("preceding root", index, size, leaf, [root, *proof], root),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = _bitflip(bad[i], 8)
        probes.append((f"modified proof[{i}] bit 3", index, size, leaf, bad, root))
    if proof:
        probes.append(("removed component", index, size, leaf, proof[:-1], root))
    if len(proof) > 1:
        probes.append(
            ("inserted component", index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], root)
        )
    return probes


@pytest.mark.parametrize("vec", V.inclusion[1:], ids=lambda v: f"{v.leaf_index}-of-{v.tree_size}")
def test_every_corrupted_inclusion_probe_is_rejected(vec: object) -> None:
    from tests.vectors.audit.loader import InclusionVector

    assert isinstance(vec, InclusionVector)
    root = V.roots[vec.tree_size - 1]
    leaf = merkle.hash_leaf(V.leaves[vec.leaf_index])
    accepted = []
    for desc, index, size, lh, proof, r in _inclusion_probes(
        vec.leaf_index, vec.tree_size, vec.proof, root, leaf
    ):
        try:
            merkle.verify_inclusion(index, size, lh, proof, r)
        except merkle.ProofError:
            continue
        accepted.append(desc)
    assert accepted == []


@pytest.mark.parametrize("vec", V.consistency[1:], ids=lambda v: f"{v.size1}-to-{v.size2}")
def test_every_corrupted_consistency_probe_is_rejected(vec: object) -> None:
    from tests.vectors.audit.loader import ConsistencyVector

    assert isinstance(vec, ConsistencyVector)
    s1, s2, p = vec.size1, vec.size2, vec.proof
    r1, r2 = V.roots[s1 - 1], V.roots[s2 - 1]
    probes = [
        ("size1 - 1", s1 - 1, s2, r1, r2, p),
        ("size1 + 1", s1 + 1, s2, r1, r2, p),
        ("size1 ^ 2", s1 ^ 2, s2, r1, r2, p),
        ("size2 * 2", s1, s2 * 2, r1, r2, p),
        ("size2 / 2", s1, s2 // 2, r1, r2, p),
        ("wrong root1", s1, s2, b"WrongRoot", r2, p),
        ("wrong root2", s1, s2, r1, b"WrongRoot", p),
        ("swapped roots", s1, s2, r2, r1, p),
        ("empty proof", s1, s2, r1, r2, []),
        ("trailing garbage", s1, s2, r1, r2, [*p, b""]),
        ("trailing root1", s1, s2, r1, r2, [*p, r1]),
        ("trailing root2", s1, s2, r1, r2, [*p, r2]),
        ("preceding garbage", s1, s2, r1, r2, [b"", *p]),
        ("preceding root1", s1, s2, r1, r2, [r1, *p]),
        ("preceding root2", s1, s2, r1, r2, [r2, *p]),
        ("preceding proof[0]", s1, s2, r1, r2, [p[0], *p]),
        ("truncated proof", s1, s2, r1, r2, p[:-1]),
    ]
    for i in range(len(p)):
        bad = list(p)
        bad[i] = _bitflip(bad[i], 16)
        probes.append((f"modified proof[{i}] bit 4", s1, s2, r1, r2, bad))
    accepted = []
    for desc, a, b, ra, rb, proof in probes:
        try:
            merkle.verify_consistency(a, b, ra, rb, proof)
        except merkle.ProofError:
            continue
        accepted.append(desc)
    assert accepted == []


CONSISTENCY_TABLE = [
    # (size1, size2, root1, root2, proof, ok) - TestVerifyConsistency's table, with the
    # "don't care" roots replaced by distinct 32-byte hashes (we also check hash sizes).
    (0, 0, "a", "b", [], False),
    (1, 1, "a", "b", [], False),
    (0, 0, "a", "a", [], True),
    (0, 1, "a", "b", [], True),
    (1, 1, "b", "b", [], True),
    (1, 0, "a", "b", [], False),
    (2, 1, "a", "b", [], False),
    (1, 2, "a", "b", [], False),
    (0, 0, "e", "b", [], False),
    (1, 1, "e", "b", [], False),
    (0, 0, "e", "e", ["e"], False),
    (0, 1, "e", "e", ["e"], False),
    (1, 1, "e", "e", ["e"], False),
]
_ROOTS = {
    "a": hashlib.sha256(b"don't care 1").digest(),
    "b": hashlib.sha256(b"don't care 2").digest(),
    "e": merkle.EMPTY_ROOT,
}


@pytest.mark.parametrize(("s1", "s2", "r1", "r2", "proof", "ok"), CONSISTENCY_TABLE)
def test_consistency_edge_table(
    s1: int, s2: int, r1: str, r2: str, proof: list[str], ok: bool
) -> None:
    args = (s1, s2, _ROOTS[r1], _ROOTS[r2], [_ROOTS[x] for x in proof])
    if ok:
        merkle.verify_consistency(*args)
    else:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
