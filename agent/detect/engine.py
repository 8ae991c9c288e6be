"""The detection engine: one model pass per section plus the pattern recognizers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Protocol

from agent.classify import load_model
from agent.classify.base import ModelResult, SectionModel
from agent.detect.given_names import add_given_names
from agent.detect.merge import merge
from agent.detect.propagate import propagate
from agent.domain import Category, Entity, SectionAnalysis
from bastion.errors import ModelError


class PatternFinder(Protocol):
    """What the engine needs of ``agent.recognize.PatternEngine``."""

    def entities(self, text: str) -> list[Entity]: ...


class DetectionEngine:
    """Category and entities for each section; offsets are local to each text.

    Any failure of the model or of a recognizer raises ``ModelError``: callers must
    treat the section as unscanned and keep it local.

    The pattern recognizers run when the model's first results come in: when a call needs
    several model batches, the rest are then running on the model's thread, so the
    recognizers, decoding and merging overlap inference. (A thread of their own from the
    start measured no better on the batch benchmark and ~10% worse for the agent's single
    requests, whose event loop then competed with two busy threads.)
    """

    def __init__(self, model: SectionModel, patterns: PatternFinder) -> None:
        self._model = model
        self._patterns = patterns

    @property
    def model_versions(self) -> list[str]:
        return [self._model.version]

    def analyze(self, texts: Sequence[str]) -> list[SectionAnalysis]:
        texts = list(texts)
        out: list[SectionAnalysis | None] = [None] * len(texts)
        patterns: list[list[Entity]] | None = None
        # each text is merged as soon as the model has it, while the model goes on; on
        # any failure, closing stops the model's remaining batches for this call
        with closing(self._model.infer_each(texts)) as results:
            for i, res in results:
                if patterns is None:
                    patterns = self._find_patterns(texts)
                out[i] = self._analysis(texts[i], res, patterns[i])
        done = [a for a in out if a is not None]
        if len(done) != len(texts):
            raise ModelError("model returned a wrong number of results")
        return done

    def _analysis(self, text: str, res: ModelResult, found: list[Entity]) -> SectionAnalysis:
        scores = dict(res.category_scores)
        category = max(scores, key=lambda c: (scores[c], c.sensitivity))
        merged = add_given_names(text, merge(text, res.entities, found))
        return SectionAnalysis(
            category=Category(category),
            category_scores=scores,
            entities=tuple(propagate(text, merged)),
            model_version=self._model.version,
        )

    def _find_patterns(self, texts: Sequence[str]) -> list[list[Entity]]:
        try:
            return [self._patterns.entities(text) for text in texts]
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
) -> DetectionEngine:
    """The verified INT8 model of ``backend`` plus ``PatternEngine.default()``."""
    from agent.recognize import PatternEngine

    model = load_model(backend, models_dir, precision=precision, threads=threads)
    return DetectionEngine(model, PatternEngine.default())
