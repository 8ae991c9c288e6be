"""The signed, tamper-evident audit log (issue 5).

    from agent.audit import AuditLog, AuditEntry, AuditConfig
    log = AuditLog.open(AuditConfig(db_path, key_path, witness_path), clock=time.time)
    ids = await log.append([AuditEntry(...)])   # durable on return
    log.close()                                  # signs a final tree head

``merkle`` is the pure RFC 6962 core; ``verify`` re-checks a whole log; ``export``
writes and checks offline-verifiable compliance exports; ``merge`` merges several nodes'
exports into one (each entry proven by its own node's log); ``cli`` is ``bastion audit``.
"""

from __future__ import annotations

from agent.audit.entry import AuditEntry, InvalidAuditEntry, safe_reason
from agent.audit.heads import KeyRecord, TreeHead
from agent.audit.log import AuditConfig, AuditLog

__all__ = [
    "AuditConfig",
    "AuditEntry",
    "AuditLog",
    "InvalidAuditEntry",
    "KeyRecord",
    "TreeHead",
    "safe_reason",
]
