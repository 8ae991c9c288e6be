"""The local model interface: one encoder pass per section gives both the section
category and the model-found entity spans (PERSON, ORGANIZATION, LOCATION, ...).

Backends (ONNX Runtime, OpenVINO) implement ``SectionModel`` and declare availability,
so a missing wheel disables a backend with a clear message instead of crashing.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from agent.domain import Category, Entity


@dataclass(frozen=True, slots=True)
class ModelResult:
    category_scores: Mapping[Category, float]  # softmax over all categories
    entities: tuple[Entity, ...]  # offsets into the text given to infer()


class SectionModel(Protocol):
    #: content hash of the artifact, recorded in audit entries
    version: str

    def infer(self, texts: Sequence[str]) -> list[ModelResult]:
        """One result per text, same order. Raises ``ModelError`` on failure."""
        ...

    def infer_each(self, texts: Sequence[str]) -> Generator[tuple[int, ModelResult], None, None]:
        """``(index, result)`` for every text, each as soon as it is ready (in no fixed
        order), so that a caller's own work on one text overlaps the model's on the
        next. Raises ``ModelError`` on failure, possibly after some results; ``close()``
        stops the model's remaining work for the call."""
        ...
