"""Route latency: Ray Serve tier vs single-process tier, FUSION (3 x 20 ms + 20 ms synthesis).

    python -m bench.ray_cloud_bench [--seconds 5]

Same scenario as bench/cloud_bench.py's throughput table (fake vendor in its own process).
Also lists the sockets the Ray process tree listens on, and its memory (RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from bench.cloud_bench import THROUGHPUT_DELAYS, closed_loop, start_vendor, stop_vendor
from cloud.server import create_server
from tests.fakes.cloud_setup import provider, write_config


async def load(port: int, concurrency: list[int], seconds: float) -> list[dict]:
    return await closed_loop(port, concurrency, seconds, warmups=5, rpc_timeout_s=30)


def tree(pid: int) -> set[int]:
    kids: dict[int, list[int]] = {}
    for line in subprocess.run(
        ["ps", "-eo", "pid,ppid"], capture_output=True, text=True
    ).stdout.splitlines()[1:]:
        p, pp = map(int, line.split())
        kids.setdefault(pp, []).append(p)
    out, todo = set(), [pid]
    while todo:
        x = todo.pop()
        out.add(x)
        todo += kids.get(x, [])
    return out


def sockets_and_rss(exclude: set[int]) -> tuple[list[tuple[str, str]], float]:
    pids = tree(os.getpid()) - exclude
    listening = []
    for line in subprocess.run(
        ["ss", "-ltnpH"], capture_output=True, text=True
    ).stdout.splitlines():
        owners = [int(p) for p in re.findall(r"pid=(\d+)", line)]
        if any(p in pids for p in owners):
            names = re.findall(r'\(\("([^"]+)"', line)
            listening.append((line.split()[3], names[0] if names else "?"))
    rss = 0
    for p in pids:
        with contextlib.suppress(OSError):
            rss += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return sorted(listening, key=lambda x: x[1]), rss / 2**20


async def main(args: argparse.Namespace) -> None:
    vendor, base_url = start_vendor(THROUGHPUT_DELAYS)
    tmp = Path(tempfile.mkdtemp())
    inherited = tree(os.getpid())
    try:
        ray_section = {
            "orchestrator": {"min_replicas": 1, "max_replicas": 1, "num_cpus": 0.25},
            "provider_defaults": {"min_replicas": 1, "max_replicas": 1, "num_cpus": 0.1},
        }
        config = write_config(
            tmp,
            [provider(n, base_url, max_concurrency=256) for n in THROUGHPUT_DELAYS],
            budgets={"per_request_tokens": 100_000, "max_request_tokens": 100_000},
            ray=ray_section,
        )
        server, port = await create_server(config)
        try:
            single = await load(port, args.concurrency, args.seconds)
        finally:
            await server.stop(None)
        from cloud.ray_serve import create_ray_server

        t = time.perf_counter()
        rserver, rport = await create_ray_server(config)
        startup = time.perf_counter() - t
        try:
            listening, rss = sockets_and_rss(inherited | {vendor.pid})
            ray_rows = await load(rport, args.concurrency, args.seconds)
        finally:
            t = time.perf_counter()
            await rserver.stop(None)
            stop_s = time.perf_counter() - t
    finally:
        stop_vendor(vendor)
    print(
        f"ray startup {startup:.1f} s (ray.init + serve.run of 1 orchestrator + 3 providers), "
        f"stop {stop_s:.1f} s, RSS of the tree {rss:.0f} MiB"
    )
    print(
        "| tier | callers | requests/s | p50 ms | p95 ms | p99 ms | requests |\n"
        "|---|---|---|---|---|---|---|"
    )
    for name, rows in (("single process", single), ("Ray Serve", ray_rows)):
        for r in rows:
            print(
                f"| {name} | {r['n']} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} "
                f"| {r['p99']:.1f} | {r['requests']} |"
            )
    print("listening:")
    for addr, name in listening:
        print(f"  {addr:32} {name}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    asyncio.run(main(ap.parse_args()))
