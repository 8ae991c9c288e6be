"""Builders for the audit tests: realistic entries, an injected clock, an attacker."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from agent.audit import AuditEntry

T0 = 1_780_000_000.0
DEST_EU = {"name": "eu-llm", "provider": "azure", "region": "westeurope", "jurisdiction": "EU"}
DEST_US = {"name": "us-llm", "provider": "openai", "region": "us-east-1", "jurisdiction": "US"}


class FakeClock:
    """A settable clock (time is injected; tests never patch time.time)."""

    def __init__(self, start: float = T0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_entry(i: int, tenant: str = "acme", time: float | None = None) -> AuditEntry:
    """A realistic mix: sections (sent or withheld), cloud calls and requests."""
    t = T0 + i if time is None else time
    kind = ("section", "cloud_call", "section", "request", "egress_block")[i % 5]
    sent = kind == "cloud_call" or (kind == "section" and i % 2 == 0)
    return AuditEntry(
        kind=kind,
        decision_id=f"req-{i // 5}:{kind}:{i}",
        time=t,
        request_id=f"req-{i // 5}",
        tenant=tenant,
        caller="cert:docsys",
        document_sha256=sha(f"doc{i // 5}"),
        section_index=i % 7 if kind in ("section", "egress_block") else None,
        section_sha256=sha(f"sec{i}") if kind == "section" else "",
        category="confidential" if kind == "section" else "",
        entity_counts={"PERSON": i % 3, "EMAIL_ADDRESS": 1} if kind == "section" else {},
        policy_version="sha256:" + sha("policy")[:16],
        rule_ids=["eu-redact"] if sent else ["default-deny"],
        action="redact" if sent else ("local_only" if kind == "section" else ""),
        destination=(DEST_EU if (i // 2) % 2 else DEST_US) if sent else None,
        bytes_sent=100 + i if sent else 0,
        sent_sha256=sha(f"sent{i}") if sent else "",
        model_versions=["minilm-int8@1"],
        orchestration_mode="consensus",
        latency_ms=1.25 * (i % 4),
        status="SENT" if sent else ("WITHHELD_POLICY" if kind == "section" else "OK"),
        reason="policy action redact" if sent else "",
    )


def entries(n: int, start: int = 0, tenant: str = "acme") -> list[AuditEntry]:
    return [make_entry(i, tenant) for i in range(start, start + n)]


def attacker(db_path: Path) -> sqlite3.Connection:
    """Somebody with write access to the file: drops the append-only triggers first."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn
