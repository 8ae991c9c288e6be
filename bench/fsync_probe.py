"""How long this disk takes to make a small write durable: the floor under every audited
request, which waits for its audit entry's fsync (SPEC: a crash loses no acknowledged entry).

    python -m bench.fsync_probe [--dir DIR] [--count 400] [--interval-ms 15]

Appends ``--size`` bytes and calls ``fdatasync`` ``--count`` times, one every
``--interval-ms`` (the pace of one Analyze caller), in a temporary file under ``--dir``
(put it where the audit log lives), and prints p50 / p99 / worst in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def probe(directory: Path, count: int, interval_s: float, size: int) -> dict[str, float]:
    latencies: list[float] = []
    with tempfile.NamedTemporaryFile(dir=directory, prefix="fsync-probe-") as fh:
        payload = b"x" * size
        for _ in range(count):
            os.write(fh.fileno(), payload)
            t0 = time.perf_counter()
            os.fdatasync(fh.fileno())
            latencies.append((time.perf_counter() - t0) * 1000)
            time.sleep(interval_s)
    q = statistics.quantiles(sorted(latencies), n=100, method="inclusive")
    return {"p50_ms": q[49], "p99_ms": q[98], "max_ms": max(latencies)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--interval-ms", type=float, default=15.0)
    parser.add_argument("--size", type=int, default=1500)
    args = parser.parse_args(argv)
    if args.count < 2 or args.interval_ms < 0 or args.size < 1:
        parser.error("--count must be >= 2, --interval-ms >= 0 and --size >= 1")
    r = probe(args.dir, args.count, args.interval_ms / 1000, args.size)
    print(
        f"{args.count} appends of {args.size} B + fdatasync in {args.dir}: "
        f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, worst {r['max_ms']:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
