"""Child process for the kill -9 test: appends forever, printing each acknowledged id.

Usage: python durability_child.py DIR. Four concurrent appenders share group commits;
a line ``ack <id> <decision_id>`` is printed only after ``append`` returned.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from agent.audit import AuditConfig, AuditEntry, AuditLog


async def appender(log: AuditLog, worker: int) -> None:
    seq = 0
    while True:
        batch = [
            AuditEntry(
                kind="section",
                decision_id=f"w{worker}-{seq + k}",
                time=time.time(),
                tenant="acme",
                section_index=k,
                entity_counts={"PERSON": k},
            )
            for k in range(1 + seq % 7)
        ]
        ids = await log.append(batch)
        seq += len(batch)
        sys.stdout.write(
            "".join(f"ack {i} {e.decision_id}\n" for i, e in zip(ids, batch, strict=True))
        )
        sys.stdout.flush()


async def main(directory: Path) -> None:
    cfg = AuditConfig(
        directory / "audit.db",
        directory / "audit.key",
        directory / "witness.jsonl",
        sign_every_n=50,
        sign_every_s=0.2,
    )
    log = AuditLog.open(cfg)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await asyncio.gather(*(appender(log, w) for w in range(4)))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
