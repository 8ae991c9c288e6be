"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verifiers - pure, no I/O.

    leaf hash  = SHA-256(0x00 || entry bytes)
    node hash  = SHA-256(0x01 || left || right)
    empty root = SHA-256("")

``CompactRange`` is the right edge of the tree (one perfect-subtree root per set bit of
the size): appending is O(log n) and it is all the writer needs to persist. ``MerkleTree``
holds every level in memory to produce inclusion and consistency proofs for an export.
The verifiers follow RFC 9162 sections 2.1.3.2 and 2.1.4.2; every failure raises the one
``ProofError``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from bastion.errors import AuditError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"


class ProofError(AuditError):
    """A proof, root or tree size does not verify."""


def hash_leaf(data: bytes) -> bytes:
    return hashlib.sha256(_LEAF + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def _split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """Roots of the perfect subtrees covering leaves [0, size), largest first."""

    __slots__ = ("nodes", "size")

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(nodes) != bin(size).count("1"):
            raise ProofError("compact range does not match its tree size")
        self.size = size
        self.nodes = list(nodes)

    def append(self, leaf_hash: bytes) -> None:
        h = leaf_hash
        n = self.size
        nodes = self.nodes
        while n & 1:
            h = hash_children(nodes.pop(), h)
            n >>= 1
        nodes.append(h)
        self.size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self.append(h)

    def extend_aligned(self, nodes: Sequence[bytes], count: int) -> None:
        """Append ``count`` leaves given as their own compact range (``nodes``).

        Valid when every subtree already here is larger than ``count`` leaves, i.e. when
        ``size`` is a multiple of the next power of two at or above ``count``; merging
        happens when ``count`` is that power of two itself.
        """
        if count <= 0:
            return
        span = 1 << (count - 1).bit_length()
        if self.size % span or len(nodes) != bin(count).count("1"):
            raise ProofError("subtree is not aligned with the compact range")
        if count == span:  # one perfect subtree: may merge with equal-sized ones
            h = nodes[0]
            n = self.size // span
            while n & 1:
                h = hash_children(self.nodes.pop(), h)
                n >>= 1
            self.nodes.append(h)
        else:
            self.nodes.extend(nodes)
        self.size += count

    def root(self) -> bytes:
        return root_of_range(self.nodes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.nodes)


def root_of_range(nodes: Sequence[bytes]) -> bytes:
    """The tree root from a compact range (largest subtree first)."""
    if not nodes:
        return EMPTY_ROOT
    r = nodes[-1]
    for h in reversed(nodes[:-1]):
        r = hash_children(h, r)
    return r


def hash_leaves(leaves: Iterable[bytes]) -> list[bytes]:
    """Leaf hashes of many entries at once (the hot loop of append and verify)."""
    sha = hashlib.sha256
    return [sha(_LEAF + leaf).digest() for leaf in leaves]


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    cr = CompactRange()
    cr.extend(leaf_hashes)
    return cr.root()


class MerkleTree:
    """All levels of the tree over ``leaf_hashes``; proofs for any size up to its own."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        levels: list[list[bytes]] = [list(leaf_hashes)]
        while len(levels[-1]) > 1:
            below = levels[-1]
            levels.append(
                [hash_children(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            )
        self._levels = levels
        self.size = len(leaf_hashes)

    def _hash(self, start: int, end: int) -> bytes:
        """MTH of leaves [start, end); ``start`` is aligned as RFC 6962 recursion implies."""
        n = end - start
        if n & (n - 1) == 0:  # a perfect, aligned subtree: stored
            level = n.bit_length() - 1
            return self._levels[level][start >> level]
        k = _split_point(n)
        return hash_children(self._hash(start, start + k), self._hash(start + k, end))

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ProofError(f"tree size {size} is outside [0, {self.size}]")

    def prefix_range(self, size: int) -> list[bytes]:
        """The compact range of the first ``size`` leaves, read from the stored levels."""
        self._check_size(size)
        nodes: list[bytes] = []
        start = 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                nodes.append(self._levels[level][start >> level])
                start += 1 << level
        return nodes

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        self._check_size(size)
        return EMPTY_ROOT if size == 0 else self._hash(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 6962 PATH(index, D[0:size])."""
        self._check_size(size)
        if not 0 <= index < size:
            raise ProofError(f"leaf index {index} is outside a tree of size {size}")
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split_point(end - start)
            if index < start + k:
                proof.append(self._hash(start + k, end))
                end = start + k
            else:
                proof.append(self._hash(start, start + k))
                start += k
        proof.reverse()
        return proof

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """RFC 6962 PROOF(size1, D[0:size2]); empty when size1 is 0 or equals size2."""
        self._check_size(size2)
        if not 0 <= size1 <= size2:
            raise ProofError(f"cannot prove size {size1} against the smaller size {size2}")
        if size1 == 0 or size1 == size2:
            return []
        proof: list[bytes] = []
        start, end, m, whole = 0, size2, size1, True
        while end - start != m:
            k = _split_point(end - start)
            if m <= k:
                proof.append(self._hash(start + k, end))
                end = start + k
            else:
                proof.append(self._hash(start, start + k))
                start += k
                m -= k
                whole = False
        if not whole:
            proof.append(self._hash(start, end))
        proof.reverse()
        return proof


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} must be {HASH_SIZE} bytes, got {len(value)}")


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """RFC 9162 2.1.3.2: the root implied by ``proof`` for the leaf at ``index``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash("leaf hash", leaf_hash)
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        _check_hash("proof hash", p)
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    _check_hash("root", root)
    if root_from_inclusion_proof(index, size, leaf_hash, proof) != root:
        raise ProofError(f"inclusion proof for leaf {index} does not reach the root")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2: the tree of ``size2`` extends the tree of ``size1``."""
    _check_hash("first root", root1)
    _check_hash("second root", root2)
    for p in proof:
        _check_hash("proof hash", p)
    if size1 < 0 or size2 < size1:
        raise ProofError(f"size {size2} cannot extend size {size1}")
    if size1 == size2:
        if proof:
            raise ProofError("consistency proof between equal sizes must be empty")
        if root1 != root2:
            raise ProofError("roots of equal sizes differ")
        return
    if size1 == 0:
        if proof:
            raise ProofError("consistency proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root is the first node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != root1:
        raise ProofError(f"consistency proof does not reproduce the root of size {size1}")
    if sr != root2:
        raise ProofError(f"consistency proof does not reproduce the root of size {size2}")
