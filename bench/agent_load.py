"""Load benchmark of the agent's Analyze on ~2 KB sections (issue 6), loopback only.

    python -m bench.agent_load [--seconds 8] [--concurrency 1 32] [--write docs/benchmarks.md]

For each concurrency N, N callers (grpc.aio tasks in a separate client process) send
Analyze requests for a bounded time, and we report throughput and p50/p95/p99 latency for:

- the real agent (ONNX INT8 models + recognizers, micro-batching, audit log on disk);
- an empty grpc.aio EdgeAgent servicer on the same server setup (the gRPC limit);
- the detection engine alone on the same sections, in batches of the same size (the model
  limit), measured in the same run.

Targets: one caller p99 < 30 ms; at 32 callers throughput >= 80% of the models alone and
p99 within 1.5x of the mean latency.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc

from bastion.wire.v1 import agent_pb2, agent_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
MARK = "agent-load"
SLOW_COMMIT_S = 0.02  # a histogram bucket bound of agent/metrics.py


def sections(n: int = 64) -> list[str]:
    """~2 KB sections from the held-out test split of the data generator."""
    from models.datagen import generate

    out: list[str] = []
    for s in generate(split="test", n=n * 4, seed=11):
        text = s.text
        while len(text) < 1800:
            text = text + "\n\n" + text
        out.append(text[:2048])
        if len(out) == n:
            break
    return out


# -- client process ----------------------------------------------------------------------
def _client(target: str, texts: list[str], concurrency: int, seconds: float, q: Any) -> None:
    async def run() -> list[float]:
        latencies: list[float] = []
        async with grpc.aio.insecure_channel(target) as channel:
            stub = agent_pb2_grpc.EdgeAgentStub(channel)
            reqs = [
                agent_pb2.AnalyzeRequest(
                    document=agent_pb2.Document(
                        tenant="acme-law",
                        document_id=f"bench-{i}",
                        source_jurisdiction="EU",
                        text=t.encode(),
                    )
                )
                for i, t in enumerate(texts)
            ]
            for r in reqs[:4]:  # warm-up
                await stub.Analyze(r, timeout=30)
            end = time.perf_counter() + seconds

            async def caller(k: int) -> None:
                i = k
                while time.perf_counter() < end:
                    t0 = time.perf_counter()
                    await stub.Analyze(reqs[i % len(reqs)], timeout=30)
                    latencies.append(time.perf_counter() - t0)
                    i += concurrency

            started = time.perf_counter()
            await asyncio.gather(*(caller(k) for k in range(concurrency)))
            latencies.append(-(time.perf_counter() - started))  # elapsed, marked negative
        return latencies

    q.put(asyncio.run(run()))


def _summary(latencies: list[float]) -> dict[str, float]:
    elapsed = -min(latencies)
    lat = sorted(x for x in latencies if x >= 0)
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {
        "requests": len(lat),
        "rps": len(lat) / elapsed,
        "mean_ms": statistics.fmean(lat) * 1000,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
    }


def drive(target: str, texts: list[str], concurrency: int, seconds: float) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_client, args=(target, texts, concurrency, seconds, q))
    p.start()
    latencies = q.get(timeout=seconds + 120)
    p.join(timeout=30)
    return _summary(latencies)


# -- servers -----------------------------------------------------------------------------
class EmptyAgent(agent_pb2_grpc.EdgeAgentServicer):
    async def Analyze(self, request: Any, context: Any) -> agent_pb2.AnalyzeResponse:
        return agent_pb2.AnalyzeResponse(document_id=request.document.document_id)


async def _empty_server() -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", 16 * 1024 * 1024)])
    agent_pb2_grpc.add_EdgeAgentServicer_to_server(EmptyAgent(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, port


def _percentiles(latencies: list[float]) -> dict[str, float]:
    q = statistics.quantiles(sorted(latencies), n=100, method="inclusive")
    return {"p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}


def models_alone(texts: list[str], batch: int, seconds: float, backend: str) -> dict[str, float]:
    """The detection engine in this process, no gRPC, no audit: batches of ``batch``
    sections back to back. Throughput, and the latency of one call (p50/p99)."""
    from agent.detect import load_engine

    engine = load_engine(backend=backend)
    engine.analyze(texts[:batch])
    n = 0
    started = time.perf_counter()
    i = 0
    calls: list[float] = []
    while time.perf_counter() - started < seconds:
        chunk = [texts[(i + k) % len(texts)] for k in range(batch)]
        t0 = time.perf_counter()
        engine.analyze(chunk)
        calls.append(time.perf_counter() - t0)
        n += batch
        i += batch
    elapsed = time.perf_counter() - started
    return {
        "sections_per_s": n / elapsed,
        "ms_per_batch": elapsed / (n / batch) * 1000,
        **_percentiles(calls),
    }


def raw_model_alone(texts: list[str], seconds: float, backend: str) -> dict[str, float]:
    """The INT8 model's bare ``run`` on one section at a time (tokenised beforehand): the
    floor under any one-caller latency, with no recognizer, decoding, gRPC or audit."""
    from bench.detect_bench import raw_runner

    run, make_batches = raw_runner(backend, "f32")
    inputs = [make_batches([t]) for t in texts]
    for b in inputs[0]:
        run(b)
    calls: list[float] = []
    started = time.perf_counter()
    i = 0
    while time.perf_counter() - started < seconds:
        t0 = time.perf_counter()
        for b in inputs[i % len(inputs)]:
            run(b)
        calls.append(time.perf_counter() - t0)
        i += 1
    return _percentiles(calls)


def _slow_commits(agent: Any, threshold_s: float) -> tuple[int, int]:
    """(audit commits slower than ``threshold_s``, all commits) from the agent's metrics."""
    within = total = 0.0  # the histogram's buckets are cumulative: "at most le seconds"
    for metric in agent.pipeline.metrics.audit_seconds.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count"):
                total = sample.value
            elif sample.name.endswith("_bucket") and float(sample.labels["le"]) == threshold_s:
                within = sample.value
    return int(total - within), int(total)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--backend", choices=["onnx", "openvino"], default="openvino")
    parser.add_argument("--write", type=Path, default=None)
    args = parser.parse_args(argv)

    from agent.config import load_agent_config
    from agent.server import create_server
    from bastion.devstack import write_local_configs

    texts = sections()
    mean_chars = statistics.fmean(len(t) for t in texts)
    rows: list[str] = []
    results: dict[str, Any] = {}

    async def measure() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            _, agent_cfg = write_local_configs(
                Path(tmp),
                llm_url="http://127.0.0.1:9/v1",
                agent_overrides={"detection": {"backend": args.backend}},
            )
            config = load_agent_config(agent_cfg)
            agent, agent_port = await create_server(config)
            empty, empty_port = await _empty_server()
            loop = asyncio.get_running_loop()
            try:
                for c in args.concurrency:
                    before = _slow_commits(agent, SLOW_COMMIT_S)
                    results[f"agent-{c}"] = await loop.run_in_executor(
                        None, drive, f"127.0.0.1:{agent_port}", texts, c, args.seconds
                    )
                    after = _slow_commits(agent, SLOW_COMMIT_S)
                    results[f"commits-{c}"] = (after[0] - before[0], after[1] - before[1])
                    results[f"empty-{c}"] = await loop.run_in_executor(
                        None, drive, f"127.0.0.1:{empty_port}", texts, c, args.seconds
                    )
            finally:
                await agent.stop(1.0)
                await empty.stop(0)

    asyncio.run(measure())
    for c in args.concurrency:
        results[f"models-{c}"] = models_alone(texts, min(c, 32), args.seconds, args.backend)
    if 1 in args.concurrency:
        results["raw-1"] = raw_model_alone(texts, args.seconds, args.backend)

    header = (
        "| callers | server | req/s | mean ms | p50 ms | p95 ms | p99 ms | p99/mean |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    rows.append(header)
    for c in args.concurrency:
        for kind in ("agent", "empty"):
            r = results[f"{kind}-{c}"]
            rows.append(
                f"| {c} | {kind} | {r['rps']:.1f} | {r['mean_ms']:.2f} | {r['p50_ms']:.2f} | "
                f"{r['p95_ms']:.2f} | {r['p99_ms']:.2f} | {r['p99_ms'] / r['mean_ms']:.2f} |"
            )
    rows.append("")
    rows.append("| callers | models alone (batch = min(callers, 32)) sections/s | agent / models |")
    rows.append("|---|---|---|")
    for c in args.concurrency:
        m = results[f"models-{c}"]["sections_per_s"]
        rows.append(f"| {c} | {m:.1f} | {results[f'agent-{c}']['rps'] / m:.2f} |")
    if 1 in args.concurrency:
        a, m, raw = results["agent-1"], results["models-1"], results["raw-1"]
        slow, commits = results["commits-1"]
        rows += [
            "",
            "| one caller, one section per call | p50 ms | p99 ms |",
            "|---|---|---|",
            f"| agent: Analyze over gRPC, audited | {a['p50_ms']:.2f} | {a['p99_ms']:.2f} |",
            f"| detection engine alone | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} |",
            f"| raw INT8 model alone | {raw['p50_ms']:.2f} | {raw['p99_ms']:.2f} |",
            "",
            f"Audit commits slower than {SLOW_COMMIT_S * 1000:.0f} ms during the one-caller run "
            f"(each request waits for its fsync): {slow} of {commits}.",
        ]
    verdicts = []
    if 1 in args.concurrency:
        p99 = results["agent-1"]["p99_ms"]
        verdicts.append(
            f"- one caller p99 {p99:.1f} ms (target < 30 ms): {'met' if p99 < 30 else 'MISSED'}"
        )
    if 32 in args.concurrency:
        a, m = results["agent-32"], results["models-32"]["sections_per_s"]
        ratio = a["rps"] / m
        tail = a["p99_ms"] / a["mean_ms"]
        verdicts.append(
            f"- 32 callers: {ratio:.0%} of the models alone (target >= 80%): "
            f"{'met' if ratio >= 0.8 else 'MISSED'}"
        )
        verdicts.append(
            f"- 32 callers: p99 / mean = {tail:.2f} (target <= 1.5): "
            f"{'met' if tail <= 1.5 else 'MISSED'}"
        )
    report = "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} with `python -m bench.agent_load "
            f"--seconds {args.seconds:g} --backend {args.backend}` on this machine "
            f"({mp.cpu_count()} cores); "
            f"{len(texts)} sections of {mean_chars:.0f} characters on average.",
            "",
            *rows,
            "",
            *verdicts,
        ]
    )
    print(report)
    if args.write:
        doc = args.write.read_text() if args.write.exists() else ""
        begin, end = f"<!-- {MARK}-{args.backend}:begin -->", f"<!-- {MARK}-{args.backend}:end -->"
        block = f"{begin}\n{report}\n{end}"
        if begin in doc and end in doc:
            head, rest = doc.split(begin, 1)
            doc = head + block + rest.split(end, 1)[1]
        else:
            doc += f"\n### Agent under load: Analyze, {args.backend} backend\n\n{block}\n"
        args.write.write_text(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
