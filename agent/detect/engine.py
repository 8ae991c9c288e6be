"""The detection engine: one model pass per section plus the pattern recognizers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Protocol

from agent.classify import load_model
from agent.classify.base import ModelResult, SectionModel
from agent.detect.merge import merge
from agent.domain import Category, Entity, SectionAnalysis
from bastion.errors import ModelError


class PatternAnalyzer(Protocol):
    """What the engine needs of ``agent.recognize.PatternEngine``."""

    def analyze(self, text: str) -> list[Entity]: ...


class DetectionEngine:
    """Category and entities for each section; offsets are local to each text.

    Any failure of the model or of a recognizer raises ``ModelError``: callers must
    treat the section as unscanned and keep it local.

    ``concurrent_patterns`` (batch throughput) runs the pattern recognizers on a thread of
    their own while the model runs: both runtimes release the GIL during inference, and
    the recognizers' Python fills the gaps of the runtime's threads instead of following
    the model. Off (latency), they run on the caller's thread as the model's results
    come in. Measured on 2 cores: the batch pass of the detection benchmark is ~5-10%
    shorter with it on, but the agent's one-caller latency is ~10% worse (its event loop
    then competes with two busy threads), so the agent turns it off.
    """

    def __init__(
        self, model: SectionModel, patterns: PatternAnalyzer, *, concurrent_patterns: bool = True
    ) -> None:
        self._model = model
        self._patterns = patterns
        self._pattern_thread = (
            ThreadPoolExecutor(1, thread_name_prefix="bastion-patterns")
            if concurrent_patterns
            else None
        )

    @property
    def model_versions(self) -> list[str]:
        return [self._model.version]

    def analyze(self, texts: Sequence[str]) -> list[SectionAnalysis]:
        texts = list(texts)
        pending: Future[list[list[Entity]]] | None = None
        if self._pattern_thread is not None and texts:
            pending = self._pattern_thread.submit(self._find_patterns, texts)
        out: list[SectionAnalysis | None] = [None] * len(texts)
        patterns: list[list[Entity]] | None = None
        try:
            # each text is merged as soon as the model has it, while the model goes on
            for i, res in self._model.infer_each(texts):
                if patterns is None:
                    patterns = pending.result() if pending else self._find_patterns(texts)
                out[i] = self._analysis(texts[i], res, patterns[i])
        except BaseException:
            if pending is not None:  # nothing of this call may outlive it
                wait([pending])
            raise
        done = [a for a in out if a is not None]
        if len(done) != len(texts):
            raise ModelError("model returned a wrong number of results")
        return done

    def _analysis(self, text: str, res: ModelResult, found: list[Entity]) -> SectionAnalysis:
        scores = dict(res.category_scores)
        category = max(scores, key=lambda c: (scores[c], c.sensitivity))
        return SectionAnalysis(
            category=Category(category),
            category_scores=scores,
            entities=tuple(merge(text, res.entities, found)),
            model_version=self._model.version,
        )

    def _find_patterns(self, texts: Sequence[str]) -> list[list[Entity]]:
        try:
            return [self._patterns.analyze(text) for text in texts]
        except Exception as exc:
            raise ModelError(f"pattern recognizers failed ({type(exc).__name__})") from exc

    def analyze_batches(self, batches: Iterable[Sequence[str]]) -> Iterator[list[SectionAnalysis]]:
        """``analyze`` of each batch, in order (``ParallelDetectionEngine`` streams the
        same batches over worker processes)."""
        return (self.analyze(texts) if texts else [] for texts in batches)


def load_engine(
    backend: str = "onnx",
    models_dir: Path | None = None,
    *,
    precision: str = "f32",
    threads: int = 0,
    concurrent_patterns: bool = True,
) -> DetectionEngine:
    """The verified INT8 model of ``backend`` plus ``PatternEngine.default()``."""
    from agent.recognize import PatternEngine

    model = load_model(backend, models_dir, precision=precision, threads=threads)
    return DetectionEngine(model, PatternEngine.default(), concurrent_patterns=concurrent_patterns)
