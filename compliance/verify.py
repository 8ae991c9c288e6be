"""Re-check a whole audit log from its entries up: ``verify_log``.

What is checked, in order, stopping at the first failure (one ``VerificationFailed``
whose message names the entry or head):

1. The key chain (each key signed by itself and its predecessor); with pinned public
   keys, a pinned key must be part of the chain.
2. Every tree head - from the database and from each witness file - is signed by a
   trusted key for this log; two heads of the same size must agree; a stored head's
   C2SP checkpoint signature verifies by the same key.
3. The entries are numbered 0..n-1 without gaps (a deleted or inserted row shows), and
   each entry's content hashes to its recorded leaf hash (a naive edit shows).
4. The tree is rebuilt leaf by leaf; at every head's size the root must equal the
   signed root (any modified, deleted, inserted or reordered entry before that size
   shows, however carefully the hashes were redone).
5. No head is larger than the log (truncation), and the stored compact range equals
   the rebuilt one (edits after the last head, or to the state itself, show).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from agent.audit import store
from agent.audit.entry import AuditEntry, InvalidAuditEntry
from agent.audit.store import (
    read_heads,
    read_keys,
    read_log_id,
    read_note_signatures,
    unpack_nodes,
)
from agent.audit.witness import read_witness
from bastion.crypto import VerifyKey
from bastion.errors import AuditError, CheckFailed
from bastion.tlog.heads import HeadError, TreeHead, TrustedKeys, trusted_keys
from bastion.tlog.merkle import CompactRange, MerkleTree, hash_leaves, root_of_range
from bastion.tlog.note import (
    Checkpoint,
    NoteError,
    NoteVerifier,
    assemble_checkpoint,
    origin_for,
    verify_checkpoint,
)


class VerificationFailed(AuditError, CheckFailed):
    """The log does not verify; the message names the first bad entry or head."""


@dataclass(frozen=True)
class SourcedHead:
    head: TreeHead
    source: str  # "database head #3" or "witness.jsonl line 7"


@dataclass(frozen=True)
class VerifyReport:
    entries: int
    heads: int
    latest_head_size: int
    key_ids: tuple[str, ...]
    pinned: bool

    @property
    def uncovered(self) -> int:
        return self.entries - self.latest_head_size

    def summary(self) -> str:
        trust = "pinned key" if self.pinned else "keys from the log itself (not pinned)"
        tail = (
            f"; {self.uncovered} newest entries not yet covered by a signed head"
            if self.uncovered
            else ""
        )
        return (
            f"audit log OK: {self.entries} entries, {self.heads} signed heads checked, "
            f"latest head covers {self.latest_head_size}, trusted via {trust}{tail}"
        )


def witness_heads(path: Path) -> list[SourcedHead]:
    return [SourcedHead(h, f"{path.name} head {i}") for i, h in enumerate(read_witness(path), 1)]


def verify_log(
    db_path: Path,
    *,
    witness_files: Iterable[Path] = (),
    pins: Sequence[VerifyKey] = (),
    deep: bool = False,
) -> VerifyReport:
    """Verify everything; ``deep`` also re-validates each entry's fields and canonical form."""
    extra = [sh for p in witness_files for sh in witness_heads(p)]
    db = store.connect(db_path, readonly=True)
    conn = db.conn
    try:
        conn.execute("BEGIN")  # one consistent snapshot, even while the agent appends
        try:
            log_id = read_log_id(db)
            try:
                trust = trusted_keys(log_id, read_keys(db), pins)
                stored = read_heads(db, log_id)
                notes = read_note_signatures(db)
            except HeadError as exc:
                raise VerificationFailed(str(exc)) from None
            heads = [SourcedHead(h, f"database head #{i}") for i, h in stored]
            heads += extra
            by_size = _check_heads(heads, trust, log_id)
            _check_checkpoints(stored, notes, trust, log_id)
            entries = _replay(db, by_size, deep)
            return VerifyReport(
                entries=entries,
                heads=len(heads),
                latest_head_size=max(by_size, default=0),
                key_ids=tuple(trust.keys),
                pinned=trust.pinned,
            )
        finally:
            conn.execute("COMMIT")
    except AuditError:
        raise
    except Exception as exc:
        raise VerificationFailed(f"cannot read the audit log ({type(exc).__name__})") from None
    finally:
        conn.close()


