"""The egress re-check's cost per request beside detection's, through the real pipeline.

    python -m bench.recheck_cost [--requests 100] [--sections 8] [--backend onnx]

Each request (generated test sections of the project's generator, one instruction) goes
through ``Pipeline.prepare`` as the agent runs it - govern, detect (the INT8 model and the
recognizers), decide with the default policy, redact, gate - with nothing sent or
recorded. Per request and in the same run: the detection engine's time, the gate's time
(build the outbound request, the independent re-check, culprit search on a hit) and the
whole of ``prepare``. Medians; the ratio gate/detection is the figure to read.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from agent.detect import load_engine
from agent.domain import DocumentRequest, Section, SectionAnalysis, Task
from agent.pipeline import Pipeline
from agent.policy import PolicyEngine
from agent.vault import Vault
from agent.wiring import default_egress_checker
from bench.pathological import generated_requests

ROOT = Path(__file__).resolve().parent.parent


class TimedEngine:
    def __init__(self, engine: object) -> None:
        self.engine = engine
        self.seconds: list[float] = []

    @property
    def model_versions(self) -> list[str]:
        return list(self.engine.model_versions)  # type: ignore[attr-defined]

    def analyze(self, texts: Sequence[str]) -> list[SectionAnalysis]:
        started = time.perf_counter()
        try:
            return list(self.engine.analyze(texts))  # type: ignore[attr-defined]
        finally:
            self.seconds.append(time.perf_counter() - started)


async def run(n: int, per_request: int, backend: str) -> dict[str, float]:
    engine = TimedEngine(load_engine(backend))
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = Pipeline(
            engine=engine,
            policy=PolicyEngine.load(ROOT / "policies" / "default.yaml"),
            vault=Vault.open(Path(tmp), b"v" * 32),
            egress=default_egress_checker(),
            audit=None,
            cloud=None,
            hash_key=b"h" * 32,
        )
        gate_hist = pipeline.metrics.egress_seconds
        totals, gates, withheld, sent = [], [], 0, 0
        for i, texts in enumerate(generated_requests(n, per_request)):
            pos, sections = 0, []
            for j, t in enumerate(texts):
                sections.append(Section(j, "", pos, pos + len(t), t))
                pos += len(t)
            req = DocumentRequest(
                "acme-law", f"bench-{i}", "EU", "".join(texts), tuple(sections), "bench"
            )
            before = _sum(gate_hist)
            started = time.perf_counter()
            prepared = await pipeline.prepare(
                req, Task("Summarise the key points.", "FUSION"), as_if_cloud=True
            )
            totals.append(time.perf_counter() - started)
            gates.append(_sum(gate_hist) - before)
            withheld += len(prepared.gated.blocked)
            sent += len(prepared.gated.sent)
    detect = statistics.median(engine.seconds) * 1000
    gate = statistics.median(g for g in gates if g > 0) * 1000 if any(gates) else 0.0
    return {
        "requests": n,
        "sections": per_request,
        "detect_ms": detect,
        "gate_ms": gate,
        "prepare_ms": statistics.median(totals) * 1000,
        "sent": sent,
        "withheld_by_recheck": withheld,
    }


def _sum(histogram: object) -> float:
    for metric in histogram.collect():  # type: ignore[attr-defined]
        for sample in metric.samples:
            if sample.name.endswith("_sum"):
                return float(sample.value)
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--sections", type=int, default=8)
    parser.add_argument("--backend", default="onnx", choices=["onnx", "openvino"])
    args = parser.parse_args()
    r = asyncio.run(run(args.requests, args.sections, args.backend))
    print(
        f"{r['requests']:.0f} requests x {r['sections']:.0f} sections ({args.backend}); "
        f"medians per request: detection {r['detect_ms']:.1f} ms, gate (re-check) "
        f"{r['gate_ms']:.1f} ms ({r['gate_ms'] / r['detect_ms']:.2f}x detection), "
        f"prepare {r['prepare_ms']:.1f} ms; sections passed {r['sent']:.0f}, "
        f"withheld by the re-check {r['withheld_by_recheck']:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
