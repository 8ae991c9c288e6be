"""RFC 6962 / CT published vectors against agent.audit.merkle."""

from __future__ import annotations

import pytest

from agent.audit import merkle
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
