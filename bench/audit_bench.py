"""Audit log benchmark: durable appends per second and time to verify a large log.

    .venv/bin/python bench/audit_bench.py                 # defaults: 100k appends, verify 1M
    .venv/bin/python bench/audit_bench.py --quick         # 20k appends, verify 100k
    .venv/bin/python bench/audit_bench.py --json out.json

Everything runs against real SQLite files (WAL, synchronous=FULL, fsync on every commit)
in a temporary directory, with the real Ed25519 key and witness file. Phases:

1. build   - constructing and validating ``AuditEntry`` objects (the caller's cost)
2. sync    - ``append_sync`` in batches of ``--batch`` (one transaction per batch)
3. group   - ``await append`` from ``--callers`` concurrent tasks, 10 entries per call
             (one agent request's worth), sharing group commits; per-call latency
4. verify  - ``verify_log`` over a log of ``--verify-entries`` entries (built with
             ``append_sync`` first; that build time is reported too), warm page cache
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agent.audit import AuditConfig, AuditEntry, AuditLog
from compliance.verify import verify_log

T0 = 1_780_000_000.0
DESTS = [
    {"name": "eu-llm", "provider": "azure", "region": "westeurope", "jurisdiction": "EU"},
    {"name": "uk-llm", "provider": "anthropic", "region": "uk-south", "jurisdiction": "UK"},
]


def _sha(i: int, salt: str) -> str:
    return hashlib.sha256(f"{salt}{i}".encode()).hexdigest()


def make_entry(i: int) -> AuditEntry:
    """One request's worth of entries cycles: request, 6 sections, cloud call, answer, route."""
    kind = ("request", "section", "section", "section", "section", "section", "section",
            "cloud_call", "answer", "request")[i % 10]  # fmt: skip
    req = i // 10
    sent = kind == "cloud_call" or (kind == "section" and i % 3 != 0)
    return AuditEntry(
        kind=kind,
        decision_id=f"r{req}:{kind}:{i % 10}",
        time=T0 + i * 0.001,
        request_id=f"r{req}",
        tenant=("acme", "globex", "initech")[req % 3],
        caller="cert:docsys.bank.example",
        document_sha256=_sha(req, "doc"),
        section_index=i % 10 if kind == "section" else None,
        section_sha256=_sha(i, "sec") if kind == "section" else "",
        category="confidential" if kind == "section" else "",
        entity_counts={"PERSON": i % 4, "EMAIL_ADDRESS": i % 2} if kind == "section" else {},
        policy_version="sha256:" + _sha(1, "policy")[:16],
        rule_ids=["eu-redact-pii"] if sent else (["default-deny"] if kind == "section" else []),
        action=("redact" if sent else "local_only") if kind == "section" else "",
        destination=DESTS[req % 2] if sent else None,
        bytes_sent=1200 + i % 500 if sent else 0,
        sent_sha256=_sha(i, "sent") if sent else "",
        response_sha256=_sha(i, "resp") if kind == "answer" else "",
        model_versions=["minilm-l6-int8@2026.05"],
        orchestration_mode="consensus",
        latency_ms=12.5 + i % 50,
        status="SENT" if sent else "OK",
        reason="policy action redact" if sent else "",
    )


def _config(d: Path, name: str) -> AuditConfig:
    return AuditConfig(d / f"{name}.db", d / f"{name}.key", d / f"{name}.witness.jsonl", 1000, 5.0)


def bench_build(n: int) -> tuple[list[AuditEntry], float]:
    t = time.perf_counter()
    entries = [make_entry(i) for i in range(n)]
    return entries, n / (time.perf_counter() - t)


def bench_sync(d: Path, entries: list[AuditEntry], batch: int) -> dict[str, float]:
    with AuditLog.open(_config(d, "sync")) as log:
        t, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(entries), batch):
            log.append_sync(entries[i : i + batch])
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    return {"entries_per_s": len(entries) / wall, "cpu_us_per_entry": cpu / len(entries) * 1e6}