def _check_heads(
    heads: Sequence[SourcedHead], trust: TrustedKeys, log_id: str
) -> dict[int, SourcedHead]:
    by_size: dict[int, SourcedHead] = {}
    for sh in heads:
        try:
            trust.verify(sh.head, log_id)
        except HeadError as exc:
            raise VerificationFailed(f"{sh.source}: {exc}") from None
        seen = by_size.get(sh.head.size)
        if seen is not None and seen.head.root != sh.head.root:
            raise VerificationFailed(
                f"{sh.source} and {seen.source} sign different roots for size {sh.head.size}"
            )
        by_size.setdefault(sh.head.size, sh)
    return by_size


def _check_checkpoints(
    stored: Sequence[tuple[int, TreeHead]],
    notes: dict[int, bytes],
    trust: TrustedKeys,
    log_id: str,
) -> None:
    """Each stored head's C2SP checkpoint signature verifies, by the key that signed the
    head, over the checkpoint of the same size and root (heads from before migration 3
    have none)."""
    for hid, head in stored:
        sig = notes.get(hid)
        if sig is None:
            continue
        key = trust.keys[head.key_id]  # present: _check_heads verified the head with it
        note = assemble_checkpoint(Checkpoint(origin_for(log_id), head.size, head.root), key, sig)
        try:
            verify_checkpoint(note, NoteVerifier(origin_for(log_id), key))
        except NoteError as exc:
            raise VerificationFailed(f"database head #{hid}: checkpoint: {exc}") from None


_CHUNK_BITS = 13  # verify 8192 leaves at a time: one perfect subtree per chunk


def _first_gap(ids: Sequence[int], start: int) -> str:
    for offset, eid in enumerate(ids):
        if eid != start + offset:
            return (
                f"entry {start + offset} is missing (next entry is {eid}): entries were deleted"
                if eid > start + offset
                else f"entry {eid} is out of order"
            )
    raise AssertionError("no gap found")  # pragma: no cover - callers saw one


def _replay(db: sqlite_utils.Database, by_size: dict[int, SourcedHead], deep: bool) -> int:
    """Rebuild the tree chunk by chunk and compare it with every head and the state.

    Each full chunk of 2^13 leaves is reduced to one perfect subtree (list-speed hashing)
    and merged into the running compact range; a head inside a chunk is checked against
    the running range plus the chunk's own prefix range.
    """
    chunk = 1 << _CHUNK_BITS
    tree = CompactRange()
    pending = sorted(s for s in by_size if s > 0)
    p = 0
    last_good = 0
    cursor = db.conn.execute("SELECT id, leaf, leaf_hash FROM entries ORDER BY id")
    while True:
        rows = cursor.fetchmany(chunk)
        if not rows:
            break
        start = tree.size
        ids, leaves, stored = zip(*rows, strict=True)
        if ids[0] != start or ids[-1] != start + len(ids) - 1:
            raise VerificationFailed(_first_gap(ids, start))
        hashes = hash_leaves(leaves)
        if hashes != list(stored):
            bad = next(i for i, (h, s) in enumerate(zip(hashes, stored, strict=True)) if h != s)
            raise VerificationFailed(
                f"entry {start + bad}: content does not match its recorded hash"
            )
        if deep:
            for offset, leaf in enumerate(leaves):
                try:
                    AuditEntry.from_canonical(bytes(leaf))
                except InvalidAuditEntry as exc:
                    raise VerificationFailed(f"entry {start + offset}: {exc}") from None
        sub = MerkleTree(hashes)
        end = start + len(hashes)
        while p < len(pending) and pending[p] <= end:
            size = pending[p]
            sh = by_size[size]
            if root_of_range(tree.nodes + sub.prefix_range(size - start)) != sh.head.root:
                raise VerificationFailed(
                    f"entries {last_good}..{size - 1} do not match {sh.source} "
                    f"(size {size}): an entry was modified, deleted, inserted or reordered"
                )
            last_good = size
            p += 1
        tree.extend_aligned(sub.prefix_range(len(hashes)), len(hashes))
    n = tree.size
    if p < len(pending):
        sh = by_size[pending[-1]]
        raise VerificationFailed(
            f"log truncated: {sh.source} signs {sh.head.size} entries but the log holds {n}"
        )
    row = db.conn.execute("SELECT size, nodes FROM tree_state WHERE id = 1").fetchone()
    if row is None or int(row[0]) != n or unpack_nodes(bytes(row[1])) != tree.nodes:
        raise VerificationFailed(
            f"stored tree state does not match entries 0..{n - 1} "
            "(an entry after the last signed head, or the state, was altered)"
        )
    return n
