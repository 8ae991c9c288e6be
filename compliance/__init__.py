"""The compliance side of the audit log: everything that reads it, never writes entries.

``verify`` re-checks a whole log; ``export`` writes and checks offline-verifiable
evidence; ``merge`` merges several nodes' exports; ``report`` is the residency summary;
``console`` is the web console (``bastion console serve``); ``cli`` is ``bastion audit``
and ``bastion console``. It reads the log's format from ``agent.audit`` (entry schema,
SQLite schema, witness file) and ``bastion.tlog`` (Merkle tree, signed heads).
"""
