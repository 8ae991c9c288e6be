"""The durable review queue: one SQLite file, the section text sealed at rest.

Columns in clear are what a list needs and the audit log already holds (tenant, state,
times, request id, section index, category, entity counts, rule ids, policy version,
section digest, reviewer, deny reason, send status). Everything else - the section text
and heading, the entity offsets, the document id, the task's instruction, the reviewer's
note and the answer - is sealed with AES-256-GCM (``bastion.crypto.seal``) under a key
derived per tenant from the master key (HMAC-SHA256, as the vault does), with associated
data binding the tenant, the item id, its creation time and the part. A row copied to
another tenant or id, or a blob swapped between rows, no longer opens: ``IntegrityError``.

Durability: WAL with ``synchronous=FULL``; every write is one transaction. Schema
changes are numbered migrations recorded in ``migrations``. A decision claims the row
with a conditional UPDATE (pending -> deciding), so two reviewers cannot both approve.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.domain import Category, Entity, EntityType, Section, SectionAnalysis, Task
from agent.policy.base import Action, Decision, Destination
from agent.review.base import ReviewItem, ReviewState, ReviewSubmission, SendOutcome
from bastion.crypto import AES_KEY_BYTES, IntegrityError, open_sealed, seal
from bastion.errors import BastionError, InvalidInput

FORMAT = "bastion-review/1"
BUSY_TIMEOUT_S = 30.0


class ReviewError(BastionError):
    """The review queue cannot be read or written (fails closed: nothing is sent)."""


class ReviewNotFound(InvalidInput):
    """No review item with that id for that tenant (also for another tenant's id)."""


_MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "items",
        """
        CREATE TABLE items (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            state TEXT NOT NULL,
            created REAL NOT NULL,
            decided REAL,
            request_id TEXT NOT NULL,
            section_index INTEGER NOT NULL,
            category TEXT NOT NULL,
            entity_counts TEXT NOT NULL,
            rule_ids TEXT NOT NULL,
            policy_version TEXT NOT NULL,
            section_sha256 TEXT NOT NULL,
            reviewer TEXT NOT NULL DEFAULT '',
            deny_reason TEXT NOT NULL DEFAULT '',
            send_status TEXT NOT NULL DEFAULT '',
            sealed BLOB NOT NULL,
            sealed_result BLOB
        );
        CREATE INDEX items_tenant_state ON items (tenant, state, created);
        """,
    ),
]


def queue_key(vault_key: bytes) -> bytes:
    """The queue's master key, derived from the agent's vault key (one secret to manage;
    a different label keeps the two uses apart)."""
    return hmac.new(vault_key, b"bastion-review queue key", hashlib.sha256).digest()


def _tenant_key(master: bytes, tenant: str) -> bytes:
    return hmac.new(master, f"{FORMAT} tenant {tenant}".encode(), hashlib.sha256).digest()


def _aad(tenant: str, item_id: str, created: float, part: str) -> bytes:
    return f"{FORMAT}|{tenant}|{item_id}|{created!r}|{part}".encode()


def _dest(d: Destination) -> dict[str, Any]:
    return {
        "name": d.name,
        "provider": d.provider,
        "region": d.region,
        "jurisdiction": d.jurisdiction,
        "attributes": sorted(d.attributes),
    }


def _dest_from(raw: dict[str, Any]) -> Destination:
    return Destination(
        raw["name"],
        raw["provider"],
        raw["region"],
        raw["jurisdiction"],
        frozenset(raw["attributes"]),
    )


def _payload(sub: ReviewSubmission) -> bytes:
    s, a, d, t = sub.section, sub.analysis, sub.decision, sub.task
    return json.dumps(
        {
            "document_id": sub.document_id,
            "source_jurisdiction": sub.source_jurisdiction,
            "caller": sub.caller,
            "section": [s.index, s.heading, s.start, s.end, s.text],
            "category_scores": {c.value: float(v) for c, v in a.category_scores.items()},
            "entities": [[e.type.value, e.start, e.end, e.score, e.source] for e in a.entities],
            "model_version": a.model_version,
            "decision": {
                "action": d.action.value,
                "rule_ids": list(d.rule_ids),
                "destinations": [_dest(x) for x in d.destinations],
                "reason": d.reason,
            },
            "task": [t.instruction, t.mode, t.resolution, t.max_output_tokens],
        }
    ).encode("utf-8")


