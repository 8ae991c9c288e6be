"""What the console reads from the audit log: read-only, one snapshot per call.

The database is opened with ``mode=ro`` for every call (the agent keeps appending; WAL
lets both run). Entries hold no text, so nothing here can show any: the decision log
shows counts, types, rules, destinations, statuses and digests.

Filtering by tenant and time uses the ``entries (tenant, time)`` index; the other
filters parse the matching leaves (at most ``SCAN_LIMIT`` newest per query, and the
page says when it stopped there).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from agent.audit import AuditEntry, store
from bastion.errors import AuditError
from bastion.tlog.heads import TreeHead
from bastion.tlog.merkle import MerkleTree, ProofError, hash_leaf, verify_inclusion

SCAN_LIMIT = 50_000


@dataclass(frozen=True)
class LogQuery:
    tenants: frozenset[str] | None  # what the account may see (None: every tenant)
    tenant: str = ""
    kind: str = ""
    action: str = ""
    status: str = ""
    rule: str = ""
    destination: str = ""
    category: str = ""
    since: float | None = None
    until: float | None = None
    limit: int = 100
    offset: int = 0


Record = dict[str, Any]  # a leaf as parsed JSON (display only; verify checks the log)


@dataclass(frozen=True)
class LogPage:
    rows: list[tuple[int, Record]]
    matched: int
    scanned: int
    truncated: bool


@dataclass(frozen=True)
class Inclusion:
    entry_id: int
    leaf_hash: str
    head: TreeHead | None
    proof: list[str]
    verified: bool
    detail: str


def day(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")


class AuditReader:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    @contextmanager
    def _db(self) -> Iterator[sqlite_utils.Database]:
        db = store.connect(self.db_path, readonly=True)
        try:
            db.conn.execute("BEGIN")
            yield db
            db.conn.execute("COMMIT")
        finally:
            db.conn.close()

    def tenants(self) -> list[str]:
        with self._db() as db:
            rows = db.execute("SELECT DISTINCT tenant FROM entries WHERE tenant != ''")
            return sorted(str(r[0]) for r in rows)

    def _select(self, db: sqlite_utils.Database, q: LogQuery) -> Iterable[tuple[int, bytes]]:
        where: list[str] = []
        args: list[object] = []
        if q.tenant:
            where.append("tenant = ?")
            args.append(q.tenant)
        if q.tenants is not None:
            marks = ",".join("?" for _ in q.tenants) or "''"
            where.append(f"tenant IN ({marks})")
            args.extend(sorted(q.tenants))
        if q.since is not None:
            where.append("time >= ?")
            args.append(q.since)
        if q.until is not None:
            where.append("time < ?")
            args.append(q.until)
        sql = "SELECT id, leaf FROM entries"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        return ((int(i), bytes(leaf)) for i, leaf in db.execute(sql, [*args, SCAN_LIMIT]))

    def search(self, q: LogQuery) -> LogPage:
        out: list[tuple[int, Record]] = []
        matched = scanned = 0
        with self._db() as db:
            for eid, leaf in self._select(db, q):
                scanned += 1
                e = _record(leaf)
                if not _matches(e, q):
                    continue
                matched += 1
                if q.offset < matched <= q.offset + q.limit:
                    out.append((eid, e))
        return LogPage(out, matched, scanned, scanned >= SCAN_LIMIT)

    def entry(self, entry_id: int, tenants: frozenset[str] | None) -> AuditEntry | None:
        with self._db() as db:
            row = db.execute("SELECT leaf FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            return None
        e = AuditEntry.from_canonical(bytes(row[0]))
        if tenants is not None and e.tenant not in tenants:
            return None  # another tenant's entry is not there, as far as this account knows
        return e

    def inclusion(self, entry_id: int) -> Inclusion:
        """The entry's RFC 6962 inclusion proof to the newest signed head, checked here."""
        with self._db() as db:
            log_id = store.read_log_id(db)
            heads = store.read_heads(db, log_id)
            row = db.execute("SELECT leaf, leaf_hash FROM entries WHERE id = ?", (entry_id,))
            leaf_row = row.fetchone()
            head = heads[-1][1] if heads else None
            if leaf_row is None:
                raise AuditError(f"entry {entry_id} does not exist")
            leaf_hash = bytes(leaf_row[1])
            if head is None or entry_id >= head.size:
                return Inclusion(
                    entry_id, leaf_hash.hex(), head, [], False,
                    "not yet covered by a signed head (the next head will cover it)",
                )  # fmt: skip
            hashes = [
                bytes(r[0])
                for r in db.execute(
                    "SELECT leaf_hash FROM entries WHERE id < ? ORDER BY id", (head.size,)
                )
            ]
        proof = MerkleTree(hashes).inclusion_proof(entry_id, head.size)
        try:
            if hash_leaf(bytes(leaf_row[0])) != leaf_hash:
                raise ProofError("the entry's content does not match its leaf hash")
            verify_inclusion(entry_id, head.size, leaf_hash, proof, head.root)
            ok, detail = True, f"included in the signed head of size {head.size}"
        except ProofError as exc:
            ok, detail = False, str(exc)
        return Inclusion(entry_id, leaf_hash.hex(), head, [p.hex() for p in proof], ok, detail)

    def overview(
        self, tenants: frozenset[str] | None, since: float, until: float
    ) -> dict[str, Any]:
        q = LogQuery(tenants=tenants, since=since, until=until)
        by_day: dict[str, Counter[str]] = defaultdict(Counter)
        series: dict[str, dict[str, Counter[str]]] = {
            k: defaultdict(Counter) for k in ("action", "category", "destination", "tenant")
        }
        bytes_dest: Counter[str] = Counter()
        bytes_jur: Counter[str] = Counter()
        withheld: Counter[str] = Counter()
        egress_by_day: Counter[str] = Counter()
        sections = scanned = 0
        with self._db() as db:
            for _, leaf in self._select(db, q):
                scanned += 1
                e = _record(leaf)
                kind, dest_rec = e["kind"], e["destination"]
                d = day(e["time"])
                by_day[d][kind] += 1
                if kind == "cloud_call" and dest_rec is not None:
                    bytes_dest[dest_rec["name"]] += e["bytes_sent"]
                    bytes_jur[dest_rec["jurisdiction"]] += e["bytes_sent"]
                if kind == "egress_block":
                    egress_by_day[d] += 1
                if kind not in ("section", "egress_block"):
                    continue
                sections += 1
                dest = dest_rec["name"] if dest_rec is not None else "(kept local)"
                series["action"][d][e["action"] or "none"] += 1
                series["category"][d][e["category"] or "none"] += 1
                series["destination"][d][dest] += 1
                series["tenant"][d][e["tenant"]] += 1
                if e["status"] != "SENT":
                    withheld[e["status"] or "none"] += 1
        days = sorted(by_day)
        return {
            "days": days,
            "sections": sections,
            "entries": scanned,
            "truncated": scanned >= SCAN_LIMIT,
            "series": {name: _stack(days, per_day) for name, per_day in series.items()},
            "bytes_by_destination": dict(bytes_dest.most_common()),
            "bytes_by_jurisdiction": dict(bytes_jur.most_common()),
            "withheld_by_status": dict(withheld.most_common()),
            "egress_withholds": {"days": days, "counts": [egress_by_day[d] for d in days]},
        }


