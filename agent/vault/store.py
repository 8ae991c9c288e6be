"""The vault on disk: one SQLite file per tenant, every entry sealed with AES-256-GCM.

Layout of ``<directory>/<tenant digest>.vault``:
- ``meta(name, value)``: the file header - format, tenant digest, the id of the key that
  sealed it (never the key) and a random per-file index key, itself sealed. A file sealed
  with another key is refused with a message naming both key ids; ``rotate_key`` re-seals
  every entry and the index key with a new key.
- ``pseudonyms(document, placeholder, created_at, sealed)``: ``document`` is an HMAC of
  the document id under the index key (document ids can be names, and the index key does
  not change on rotation), ``sealed`` is
  ``bastion.crypto.seal(tenant key, {"type", "index", "value"}, aad)``.

Tenant isolation is cryptographic, not only by file name: each tenant's entries are
sealed with a key derived from the master key and the tenant (HMAC-SHA256), and the
associated data binds the tenant, the document, the placeholder and the creation time.
An entry moved to another tenant's file, another document, another placeholder, or given
a later creation time (to dodge expiry) no longer opens: ``IntegrityError``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from agent.domain import EntityType
from bastion.crypto import AES_KEY_BYTES, IntegrityError, open_sealed, seal

FORMAT = "bastion-vault/1"
SUFFIX = ".vault"
BUSY_TIMEOUT_S = 10.0

Clock = Callable[[], float]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pseudonyms (
    document TEXT NOT NULL,
    placeholder TEXT NOT NULL,
    created_at REAL NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (document, placeholder)
);
CREATE INDEX IF NOT EXISTS pseudonyms_created ON pseudonyms (created_at);
"""


def key_id(master_key: bytes) -> str:
    """A public name for a key, to say which key sealed a file (not derivable back)."""
    return hmac.new(master_key, b"bastion-vault key id", hashlib.sha256).hexdigest()[:16]


def tenant_digest(tenant: str) -> str:
    return hashlib.sha256(b"bastion-vault tenant\x00" + tenant.encode("utf-8")).hexdigest()[:32]


def _index_aad(digest: str) -> bytes:
    return f"{FORMAT}|{digest}|index-key".encode()


def _tenant_key(master_key: bytes, digest: str) -> bytes:
    return hmac.new(master_key, f"{FORMAT} tenant {digest}".encode(), hashlib.sha256).digest()


def check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != AES_KEY_BYTES:
        raise IntegrityError(f"vault key must be {AES_KEY_BYTES} bytes")


@dataclass(frozen=True, slots=True)
class Entry:
    type: EntityType
    index: int
    value: str

    @property
    def placeholder(self) -> str:
        return f"<{self.type.value}_{self.index}>"


