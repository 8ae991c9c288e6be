"""Cloud tier benchmark (issue 7): fan-out overhead and throughput, against the fake vendor.

    python -m bench.cloud_bench [--rounds 40] [--concurrency 1 8 32] [--seconds 5]
                                [--write docs/cloud.md]

The vendor is ``tests/fakes/openai_server.py`` in its own process (a real HTTP server on
127.0.0.1 standing in for paid vendors; each model name answers after a fixed delay), so
its threads do not share the benchmark's GIL.

1. Fan-out overhead: five providers answering after 40, 50, 60, 70 and 80 ms. One fan-out
   is ``Dispatcher.ask_all`` of one call to each (the fusion mode's first phase, with
   budgets, destination checks, retries machinery and confidence parsing included).
   Overhead = fan-out wall time - the slowest provider's delay (80 ms); also reported
   against a single call to the slowest provider measured in the same round, which
   cancels the loopback HTTP cost both share. Target: < 5 ms with 5 providers.
   End to end, a FUSION request through gRPC (5 panelists, then the strongest - the
   80 ms one - synthesises) is compared with its ideal 160 ms.
2. Throughput: N concurrent gRPC callers send FUSION requests (3 providers, 20 ms each,
   then a 20 ms synthesis: 4 vendor calls, ideal latency 40 ms) to ``create_server`` for
   ``--seconds``; requests/s and latency percentiles per N. Callers share the server's
   event loop (one process), so the figures include the client's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc

from bastion.wire.v1 import cloud_pb2_grpc, common_pb2
from cloud.budget import RequestBudget, TenantLedger
from cloud.dispatch import Dispatcher, Job
from cloud.domain import DataSection, Destination
from cloud.orchestrator import Orchestrator
from cloud.prompts import build_messages
from cloud.server import create_server
from tests.fakes.cloud_setup import EU, provider, request, write_config

REPO = Path(__file__).resolve().parents[1]
FANOUT_DELAYS = {"p1": 0.04, "p2": 0.05, "p3": 0.06, "p4": 0.07, "p5": 0.08}
THROUGHPUT_DELAYS = {"t1": 0.02, "t2": 0.02, "t3": 0.02}
BEGIN, END = "<!-- cloud-bench:begin -->", "<!-- cloud-bench:end -->"


def start_vendor(delays: dict[str, float]) -> tuple[subprocess.Popen[str], str]:
    argv = [sys.executable, "-m", "tests.fakes.openai_server"]
    for model, seconds in delays.items():
        argv += ["--delay", f"{model}={seconds}"]
    proc = subprocess.Popen(
        argv, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline().split()[1])
    return proc, f"http://127.0.0.1:{port}/v1"


def stop_vendor(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(10)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def bench_fanout(base_url: str, rounds: int, tmp: Path) -> dict[str, Any]:
    strengths = {"p5": 9}
    config = write_config(
        tmp,
        [
            provider(name, base_url, strength=strengths.get(name, 1), max_concurrency=8)
            for name in FANOUT_DELAYS
        ],
        budgets={"per_request_tokens": 100_000, "max_request_tokens": 100_000},
    )
    orchestrator = Orchestrator(config, rng=random.Random(1))
    allowed = (Destination(EU["destination"], "vendor", EU["region"], EU["jurisdiction"]),)
    section = DataSection(0, "Clause 1", "Either party may terminate on 30 days notice.", "x")
    messages = build_messages(role_instruction="Answer.", task="Terminable?", sections=[section])
    slowest = max(FANOUT_DELAYS.values())
    fan: list[float] = []
    paired: list[float] = []
    try:
        for i in range(rounds + 3):
            ledger = TenantLedger(0, 60, time.monotonic)
            dispatcher = Dispatcher(
                providers=orchestrator.providers,
                allowed=allowed,
                budget=RequestBudget(10**9, "bench", ledger),
                max_tokens=16,
                clock=time.perf_counter,
            )
            jobs = [Job(p, "panelist", messages) for p in config.providers]
            started = time.perf_counter()
            calls = await dispatcher.ask_all(jobs)
            wall = time.perf_counter() - started
            assert all(c.ok for c in calls), [c.error for c in calls]
            started = time.perf_counter()
            await dispatcher.ask(jobs[-1])
            single = time.perf_counter() - started
            if i >= 3:  # warm-up: connections opened
                fan.append((wall - slowest) * 1000)
                paired.append((wall - single) * 1000)
        e2e: list[float] = []
        server, port = await create_server(config, orchestrator=orchestrator)
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = cloud_pb2_grpc.OrchestratorStub(channel)
                for i in range(rounds + 3):
                    started = time.perf_counter()
                    resp = await stub.Orchestrate(request(common_pb2.FUSION))
                    wall = time.perf_counter() - started
                    assert len(resp.outputs) == 6
                    if i >= 3:
                        e2e.append((wall - 2 * slowest) * 1000)
        finally:
            await server.stop(None)
    finally:
        await orchestrator.aclose()
    return {
        "rounds": rounds,
        "over_slowest_p50": statistics.median(fan),
        "over_slowest_p95": pct(fan, 0.95),
        "over_single_p50": statistics.median(paired),
        "over_single_p95": pct(paired, 0.95),
        "e2e_over_ideal_p50": statistics.median(e2e),
        "e2e_over_ideal_p95": pct(e2e, 0.95),
    }


async def bench_throughput(
    base_url: str, concurrency: list[int], seconds: float, tmp: Path
) -> list[dict[str, Any]]:
    config = write_config(
        tmp,
        [provider(name, base_url, max_concurrency=256) for name in THROUGHPUT_DELAYS],
        budgets={"per_request_tokens": 100_000, "max_request_tokens": 100_000},
    )
    server, port = await create_server(config)
    try:
        return await closed_loop(port, concurrency, seconds)
    finally:
        await server.stop(None)


async def closed_loop(
    port: int,
    concurrency: list[int],
    seconds: float,
    *,
    warmups: int = 1,
    rpc_timeout_s: float | None = None,
) -> list[dict[str, Any]]:
    """For each N: N callers send Orchestrate back to back for ``seconds``; rate and
    latency percentiles (ms) per N. Also used by bench/ray_cloud_bench.py."""
    rows: list[dict[str, Any]] = []
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = cloud_pb2_grpc.OrchestratorStub(channel)
        for _ in range(warmups):
            await stub.Orchestrate(request())
        for n in concurrency:
            latencies: list[float] = []
            deadline = time.perf_counter() + seconds

            async def caller(deadline: float, latencies: list[float]) -> None:
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    await stub.Orchestrate(request(), timeout=rpc_timeout_s)
                    latencies.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            await asyncio.gather(*(caller(deadline, latencies) for _ in range(n)))
            elapsed = time.perf_counter() - started
            rows.append(
                {
                    "n": n,
                    "rps": len(latencies) / elapsed,
                    "p50": statistics.median(latencies),
                    "p95": pct(latencies, 0.95),
                    "p99": pct(latencies, 0.99),
                    "requests": len(latencies),
                }
            )
    return rows


def render(fanout: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    lines = [
        BEGIN,
        f"Measured by `python -m bench.cloud_bench` on {time.strftime('%Y-%m-%d')} "
        "(2 cores shared with other jobs, load average "
        f"{os.getloadavg()[0]:.1f} at the end; fake vendor in its own process on loopback).",
        "",
        f"**Fan-out overhead, 5 providers (40-80 ms), {fanout['rounds']} rounds** (target < 5 ms):",
        "",
        "| measure | p50 ms | p95 ms |",
        "|---|---|---|",
        f"| fan-out wall time - slowest delay (80 ms) | {fanout['over_slowest_p50']:.2f} | "
        f"{fanout['over_slowest_p95']:.2f} |",
        f"| fan-out wall time - single call to the slowest (same round) | "
        f"{fanout['over_single_p50']:.2f} | {fanout['over_single_p95']:.2f} |",
        f"| FUSION via gRPC - ideal 160 ms (fan-out 80 + synthesis 80) | "
        f"{fanout['e2e_over_ideal_p50']:.2f} | {fanout['e2e_over_ideal_p95']:.2f} |",
        "",
        "**Throughput, FUSION (3 providers x 20 ms, then a 20 ms synthesis; ideal 40 ms):**",
        "",
        "| concurrent callers | requests/s | p50 ms | p95 ms | p99 ms | requests |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {r['requests']} |"
        )
    lines.append(END)
    return "\n".join(lines)


def write_into(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


async def run(args: argparse.Namespace) -> str:
    fan_proc, fan_url = start_vendor(FANOUT_DELAYS)
    tp_proc, tp_url = start_vendor(THROUGHPUT_DELAYS)
    try:
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "a").mkdir()
            (Path(d) / "b").mkdir()
            fanout = await bench_fanout(fan_url, args.rounds, Path(d) / "a")
            rows = await bench_throughput(tp_url, args.concurrency, args.seconds, Path(d) / "b")
    finally:
        stop_vendor(fan_proc)
        stop_vendor(tp_proc)
    return render(fanout, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--write", type=Path, default=None, help="e.g. docs/cloud.md")
    args = parser.parse_args(argv)
    block = asyncio.run(run(args))
    print(block)
    if args.write:
        write_into(args.write, block)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
