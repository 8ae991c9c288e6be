"""Training and dev split kinds (never used by the test split)."""

from models.datagen.ctx import Ctx
from models.datagen.kinds_train.kinds import KINDS
from models.datagen.kinds_train.topics import paragraph


def extend(c: Ctx, category: str) -> None:
    """More body text when a section came out shorter than the minimum length."""
    c.nl(2)
    paragraph(c, category, c.rng.randint(2, 3))


__all__ = ["KINDS", "extend"]