async def _group(log: AuditLog, entries: list[AuditEntry], callers: int) -> list[float]:
    per_call = 10
    calls = [entries[i : i + per_call] for i in range(0, len(entries), per_call)]
    latencies: list[float] = []
    next_call = 0

    async def worker() -> None:
        nonlocal next_call
        while next_call < len(calls):
            batch = calls[next_call]
            next_call += 1
            t = time.perf_counter()
            await log.append(batch)
            latencies.append(time.perf_counter() - t)

    await asyncio.gather(*(worker() for _ in range(callers)))
    return latencies


def bench_group(d: Path, entries: list[AuditEntry], callers: int) -> dict[str, float]:
    with AuditLog.open(_config(d, "group")) as log:
        t, cpu = time.perf_counter(), time.process_time()
        lat = asyncio.run(_group(log, entries, callers))
        rate = len(entries) / (time.perf_counter() - t)
        cpu = time.process_time() - cpu
    lat.sort()
    return {
        "entries_per_s": rate,
        "cpu_us_per_entry": cpu / len(entries) * 1e6,
        "call_p50_ms": statistics.median(lat) * 1000,
        "call_p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000,
    }


def bench_verify(d: Path, entries: list[AuditEntry], total: int) -> dict[str, float]:
    cfg = _config(d, "verify")
    t = time.perf_counter()
    with AuditLog.open(cfg) as log:
        written = 0
        while written < total:
            chunk = entries[: min(10_000, total - written)]
            log.append_sync(chunk)
            written += len(chunk)
    build_s = time.perf_counter() - t
    t, cpu = time.perf_counter(), time.process_time()
    report = verify_log(cfg.db_path, witness_files=[cfg.witness_path])
    verify_s, verify_cpu = time.perf_counter() - t, time.process_time() - cpu
    assert report.entries == total
    return {
        "entries": total,
        "build_s": build_s,
        "verify_s": verify_s,
        "verify_cpu_s": verify_cpu,
        "heads": report.heads,
        "db_mb": cfg.db_path.stat().st_size / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--appends", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--callers", type=int, default=64)
    ap.add_argument("--verify-entries", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="20k appends, verify 100k")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if args.quick:
        args.appends, args.verify_entries = 20_000, 100_000
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        d = Path(tmp)
        entries, build_rate = bench_build(args.appends)
        results["build_entries_per_s"] = build_rate
        results["leaf_bytes_mean"] = statistics.fmean(len(e.canonical_bytes()) for e in entries)
        results["sync"] = bench_sync(d, entries, args.batch)
        results["group"] = bench_group(d, entries, args.callers)
        results["verify"] = bench_verify(d, entries, args.verify_entries)
    g, v = results["group"], results["verify"]
    print("| measure | figure |")
    print("|---|---|")
    print(f"| entry construction + validation | {build_rate:,.0f} entries/s |")
    print(f"| mean leaf (canonical JSON) | {results['leaf_bytes_mean']:.0f} bytes |")
    sy = results["sync"]
    print(
        f"| durable append_sync, batches of {args.batch} | "
        f"{sy['entries_per_s']:,.0f} entries/s ({sy['cpu_us_per_entry']:.0f} us CPU/entry) |"
    )
    print(
        f"| durable await append, {args.callers} callers x 10 entries (group commit) | "
        f"{g['entries_per_s']:,.0f} entries/s ({g['cpu_us_per_entry']:.0f} us CPU/entry), "
        f"call p50 {g['call_p50_ms']:.1f} ms, p99 {g['call_p99_ms']:.1f} ms |"
    )
    print(
        f"| verify {v['entries']:,} entries ({v['heads']} heads, {v['db_mb']:.0f} MB db) | "
        f"{v['verify_s']:.2f} s ({v['verify_cpu_s']:.2f} s CPU) |"
    )
    print(f"| (building that log with append_sync) | {v['build_s']:.1f} s |")
    print(f"\n(load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