class ReviewQueue:
    """Implements ``ReviewSink``'s storage; ``ReviewDesk`` adds policy and audit."""

    def __init__(self, path: Path, master_key: bytes, clock: Callable[[], float]) -> None:
        if len(master_key) != AES_KEY_BYTES:
            raise IntegrityError(f"review queue key must be {AES_KEY_BYTES} bytes")
        self.path = path
        self._master = master_key
        self._clock = clock
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            self._migrate(conn)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            yield conn
        except sqlite3.DatabaseError as exc:
            raise ReviewError(f"review queue {self.path.name}: {type(exc).__name__}") from None
        finally:
            conn.close()

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied REAL NOT NULL)"
            )
            done = {int(r[0]) for r in conn.execute("SELECT version FROM migrations")}
            if done - {v for v, _, _ in _MIGRATIONS}:
                raise ReviewError("review queue was written by a newer Bastion")
            for version, name, sql in _MIGRATIONS:
                if version in done:
                    continue
                for statement in sql.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO migrations (version, name, applied) VALUES (?, ?, ?)",
                    (version, name, self._clock()),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- writing -------------------------------------------------------------------------
    def add(self, sub: ReviewSubmission) -> ReviewItem:
        item_id = secrets.token_hex(12)
        created = self._clock()
        key = _tenant_key(self._master, sub.tenant)
        sealed = seal(key, _payload(sub), _aad(sub.tenant, item_id, created, "submission"))
        row = (
            item_id,
            sub.tenant,
            ReviewState.PENDING.value,
            created,
            sub.request_id,
            sub.section.index,
            sub.analysis.category.value,
            json.dumps(sub.analysis.entity_counts(), sort_keys=True),
            json.dumps(list(sub.decision.rule_ids)),
            sub.decision.policy_version,
            hashlib.sha256(sub.section.text.encode("utf-8")).hexdigest(),
            sealed,
        )
        with self._lock, self._connect() as conn:
            conn.execute(
                "INSERT INTO items (id, tenant, state, created, request_id, section_index, "
                "category, entity_counts, rule_ids, policy_version, section_sha256, sealed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        return ReviewItem(item_id, ReviewState.PENDING, created, sub)

    def discard(self, tenant: str, item_id: str) -> None:
        """Remove a pending item whose enqueue could not be audited."""
        with self._lock, self._connect() as conn:
            conn.execute(
                "DELETE FROM items WHERE id = ? AND tenant = ? AND state = ?",
                (item_id, tenant, ReviewState.PENDING.value),
            )

    def claim(self, tenant: str, item_id: str) -> bool:
        """pending -> deciding, atomically; False when another decision got there first."""
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                "UPDATE items SET state = ? WHERE id = ? AND tenant = ? AND state = ?",
                (ReviewState.DECIDING.value, item_id, tenant, ReviewState.PENDING.value),
            )
            return cur.rowcount == 1

    def release_claim(self, tenant: str, item_id: str) -> None:
        """deciding -> pending (an approval that was refused before anything was sent)."""
        with self._lock, self._connect() as conn:
            conn.execute(
                "UPDATE items SET state = ? WHERE id = ? AND tenant = ? AND state = ?",
                (ReviewState.PENDING.value, item_id, tenant, ReviewState.DECIDING.value),
            )

    def finish(
        self,
        item: ReviewItem,
        state: ReviewState,
        *,
        reviewer: str,
        deny_reason: str = "",
        note: str = "",
        outcome: SendOutcome | None = None,
    ) -> ReviewItem:
        decided = self._clock()
        tenant = item.submission.tenant
        result = {
            "note": note,
            "outcome": None
            if outcome is None
            else {
                "sent": outcome.sent,
                "status": outcome.status,
                "reason": outcome.reason,
                "destination": None if outcome.destination is None else _dest(outcome.destination),
                "bytes_sent": outcome.bytes_sent,
                "sent_sha256": outcome.sent_sha256,
                "answer": outcome.answer,
                "audit_ids": list(outcome.audit_ids),
            },
        }
        sealed = seal(
            _tenant_key(self._master, tenant),
            json.dumps(result).encode("utf-8"),
            _aad(tenant, item.id, item.created, "result"),
        )
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                "UPDATE items SET state = ?, decided = ?, reviewer = ?, deny_reason = ?, "
                "send_status = ?, sealed_result = ? "
                "WHERE id = ? AND tenant = ? AND state IN (?, ?)",
                (
                    state.value,
                    decided,
                    reviewer,
                    deny_reason,
                    outcome.status if outcome else "",
                    sealed,
                    item.id,
                    tenant,
                    ReviewState.PENDING.value,
                    ReviewState.DECIDING.value,
                ),
            )
            if cur.rowcount != 1:
                raise ReviewError("review item was decided by someone else meanwhile")
        return ReviewItem(
            item.id,
            state,
            item.created,
            item.submission,
            decided,
            reviewer,
            deny_reason,
            note,
            outcome,
        )

    # -- reading -------------------------------------------------------------------------
    _COLUMNS = (
        "id, tenant, state, created, decided, request_id, section_index, category, "
        "entity_counts, rule_ids, policy_version, section_sha256, reviewer, deny_reason, "
        "send_status, sealed, sealed_result"
    )

    def list(
        self, tenant: str | None, state: ReviewState | None = None, limit: int = 200
    ) -> list[ReviewItem]:
        """Items of ``tenant`` (None: every tenant), newest first."""
        where, args = [], []
        if tenant is not None:
            where.append("tenant = ?")
            args.append(tenant)
        if state is not None:
            where.append("state = ?")
            args.append(state.value)
        sql = f"SELECT {self._COLUMNS} FROM items"  # noqa: S608 - fixed column list
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created DESC, id LIMIT ?"
        with self._lock, self._connect() as conn:
            rows = conn.execute(sql, [*args, max(1, min(limit, 1000))]).fetchall()
        return [self._item(r) for r in rows]

    def get(self, tenant: str, item_id: str) -> ReviewItem:
        with self._lock, self._connect() as conn:
            row = conn.execute(
                f"SELECT {self._COLUMNS} FROM items WHERE id = ? AND tenant = ?",  # noqa: S608
                (item_id, tenant),
            ).fetchone()
        if row is None:
            raise ReviewNotFound("no review item with that id for this tenant")
        return self._item(row)

    def _item(self, row: tuple[Any, ...]) -> ReviewItem:
        (item_id, tenant, state, created, decided, request_id, _index, category, _counts,
         rule_ids, policy_version, _digest, reviewer, deny_reason, _status, sealed,
         sealed_result) = row  # fmt: skip
        key = _tenant_key(self._master, tenant)
        raw = json.loads(
            open_sealed(key, bytes(sealed), _aad(tenant, item_id, created, "submission"))
        )
        index, heading, start, end, text = raw["section"]
        analysis = SectionAnalysis(
            category=Category(category),
            category_scores={Category(k): float(v) for k, v in raw["category_scores"].items()},
            entities=tuple(
                Entity(EntityType(t), int(s), int(e), float(sc), str(src))
                for t, s, e, sc, src in raw["entities"]
            ),
            model_version=raw["model_version"],
        )
        d = raw["decision"]
        sub = ReviewSubmission(
            tenant=tenant,
            request_id=request_id,
            document_id=raw["document_id"],
            source_jurisdiction=raw["source_jurisdiction"],
            caller=raw["caller"],
            section=Section(int(index), heading, int(start), int(end), text),
            analysis=analysis,
            decision=Decision(
                Action(d["action"]),
                tuple(json.loads(rule_ids)),
                tuple(_dest_from(x) for x in d["destinations"]),
                policy_version,
                {},
                d["reason"],
            ),
            task=Task(*raw["task"]),
        )
        note, outcome = "", None
        if sealed_result is not None:
            res = json.loads(
                open_sealed(key, bytes(sealed_result), _aad(tenant, item_id, created, "result"))
            )
            note = res["note"]
            o = res["outcome"]
            if o is not None:
                outcome = SendOutcome(
                    o["sent"], o["status"], o["reason"],
                    None if o["destination"] is None else _dest_from(o["destination"]),
                    o["bytes_sent"], o["sent_sha256"], o["answer"], tuple(o["audit_ids"]),
                )  # fmt: skip
        return ReviewItem(
            item_id, ReviewState(state), created, sub, decided, reviewer, deny_reason, note,
            outcome,
        )  # fmt: skip
