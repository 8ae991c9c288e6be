import asyncio
import threading
from collections.abc import Sequence

import pytest

from agent.batching import MicroBatcher
from agent.domain import Category, SectionAnalysis


def _analysis(text: str) -> SectionAnalysis:
    # The category encodes the text length so that each caller can check it got its own slice.
    cat = list(Category)[len(text) % len(Category)]
    return SectionAnalysis(cat, {cat: 1.0}, ())


class CountingAnalyze:
    def __init__(self) -> None:
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> list[SectionAnalysis]:
        with self.lock:
            self.batches.append(len(texts))
        return [_analysis(t) for t in texts]


async def test_concurrent_callers_share_batches_and_get_their_own_results() -> None:
    analyze = CountingAnalyze()
    batcher = MicroBatcher(analyze, max_batch=32, max_wait_s=0.01)
    texts = [["x" * (i + j) for j in range(3)] for i in range(16)]
    results = await asyncio.gather(*(batcher.analyze(t) for t in texts))
    for t, r in zip(texts, results, strict=True):
        assert [a.category for a in r] == [_analysis(x).category for x in t]
    assert sum(analyze.batches) == 48
    assert len(analyze.batches) < 16  # callers were merged
    assert max(analyze.batches) <= 32
    await batcher.close()


async def test_a_failing_batch_fails_its_callers_and_the_batcher_keeps_working() -> None:
    calls = {"n": 0}

    def flaky(texts: Sequence[str]) -> list[SectionAnalysis]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("model crashed")
        return [_analysis(t) for t in texts]

    batcher = MicroBatcher(flaky, max_wait_s=0.0)
    with pytest.raises(RuntimeError):
        await batcher.analyze(["a"])
    assert len(await batcher.analyze(["a", "b"])) == 2
    await batcher.close()


async def test_wrong_result_count_is_an_error_not_a_misaligned_answer() -> None:
    batcher = MicroBatcher(lambda texts: [], max_wait_s=0.0)
    with pytest.raises(RuntimeError, match="wrong number"):
        await batcher.analyze(["a"])
    await batcher.close()
