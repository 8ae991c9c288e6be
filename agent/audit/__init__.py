"""The signed, tamper-evident audit log: the writer the agent runs (issue 5).

    from agent.audit import AuditLog, AuditEntry, AuditConfig
    log = AuditLog.open(AuditConfig(db_path, key_path, witness_path), clock=time.time)
    ids = await log.append([AuditEntry(...)])   # durable on return
    log.close()                                  # signs a final tree head

``entry`` is the entry schema (the leaf format), ``store`` the SQLite schema and its
read helpers, ``witness`` the witness file, ``log`` the writer, ``cli`` the key
commands. The RFC 6962 core and the signed heads are the base layer's
(``bastion.tlog``); verifying, exporting and reporting are the compliance side's
(``compliance``), which reads this package's format but never writes entries.
"""

from __future__ import annotations

from agent.audit.entry import AuditEntry, InvalidAuditEntry, safe_reason
from agent.audit.log import AuditConfig, AuditLog
from bastion.tlog.heads import KeyRecord, TreeHead

__all__ = [
    "AuditConfig",
    "AuditEntry",
    "AuditLog",
    "InvalidAuditEntry",
    "KeyRecord",
    "TreeHead",
    "safe_reason",
]
