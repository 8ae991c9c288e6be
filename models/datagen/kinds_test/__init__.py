"""Test split kinds: separate structures and sentence generators (never used in training)."""

from models.datagen.ctx import Ctx
from models.datagen.kinds_test.kinds import KINDS
from models.datagen.kinds_test.topics import block


def extend(c: Ctx, category: str) -> None:
    """More body text when a section came out shorter than the minimum length."""
    c.nl(2)
    block(c, category, c.rng.randint(2, 3))


__all__ = ["KINDS", "extend"]
