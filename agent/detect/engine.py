"""The detection engine: one model pass per section plus the pattern recognizers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from agent.classify import load_model
from agent.classify.base import SectionModel
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
    """

    def __init__(self, model: SectionModel, patterns: PatternAnalyzer) -> None:
        self._model = model
        self._patterns = patterns

    @property
    def model_versions(self) -> list[str]:
        return [self._model.version]

    def analyze(self, texts: Sequence[str]) -> list[SectionAnalysis]:
        results = self._model.infer(texts)
        if len(results) != len(texts):
            raise ModelError("model returned a wrong number of results")
        out: list[SectionAnalysis] = []
        for text, res in zip(texts, results, strict=True):
            try:
                found = self._patterns.analyze(text)
            except Exception as exc:
                raise ModelError(f"pattern recognizers failed ({type(exc).__name__})") from exc
            scores = dict(res.category_scores)
            category = max(scores, key=lambda c: (scores[c], c.sensitivity))
            out.append(
                SectionAnalysis(
                    category=Category(category),
                    category_scores=scores,
                    entities=tuple(merge(text, res.entities, found)),
                    model_version=self._model.version,
                )
            )
        return out

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
) -> DetectionEngine:
    """The verified INT8 model of ``backend`` plus ``PatternEngine.default()``."""
    from agent.recognize import PatternEngine

    model = load_model(backend, models_dir, precision=precision, threads=threads)
    return DetectionEngine(model, PatternEngine.default())