def _stack(days: list[str], per_day: dict[str, Counter[str]]) -> dict[str, Any]:
    labels = sorted({k for c in per_day.values() for k in c})
    return {
        "days": days,
        "datasets": [{"label": k, "data": [per_day[d][k] for d in days]} for k in labels],
        "totals": {k: sum(per_day[d][k] for d in days) for k in labels},
    }


_KEYS = ("kind", "time", "tenant", "action", "status", "category", "rule_ids", "destination")


def _record(leaf: bytes) -> Record:
    """A leaf parsed for display: plain JSON, no re-validation (about 10x cheaper than
    ``AuditEntry.from_canonical``; ``verify`` is what vouches for the log). A leaf that
    is not a JSON object with the entry's keys fails closed."""
    try:
        rec = json.loads(leaf)
    except ValueError:
        raise AuditError("an audit leaf is not JSON (run bastion audit verify)") from None
    if not isinstance(rec, dict) or any(k not in rec for k in _KEYS):
        raise AuditError("an audit leaf is not an entry (run bastion audit verify)")
    return rec


def _matches(e: Record, q: LogQuery) -> bool:
    for name in ("kind", "action", "status", "category"):
        want = getattr(q, name)
        if want and e[name] != want:
            return False
    if q.rule and q.rule not in e["rule_ids"]:
        return False
    dest = e["destination"]["name"] if e["destination"] is not None else ""
    return not (q.destination and dest != q.destination)


def entry_fields(e: AuditEntry) -> list[tuple[str, str]]:
    """The entry as label/value pairs for the entry page (all fields; none is text)."""
    d = e.to_dict()
    out = []
    for k in sorted(d):
        v = d[k]
        out.append((k, v if isinstance(v, str) else json.dumps(v, sort_keys=True)))
    return out
