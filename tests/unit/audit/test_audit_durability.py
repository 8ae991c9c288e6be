"""kill -9 under load: every acknowledged entry is there after restart, and the log verifies."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from agent.audit import AuditConfig, AuditLog
from bastion.crypto import SigningKey
from compliance.verify import verify_log

CHILD = Path(__file__).with_name("durability_child.py")
ROOT = Path(__file__).resolve().parents[3]


def _run_and_kill(directory: Path, acked: dict[int, str], at_least: int) -> None:
    """Start the appender, read acknowledgements until ``at_least`` more, then kill -9."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(directory)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    target = len(acked) + at_least
    try:
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 20
        while len(acked) < target and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            _, eid, decision = line.split()
            acked[int(eid)] = decision
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # mid-flight: appends are still running
        proc.wait(timeout=10)
        # Whatever was acknowledged before the kill but not yet read is acknowledged too.
        for line in proc.stdout.read().splitlines():
            parts = line.split()
            if len(parts) == 3:
                acked[int(parts[1])] = parts[2]
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= target


def test_kill_9_loses_no_acknowledged_entry(tmp_path: Path) -> None:
    acked: dict[int, str] = {}
    for _ in range(3):  # each restart reopens the killed log and keeps appending
        _run_and_kill(tmp_path, acked, 200)

    conn = sqlite3.connect(tmp_path / "audit.db")
    stored = {
        i: json.loads(leaf)["decision_id"]
        for i, leaf in conn.execute("SELECT id, leaf FROM entries").fetchall()
    }
    conn.close()
    missing = [i for i, d in acked.items() if stored.get(i) != d]
    assert missing == []

    cfg = AuditConfig(tmp_path / "audit.db", tmp_path / "audit.key", tmp_path / "witness.jsonl")
    with AuditLog.open(cfg) as log:  # restart: the persisted tree state is consistent
        assert log.size == len(stored) >= len(acked)
    pins = [SigningKey.load(cfg.key_path).verify_key]
    report = verify_log(cfg.db_path, witness_files=[cfg.witness_path], pins=pins, deep=True)
    assert report.entries == len(stored) and report.uncovered == 0
