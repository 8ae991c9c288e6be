"""``AuditLog``: the append-only, signed, tamper-evident decision log.

Contract (MUST rules, in the spirit of transparency-dev/tessera):

- ``append`` / ``append_sync`` MUST NOT return before the entries, the new compact range
  and any head they trigger are committed with ``synchronous=FULL``; an id returned is
  an entry that survives kill -9.
- Concurrent ``append`` callers share one transaction (group commit); each gets its own
  ids, in order. If the commit fails every caller in the group gets ``AuditError``.
- A tree head is signed when ``sign_every_n`` entries or ``sign_every_s`` seconds have
  accumulated since the last head (checked on every append and by ``maybe_sign_head``,
  which ``sign_periodically`` calls while the agent is idle), and by ``close``.
- Every signed head is committed to the ``heads`` table first, then appended (fsync'd)
  to the witness file; a head missing from the witness after a crash is appended at the
  next open, so the witness never holds a head the database lacks.
- The signing key in ``key_path`` MUST be the newest key recorded in the log: a swapped
  key file is refused (use ``rotate_key``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from agent.audit import store, witness
from agent.audit.entry import AuditEntry
from bastion.crypto import IntegrityError, SigningKey, VerifyKey
from bastion.errors import AuditError
from bastion.tlog.heads import KeyRecord, TreeHead
from bastion.tlog.merkle import CompactRange, hash_leaves
from bastion.tlog.note import Checkpoint, assemble_checkpoint, checkpoint_signature, origin_for

Clock = Callable[[], float]


@dataclass(frozen=True)
class AuditConfig:
    db_path: Path
    key_path: Path
    witness_path: Path
    sign_every_n: int = 1000
    sign_every_s: float = 5.0
    # The newest signed head as a C2SP checkpoint; default: "checkpoint" beside the witness.
    checkpoint_path: Path | None = None


def _ms(t: float) -> int:
    return round(t * 1000)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """Entries with their canonical leaves and leaf hashes, ready to commit."""

    entries: list[AuditEntry]
    leaves: list[bytes]
    hashes: list[bytes]

    @classmethod
    def of(cls, entries: list[AuditEntry]) -> _Prepared:
        leaves = [e.canonical_bytes() for e in entries]
        return cls(entries, leaves, hash_leaves(leaves))

    @classmethod
    def merge(cls, parts: Sequence[_Prepared]) -> _Prepared:
        if len(parts) == 1:
            return parts[0]
        return cls(
            [e for p in parts for e in p.entries],
            [x for p in parts for x in p.leaves],
            [h for p in parts for h in p.hashes],
        )


class AuditLog:
    """Open with ``AuditLog.open(config, clock=time.time)``; close with ``close()``."""

    def __init__(
        self,
        config: AuditConfig,
        db: sqlite_utils.Database,
        key: SigningKey,
        log_id: str,
        tree: CompactRange,
        last_head: TreeHead | None,
        clock: Clock,
    ) -> None:
        if config.sign_every_n < 1 or config.sign_every_s <= 0:
            raise AuditError("audit sign_every_n and sign_every_s must be positive")
        self.config = config
        self._db = db
        self._key = key
        self._digest_key = digest_key(key, log_id)
        self.log_id = log_id
        self._tree = tree
        self._last_head = last_head
        self._clock = clock
        self._opened_at = clock()
        self._lock = threading.Lock()
        self._closed = False
        self._queue: list[tuple[_Prepared, asyncio.Future[list[int]]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._pending_note: tuple[TreeHead, bytes] | None = None
        self._staged_note: tuple[TreeHead, bytes] | None = None

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, config: AuditConfig, clock: Clock = time.time) -> AuditLog:
        db = store.connect(config.db_path)
        try:
            store.migrate(db, _ms(clock()))
            key = _load_key(db, config.key_path)
            log_id, key = cls._ensure_identity(db, key, config.key_path, clock)
            # The witness first, then one snapshot of the database: a head is committed
            # before it is witnessed, so every witnessed head must be in that snapshot.
            last_witnessed = witness.repair_and_read_last(config.witness_path)
            db.conn.execute("BEGIN")
            try:
                tree = cls._load_tree(db)
                heads = store.read_heads(db, log_id)
                notes = store.read_note_signatures(db)
            finally:
                db.conn.execute("COMMIT")
            log = cls(config, db, key, log_id, tree, heads[-1][1] if heads else None, clock)
            if heads and heads[-1][0] in notes:
                log._pending_note = (heads[-1][1], notes[heads[-1][0]])
            log._catch_up_witness(heads, last_witnessed)
        except BaseException:
            db.conn.close()
            raise
        return log

    @staticmethod
    def _ensure_identity(
        db: sqlite_utils.Database, key: SigningKey, key_path: Path, clock: Clock
    ) -> tuple[str, SigningKey]:
        conn = db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'log_id'").fetchone()
            if row is None:
                log_id = secrets.token_hex(16)
                conn.execute("INSERT INTO meta (key, value) VALUES ('log_id', ?)", (log_id,))
            else:
                log_id = str(row[0])
            keys = store.read_keys(db)
            if keys and keys[-1].key_id != key.key_id:
                key = _finish_interrupted_rotation(key_path, keys[-1].key_id) or key
            if not keys:
                rec = KeyRecord.create(log_id, key, _ms(clock()))
                store.insert_key(db, 0, rec)
            elif keys[-1].key_id != key.key_id:
                known = any(k.key_id == key.key_id for k in keys)
                why = "a retired key" if known else "a key the log does not know"
                raise AuditError(
                    f"audit key file holds {why} ({key.key_id}); the log's current key is "
                    f"{keys[-1].key_id} (rotate with `bastion audit rotate-key`)"
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return log_id, key

    @staticmethod
    def _load_tree(db: sqlite_utils.Database) -> CompactRange:
        row = db.execute("SELECT size, nodes FROM tree_state WHERE id = 1").fetchone()
        if row is None:
            raise AuditError("audit tree state is missing")
        tree = CompactRange(int(row[0]), store.unpack_nodes(bytes(row[1])))
        top = db.execute("SELECT MAX(id) FROM entries").fetchone()[0]
        if (-1 if top is None else int(top)) != tree.size - 1:
            raise AuditError(
                "audit tree state is out of step with the entries (run `bastion audit verify`)"
            )
        return tree

    # -- properties ----------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self._tree.size

    def digest(self, data: str | bytes) -> str:
        """The keyed digest the entries hold (``*_sha256`` fields of format 2): HMAC-SHA256
        under a secret derived from the current signing key and the log id, so it is kept
        beside the signing key and rotated with it. Unlike a plain hash, a short sensitive
        text cannot be recovered from it by guessing without the key."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        return hmac.new(self._digest_key, raw, hashlib.sha256).hexdigest()

    @property
    def key_id(self) -> str:
        return self._key.key_id

    @property
    def public_key(self) -> VerifyKey:
        return self._key.verify_key

    def latest_head(self) -> TreeHead | None:
        return self._last_head

    def root(self) -> bytes:
        return self._tree.root()

    # -- appending -----------------------------------------------------------------------
    def append_sync(self, entries: Sequence[AuditEntry]) -> list[int]:
        """Append ``entries``; return their ids once they are durably committed."""
        batch = list(entries)
        for e in batch:
            if not isinstance(e, AuditEntry):
                raise AuditError("audit log accepts AuditEntry objects only")
        if not batch:
            return []
        return self._commit(_Prepared.of(batch))

    async def append(self, entries: Sequence[AuditEntry]) -> list[int]:
        """Like ``append_sync``; concurrent callers are committed together."""
        batch = list(entries)
        for e in batch:
            if not isinstance(e, AuditEntry):
                raise AuditError("audit log accepts AuditEntry objects only")
        if not batch:
            return []
        self._check_open()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[list[int]] = loop.create_future()
        # Encode and hash here, on the caller's side, so this overlaps with the commit
        # of the previous group (SQLite and fsync run without the GIL in the worker).
        self._queue.append((_Prepared.of(batch), fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush())
        return await fut

    async def _flush(self) -> None:
        while self._queue:
            group, self._queue = self._queue, []
            merged = _Prepared.merge([prepared for prepared, _ in group])
            try:
                ids = await asyncio.to_thread(self._commit, merged)
            except BaseException as exc:
                err = (
                    exc
                    if isinstance(exc, AuditError)
                    else AuditError(f"audit append failed ({type(exc).__name__})")
                )
                for _, fut in group:
                    if not fut.done():
                        fut.set_exception(err)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            offset = 0
            for prepared, fut in group:
                n = len(prepared.entries)
                if not fut.done():
                    fut.set_result(ids[offset : offset + n])
                offset += n

    def _check_open(self) -> None:
        if self._closed:
            raise AuditError("audit log is closed")

    def _commit(self, prepared: _Prepared) -> list[int]:
        entries, leaves, hashes = prepared.entries, prepared.leaves, prepared.hashes
        with self._lock:
            self._check_open()
            conn = self._db.conn
            head: TreeHead | None = None
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    tree = self._reload_if_moved()
                    start = tree.size
                    tree.extend(hashes)
                    rows = [
                        (start + i, e.time, e.tenant, e.kind, leaf, h)
                        for i, (e, leaf, h) in enumerate(zip(entries, leaves, hashes, strict=True))
                    ]
                    conn.executemany(
                        "INSERT INTO entries (id, time, tenant, kind, leaf, leaf_hash) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        rows,
                    )
                    conn.execute(
                        "UPDATE tree_state SET size = ?, nodes = ? WHERE id = 1",
                        (tree.size, store.pack_nodes(tree.nodes)),
                    )
                    if self._head_due(tree.size):
                        head = self._insert_head(tree)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            except AuditError:
                raise
            except Exception as exc:
                raise AuditError(f"audit append failed ({type(exc).__name__})") from None
            self._tree = tree
            if head is not None:
                self._last_head = head
                self._pending_note = self._staged_note
                self._append_witness([head])
        return list(range(start, start + len(entries)))

    def _reload_if_moved(self) -> CompactRange:
        """A copy of the tree state, re-read if another process appended meanwhile."""
        row = self._db.conn.execute("SELECT size, nodes FROM tree_state WHERE id = 1").fetchone()
        if int(row[0]) == self._tree.size:
            return self._tree.copy()
        heads = store.read_heads(self._db, self.log_id)
        self._last_head = heads[-1][1] if heads else None
        return CompactRange(int(row[0]), store.unpack_nodes(bytes(row[1])))

    # -- signing -------------------------------------------------------------------------
    def _head_due(self, size: int) -> bool:
        last = self._last_head
        if last is None:
            return size >= self.config.sign_every_n or (
                self._clock() - self._opened_at >= self.config.sign_every_s
            )
        if size <= last.size:
            return False
        return (size - last.size >= self.config.sign_every_n) or (
            self._clock() - last.time_ms / 1000 >= self.config.sign_every_s
        )

    def _insert_head(self, tree: CompactRange) -> TreeHead:
        head = TreeHead.sign(
            self._key,
            log_id=self.log_id,
            size=tree.size,
            root=tree.root(),
            time_ms=_ms(self._clock()),
        )
        note_sig = checkpoint_signature(self._checkpoint_of(head), self._key)
        self._db.conn.execute(
            "INSERT INTO heads (size, root, time_ms, key_id, signature, note_signature) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                head.size,
                head.root.hex(),
                head.time_ms,
                head.key_id,
                head.signature.hex(),
                note_sig.hex(),
            ),
        )
        self._staged_note = (head, note_sig)  # published once the commit succeeded
        return head

    def _checkpoint_of(self, head: TreeHead) -> Checkpoint:
        return Checkpoint(origin_for(self.log_id), head.size, head.root)

    @property
    def checkpoint_path(self) -> Path:
        return self.config.checkpoint_path or self.config.witness_path.with_name("checkpoint")

    def latest_checkpoint(self) -> str | None:
        """The newest head as a signed C2SP checkpoint (None before the first head)."""
        note = self._pending_note
        if note is None:
            return None
        head, sig = note
        return assemble_checkpoint(self._checkpoint_of(head), self._key.verify_key, sig)

    def _publish_checkpoint(self) -> None:
        """Replace the checkpoint file with the newest head's signed checkpoint (atomic:
        a reader sees the old or the new file, never half of one)."""
        text = self.latest_checkpoint()
        if text is None:
            return
        path = self.checkpoint_path
        head = self._last_head
        if head is not None and _published_size(path) > head.size:
            return  # another opener of this log already published a newer head
        # A temp file of this writer's own: the agent and a second opener (an export that
        # signs a fresh head) may publish at the same moment.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise AuditError(f"cannot write audit checkpoint {path} ({exc.strerror})") from None

    def sign_head(self) -> TreeHead:
        """Sign and record a head for the current tree now."""
        with self._lock:
            self._check_open()
            conn = self._db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                tree = self._reload_if_moved()
                head = self._insert_head(tree)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._tree = tree
            self._last_head = head
            self._pending_note = self._staged_note
            self._append_witness([head])
            return head

    def maybe_sign_head(self) -> TreeHead | None:
        """Sign if entries are waiting and ``sign_every_s`` has passed (for idle periods)."""
        last = self._last_head
        if self._closed or (last is not None and last.size == self._tree.size):
            return None
        if last is None and self._tree.size == 0:
            return None
        if last is not None and self._clock() - last.time_ms / 1000 < self.config.sign_every_s:
            return None
        return self.sign_head()

    async def sign_periodically(self) -> None:
        """Run until cancelled or closed: sign waiting entries every ``sign_every_s`` s."""
        while not self._closed:
            await asyncio.sleep(self.config.sign_every_s)
            try:
                await asyncio.to_thread(self.maybe_sign_head)
            except AuditError:
                if self._closed:
                    return
                raise

    # -- witness file --------------------------------------------------------------------
    def _append_witness(self, heads: Sequence[TreeHead]) -> None:
        # The heads are committed in the database; the next open appends what is missing.
        witness.append_heads(self.config.witness_path, heads)
        self._publish_checkpoint()

    def _catch_up_witness(
        self, heads: Sequence[tuple[int, TreeHead]], last_witnessed: TreeHead | None
    ) -> None:
        """Append the heads a crash kept out of the witness; refuse a rolled-back database.

        If the witness's newest head is not in the database, the database was restored
        from an older copy or replaced: appending to it would fork the log, so fail.
        """
        path = self.config.witness_path
        missing = [h for _, h in heads]
        if last_witnessed is not None:
            for i, h in enumerate(missing):
                if h == last_witnessed:
                    missing = missing[i + 1 :]
                    break
            else:
                raise AuditError(
                    f"witness file {path} holds a signed head (size {last_witnessed.size}) "
                    "that the database lacks: the database was rolled back or replaced "
                    "(run `bastion audit verify --heads` against it)"
                )
        if missing:
            self._append_witness(missing)

    # -- keys ----------------------------------------------------------------------------
    def rotate_key(self, new_key: SigningKey) -> KeyRecord:
        """Sign a last head with the old key, record the handover, switch to ``new_key``.

        The caller writes the new key file (``rotate_key_file`` does both).
        """
        with self._lock:
            self._check_open()
        if self._last_head is None or self._last_head.size != self._tree.size:
            self.sign_head()
        with self._lock:
            conn = self._db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                keys = store.read_keys(self._db)
                if keys[-1].key_id != self._key.key_id:
                    raise AuditError("audit key changed underneath this process")
                rec = KeyRecord.create(self.log_id, new_key, _ms(self._clock()), self._key)
                store.insert_key(self._db, len(keys), rec)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._key = new_key
            self._digest_key = digest_key(new_key, self.log_id)
        return rec

    # -- closing -------------------------------------------------------------------------
    def close(self) -> None:
        """Sign a final head (if anything is unsigned) and close the database."""
        if self._closed:
            return
        try:
            last = self._last_head
            if last is None or last.size != self._tree.size:
                self.sign_head()
        finally:
            with self._lock:
                self._closed = True
                self._db.conn.close()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _published_size(path: Path) -> int:
    """The tree size of the checkpoint file at ``path`` (its second line), 0 if none."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0
    except OSError:
        return 0


def digest_key(key: SigningKey, log_id: str) -> bytes:
    """The log's digest key: derived from the signing key's seed (one secret to keep and
    rotate) with a label of its own, so it never equals the signing key."""
    return hmac.new(key.seed(), b"bastion-audit-digest-v2\x00" + log_id.encode(), "sha256").digest()


def _load_key(db: sqlite_utils.Database, path: Path) -> SigningKey:
    """Load the key file; create it only for a log that has no key yet."""
    try:
        if path.exists() or store.read_keys(db):
            if not path.exists():
                raise AuditError(
                    f"audit key file {path} is missing but the log already has a key; "
                    "restore the key file (a new key cannot sign for this log)"
                )
            return SigningKey.load(path)
        return SigningKey.load_or_create(path)
    except IntegrityError as exc:
        raise AuditError(f"audit signing key: {exc}") from None


def rotate_key_file(config: AuditConfig, clock: Clock = time.time) -> KeyRecord:
    """Rotate the signing key: record the handover, then replace the key file atomically."""
    new_key = SigningKey.generate()
    with AuditLog.open(config, clock) as log:
        tmp = _pending_key_path(config.key_path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(new_key.seed().hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        rec = log.rotate_key(new_key)
        os.replace(tmp, config.key_path)
        return rec


def _pending_key_path(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".new")


def _finish_interrupted_rotation(key_path: Path, current_key_id: str) -> SigningKey | None:
    """A crash between recording a rotation and renaming the key file leaves ``.new``."""
    pending = _pending_key_path(key_path)
    if not pending.exists():
        return None
    try:
        key = SigningKey.load(pending)
    except IntegrityError:
        return None
    if key.key_id != current_key_id:
        return None
    os.replace(pending, key_path)
    return key