class TenantFile:
    """One tenant's sealed table. Thread-safe; one short-lived connection per call."""

    def __init__(self, directory: Path, master_key: bytes, tenant: str, clock: Clock) -> None:
        check_key(master_key)
        self.digest = tenant_digest(tenant)
        self.path = directory / f"{self.digest}{SUFFIX}"
        self._key = _tenant_key(master_key, self.digest)
        self._key_id = key_id(master_key)
        self._clock = clock
        self._lock = threading.Lock()
        self._index_key: bytes | None = None

    def document_key(self, document_id: str) -> str:
        if self._index_key is None:
            with self._lock, self._connect():
                pass
        assert self._index_key is not None
        return hmac.new(self._index_key, document_id.encode(), "sha256").hexdigest()

    def _aad(self, document: str, placeholder: str, created_at: float) -> bytes:
        return f"{FORMAT}|{self.digest}|{document}|{placeholder}|{created_at!r}".encode()

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            if self._index_key is None:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                self._index_key = self._check_header(conn)
            yield conn
        except sqlite3.DatabaseError as exc:
            # A corrupt or foreign file must not be read as "no entries".
            raise IntegrityError(f"vault file {self.path.name} cannot be read ({exc})") from None
        finally:
            conn.close()

    def _check_header(self, conn: sqlite3.Connection) -> bytes:
        """Create the header of a new file, or check an existing one; the index key."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
            if not meta:
                meta = {
                    "format": FORMAT,
                    "tenant": self.digest,
                    "key_id": self._key_id,
                    "index_key": seal(
                        self._key, secrets.token_bytes(32), _index_aad(self.digest)
                    ).hex(),
                }
                conn.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", meta.items())
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        name = self.path.name
        if meta.get("format") != FORMAT:
            raise IntegrityError(f"vault file {name}: unknown format")
        if meta.get("tenant") != self.digest:
            raise IntegrityError(f"vault file {name}: belongs to another tenant")
        if meta.get("key_id") != self._key_id:
            raise IntegrityError(
                f"vault file {name} is sealed with key id {meta.get('key_id')}, "
                f"the configured key has id {self._key_id} (rotate with agent.vault.rotate_key)"
            )
        try:
            blob = bytes.fromhex(str(meta.get("index_key", "")))
        except ValueError:
            raise IntegrityError(f"vault file {name}: malformed header") from None
        return open_sealed(self._key, blob, _index_aad(self.digest))

    def load(self, document: str, not_before: float) -> list[Entry]:
        """The live entries of one document; ``IntegrityError`` if any fails to open."""
        with self._lock, self._connect() as conn:
            rows = conn.execute(
                "SELECT placeholder, created_at, CAST(sealed AS BLOB) FROM pseudonyms "
                "WHERE document = ? AND created_at >= ?",
                (document, not_before),
            ).fetchall()
        return [self._open(document, str(p), float(c), bytes(s)) for p, c, s in rows]

    def _open(self, document: str, placeholder: str, created_at: float, blob: bytes) -> Entry:
        plain = open_sealed(self._key, blob, self._aad(document, placeholder, created_at))
        try:
            raw = json.loads(plain)
            entry = Entry(EntityType(raw["type"]), int(raw["index"]), str(raw["value"]))
        except (ValueError, KeyError, TypeError):
            raise IntegrityError("vault entry is malformed") from None
        if entry.placeholder != placeholder:
            raise IntegrityError("vault entry does not match its placeholder")
        return entry

    def store(self, document: str, entries: list[Entry], expire_before: float) -> None:
        """Insert new entries in one transaction and drop expired ones.

        An existing row for the same placeholder must hold the same value (another
        process allocated it otherwise): that conflict raises rather than overwrite.
        """
        now = self._clock()
        with self._lock, self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Expired rows go first: a new entry may reuse an expired placeholder.
                conn.execute("DELETE FROM pseudonyms WHERE created_at < ?", (expire_before,))
                for entry in entries:
                    self._insert(conn, document, entry, now)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _insert(self, conn: sqlite3.Connection, document: str, entry: Entry, now: float) -> None:
        row = conn.execute(
            "SELECT created_at, CAST(sealed AS BLOB) FROM pseudonyms "
            "WHERE document = ? AND placeholder = ?",
            (document, entry.placeholder),
        ).fetchone()
        if row is not None:
            existing = self._open(document, entry.placeholder, float(row[0]), bytes(row[1]))
            if existing != entry:
                raise IntegrityError("vault conflict: placeholder already holds another value")
            return
        plain = json.dumps(
            {"type": entry.type.value, "index": entry.index, "value": entry.value}
        ).encode("utf-8")
        sealed = seal(self._key, plain, self._aad(document, entry.placeholder, now))
        conn.execute(
            "INSERT INTO pseudonyms (document, placeholder, created_at, sealed) VALUES (?,?,?,?)",
            (document, entry.placeholder, now, sealed),
        )

    def purge(self, expire_before: float) -> int:
        with self._lock, self._connect() as conn:
            cur = conn.execute("DELETE FROM pseudonyms WHERE created_at < ?", (expire_before,))
            return cur.rowcount


def rotate_key(directory: Path, old_key: bytes, new_key: bytes) -> int:
    """Re-seal every entry of every tenant file in ``directory`` with ``new_key``.

    Each file is re-sealed in one transaction, so a crash leaves it wholly under the old
    key or wholly under the new one (its header says which). Returns the entries re-sealed.
    Run it with the agent stopped, then configure the new key.
    """
    check_key(old_key)
    check_key(new_key)
    old_id, new_id = key_id(old_key), key_id(new_key)
    total = 0
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                total += _reseal(conn, path, old_key, new_key, old_id, new_id)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()
    return total


def _reseal(
    conn: sqlite3.Connection, path: Path, old: bytes, new: bytes, old_id: str, new_id: str
) -> int:
    meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
    if meta.get("key_id") == new_id:
        return 0
    if meta.get("key_id") != old_id:
        raise IntegrityError(f"vault file {path.name} is not sealed with the old key")
    digest = str(meta["tenant"])
    old_key, new_key = _tenant_key(old, digest), _tenant_key(new, digest)
    index_key = bytes.fromhex(str(meta["index_key"]))
    conn.execute(
        "UPDATE meta SET value = ? WHERE name = 'index_key'",
        (
            seal(
                new_key, open_sealed(old_key, index_key, _index_aad(digest)), _index_aad(digest)
            ).hex(),
        ),
    )
    rows = conn.execute(
        "SELECT document, placeholder, created_at, CAST(sealed AS BLOB) FROM pseudonyms"
    )
    count = 0
    for document, placeholder, created_at, blob in rows.fetchall():
        aad = f"{FORMAT}|{digest}|{document}|{placeholder}|{float(created_at)!r}".encode()
        plain = open_sealed(old_key, bytes(blob), aad)
        conn.execute(
            "UPDATE pseudonyms SET sealed = ? WHERE document = ? AND placeholder = ?",
            (seal(new_key, plain, aad), document, placeholder),
        )
        count += 1
    conn.execute("UPDATE meta SET value = ? WHERE name = 'key_id'", (new_id,))
    return count
