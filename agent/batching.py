"""Dynamic micro-batching: concurrent requests share one model inference.

Callers submit their sections; one worker takes everything queued (up to ``max_batch``
sections; optionally waiting ``max_wait_s`` for more), runs a single inference off the
event loop, and hands each caller its slice. By default it does not wait: whatever queued
while the previous batch ran forms the next one, so a lone caller pays no batching delay
and a busy agent batches by itself. On 2 cores one inference at a time with both cores is
faster than two competing ones. ``max_batch`` was chosen with bench/agent_load.py (the
figures are in docs/benchmarks.md). A failed batch fails every caller in it (fail closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.domain import SectionAnalysis
from agent.metrics import AgentMetrics

Analyze = Callable[[Sequence[str]], list[SectionAnalysis]]


@dataclass
class _Job:
    texts: Sequence[str]
    future: asyncio.Future[list[SectionAnalysis]]


class MicroBatcher:
    def __init__(
        self,
        analyze: Analyze,
        *,
        max_batch: int = 24,
        max_wait_s: float = 0.0,
        metrics: AgentMetrics | None = None,
    ) -> None:
        self._analyze = analyze
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self._metrics = metrics
        self._queue: list[_Job] = []
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None

    async def analyze(self, texts: Sequence[str]) -> list[SectionAnalysis]:
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.done():
            self._wake = asyncio.Event()
            self._worker = loop.create_task(self._run())
        job = _Job(texts, loop.create_future())
        self._queue.append(job)
        assert self._wake is not None
        self._wake.set()
        return await job.future

    def _take(self) -> list[_Job]:
        taken: list[_Job] = []
        size = 0
        while self._queue:
            n = len(self._queue[0].texts)
            if taken and size + n > self.max_batch:
                break
            taken.append(self._queue.pop(0))
            size += n
        return taken

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                if sum(len(j.texts) for j in self._queue) < self.max_batch:
                    await asyncio.sleep(self.max_wait_s)  # let concurrent callers join
                jobs = [j for j in self._take() if not j.future.cancelled()]
                if not jobs:
                    continue
                texts = [t for j in jobs for t in j.texts]
                started = time.perf_counter()
                try:
                    results = await asyncio.to_thread(self._analyze, texts)
                    if len(results) != len(texts):
                        raise RuntimeError("detection returned the wrong number of results")
                except Exception as exc:
                    for j in jobs:
                        if not j.future.done():
                            j.future.set_exception(exc)
                    continue
                if self._metrics is not None:
                    self._metrics.inference_seconds.observe(time.perf_counter() - started)
                    self._metrics.batch_size.observe(len(texts))
                pos = 0
                for j in jobs:
                    part = results[pos : pos + len(j.texts)]
                    pos += len(j.texts)
                    if not j.future.done():
                        j.future.set_result(part)

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
