"""The audit log's SQLite schema, its migrations, and the connection settings.

Durability: WAL with ``synchronous=FULL``, so a COMMIT returns only after the WAL is
fsync'd; an acknowledged append survives kill -9 and power loss (NORMAL would only
survive a process crash, not an OS crash, and is not used). Every schema change is a
numbered migration applied in its own transaction and recorded in ``migrations``.

Tables:
    entries     id (leaf index, from 0), time, tenant, kind, leaf (canonical JSON bytes),
                leaf_hash (RFC 6962 leaf hash)
    tree_state  one row: size and the compact range (concatenated 32-byte roots)
    heads       every signed tree head, with the signature over its C2SP checkpoint
    keys        every signing key, in rotation order, with its rotation statement
    meta        log_id (random, named in every signed head)
    migrations  version, name, applied_ms

Triggers refuse UPDATE/DELETE on entries, heads and keys (migration 2); migration 3 adds
``heads.note_signature``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlite_utils

from bastion.errors import AuditError
from bastion.tlog.heads import HeadError, KeyRecord, TreeHead
from bastion.tlog.merkle import HASH_SIZE

BUSY_TIMEOUT_MS = 30_000


def _m1_initial(db: sqlite_utils.Database) -> None:
    db.table("entries").create(
        {
            "id": int,
            "time": float,
            "tenant": str,
            "kind": str,
            "leaf": bytes,
            "leaf_hash": bytes,
        },
        pk="id",
        not_null={"time", "tenant", "kind", "leaf", "leaf_hash"},
    )
    db.table("entries").create_index(["tenant", "time"], index_name="entries_tenant_time")
    db.table("tree_state").create({"id": int, "size": int, "nodes": bytes}, pk="id")
    db.execute("INSERT INTO tree_state (id, size, nodes) VALUES (1, 0, x'')")
    db.table("heads").create(
        {
            "id": int,
            "size": int,
            "root": str,
            "time_ms": int,
            "key_id": str,
            "signature": str,
        },
        pk="id",
        not_null={"size", "root", "time_ms", "key_id", "signature"},
    )
    db.table("keys").create(
        {
            "position": int,
            "key_id": str,
            "public_key": str,
            "created_ms": int,
            "previous_key_id": str,
            "previous_signature": str,
            "signature": str,
        },
        pk="position",
    )
    db.table("meta").create({"key": str, "value": str}, pk="key")


def _m2_append_only_triggers(db: sqlite_utils.Database) -> None:
    """Refuse UPDATE and DELETE on entries, heads and keys inside SQLite itself.

    Not a security boundary (whoever can write the file can drop a trigger; the Merkle
    tree and signed heads catch that): it stops accidents and careless tools.
    """
    for table in ("entries", "heads", "keys"):
        for op in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'audit {table} are append-only'); END"
            )


def _m3_checkpoint_signatures(db: sqlite_utils.Database) -> None:
    """Each head also carries an Ed25519 signature over its C2SP checkpoint text
    (``bastion.tlog.note``); heads signed before this migration have none (NULL)."""
    db.execute("ALTER TABLE heads ADD COLUMN note_signature TEXT")


MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "entries, tree_state, heads, keys, meta", _m1_initial),
    (2, "append-only triggers on entries, heads, keys", _m2_append_only_triggers),
    (3, "heads.note_signature: the C2SP checkpoint signature", _m3_checkpoint_signatures),
]


def connect(path: Path, *, readonly: bool = False) -> sqlite_utils.Database:
    """A connection in autocommit mode: transactions are explicit BEGIN/COMMIT."""
    if readonly:
        if not path.exists():
            raise AuditError(f"audit database {path} does not exist")
        uri = f"{path.resolve().as_uri()}?mode=ro"  # percent-encodes odd characters
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db = sqlite_utils.Database(conn, execute_plugins=False)
    if not readonly:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise AuditError(f"audit database {path}: cannot enable WAL (got {mode})")
        conn.execute("PRAGMA synchronous=FULL")
    return db


def applied_migrations(db: sqlite_utils.Database) -> list[int]:
    if "migrations" not in db.table_names():
        return []
    return [int(r[0]) for r in db.execute("SELECT version FROM migrations ORDER BY version")]


def migrate(db: sqlite_utils.Database, now_ms: int | None = None) -> None:
    """Apply every missing migration, each atomically with its record."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        if "migrations" not in db.table_names():
            db.table("migrations").create(
                {"version": int, "name": str, "applied_ms": int}, pk="version"
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    known = {v for v, _, _ in MIGRATIONS}
    done = set(applied_migrations(db))
    if done - known:
        raise AuditError("audit database was written by a newer Bastion (unknown migration)")
    for version, name, apply in MIGRATIONS:
        if version in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated between our read and our lock.
            if version in set(applied_migrations(db)):
                conn.execute("COMMIT")
                continue
            apply(db)
            stamp = now_ms if now_ms is not None else int(time.time() * 1000)
            conn.execute(
                "INSERT INTO migrations (version, name, applied_ms) VALUES (?, ?, ?)",
                (version, name, stamp),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


# -- reading and writing the small tables ----------------------------------------------
def pack_nodes(nodes: Sequence[bytes]) -> bytes:
    return b"".join(nodes)


def unpack_nodes(blob: bytes) -> list[bytes]:
    if len(blob) % HASH_SIZE:
        raise AuditError("audit tree state is corrupt (run `bastion audit verify`)")
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]


def read_keys(db: sqlite_utils.Database) -> list[KeyRecord]:
    rows = db.execute(
        "SELECT key_id, public_key, created_ms, previous_key_id, previous_signature, signature "
        "FROM keys ORDER BY position"
    ).fetchall()
    return [KeyRecord(*row) for row in rows]


def read_heads(db: sqlite_utils.Database, log_id: str) -> list[tuple[int, TreeHead]]:
    rows = db.execute(
        "SELECT id, size, root, time_ms, key_id, signature FROM heads ORDER BY id"
    ).fetchall()
    out = []
    for hid, size, root, time_ms, key_id, sig in rows:
        try:
            head = TreeHead(log_id, size, bytes.fromhex(root), time_ms, key_id, bytes.fromhex(sig))
        except (ValueError, TypeError):
            raise HeadError(f"signed head #{hid} in the database is malformed") from None
        out.append((int(hid), head))
    return out


def read_note_signatures(db: sqlite_utils.Database) -> dict[int, bytes]:
    """Head id -> the Ed25519 signature over that head's C2SP checkpoint text (heads
    signed before migration 3 have none)."""
    if "note_signature" not in {c.name for c in db.table("heads").columns}:
        return {}
    rows = db.execute(
        "SELECT id, note_signature FROM heads WHERE note_signature IS NOT NULL"
    ).fetchall()
    out: dict[int, bytes] = {}
    for hid, sig in rows:
        try:
            out[int(hid)] = bytes.fromhex(sig)
        except (ValueError, TypeError):
            raise HeadError(f"signed head #{hid}: checkpoint signature is malformed") from None
    return out


def read_log_id(db: sqlite_utils.Database) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = 'log_id'").fetchone()
    if row is None:
        raise AuditError("audit database has no log id")
    return str(row[0])


def insert_key(db: sqlite_utils.Database, position: int, rec: KeyRecord) -> None:
    db.conn.execute(
        "INSERT INTO keys (position, key_id, public_key, created_ms, previous_key_id, "
        "previous_signature, signature) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            position,
            rec.key_id,
            rec.public_key,
            rec.created_ms,
            rec.previous_key_id,
            rec.previous_signature,
            rec.signature,
        ),
    )
