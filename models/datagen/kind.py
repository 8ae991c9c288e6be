"""What a split package exports: document kinds, each able to write some categories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models.datagen.ctx import Ctx

SentenceGen = Callable[[Ctx], None]


@dataclass(frozen=True, slots=True)
class Kind:
    """A document kind. ``build(ctx, category)`` writes one section of that category."""

    name: str
    categories: tuple[str, ...]
    build: Callable[[Ctx, str], None]
