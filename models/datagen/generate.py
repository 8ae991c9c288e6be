"""``generate(split, n, seed)``: deterministic synthetic sections with exact gold spans.

Determinism: every sample draws from its own ``random.Random`` and Faker instance seeded
from ``sha256(split|seed|index)``, so the output depends only on (split, n, seed) and the
pinned Faker version - never on hash randomisation, set order, time or the machine.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from functools import cache

from faker import Faker

from models.datagen.ctx import Ctx
from models.datagen.kind import Kind
from models.datagen.sample import CATEGORIES, Sample
from models.datagen.values import LOCALES

SPLITS: tuple[str, ...] = ("train", "dev", "test")
MAX_CHARS = 2000
MIN_CHARS = 150


Extender = Callable[[Ctx, str], None]


def kinds_for(split: str) -> tuple[tuple[Kind, ...], Extender]:
    """The kinds a split draws from (train and dev share them, test has its own) and the
    split's own body writer used to lengthen a too-short section."""
    if split in ("train", "dev"):
        from models.datagen import kinds_train

        return kinds_train.KINDS, kinds_train.extend
    if split == "test":
        from models.datagen import kinds_test

        return kinds_test.KINDS, kinds_test.extend
    raise ValueError(f"unknown split {split!r} (expected one of {', '.join(SPLITS)})")


@cache
def _faker(locale: str) -> Faker:
    fake = Faker(locale)
    # Faker's it_IT address provider builds ``cities`` from a set, so its order (and the
    # city a seed picks) follows PYTHONHASHSEED. Sorting restores determinism.
    for provider in fake.get_providers():
        cities = getattr(provider, "cities", None)
        if isinstance(cities, list):
            provider.cities = sorted(cities)
    return fake


def sample_seed(split: str, seed: int, index: int) -> int:
    digest = hashlib.sha256(f"{split}|{seed}|{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def generate_one(split: str, seed: int, index: int) -> Sample:
    kinds, extend = kinds_for(split)
    s = sample_seed(split, seed, index)
    rng = random.Random(s)
    category = CATEGORIES[(index + seed) % len(CATEGORIES)]
    locale = rng.choice(LOCALES)
    candidates = [k for k in kinds if category in k.categories]
    kind = rng.choice(candidates)
    fake = _faker(locale)
    fake.seed_instance(s)
    adversarial = rng.choice((0.0, 0.0, 0.05, 0.15))
    noise = rng.choice((0.0, 0.02, 0.05))
    ctx = Ctx(rng, fake, locale, adversarial=adversarial, noise=noise)
    kind.build(ctx, category)
    doc = ctx.doc
    while len(doc.text.rstrip()) < MIN_CHARS:
        extend(ctx, category)
    if len(doc) > MAX_CHARS:
        cut = doc.text.rfind("\n", MIN_CHARS, MAX_CHARS)
        doc.truncate_to(cut if cut > 0 else MAX_CHARS)
    doc.truncate_to(len(doc.text.rstrip()))
    return Sample(
        id=f"{split}-{seed}-{index:06d}",
        text=doc.text,
        spans=_clean_spans(doc.text, doc.spans),
        category=category,
        kind=kind.name,
        locale=locale,
    )


#: task instructions are written in these locales (English more often than in sections:
#: callers of every country write their requests in English too)
INSTRUCTION_LOCALES: tuple[str, ...] = (*LOCALES, "en_GB", "en_US")


def generate_instruction(split: str, seed: int, index: int) -> Sample:
    """One task instruction (``kinds_train.instructions``): short, never padded to
    ``MIN_CHARS``; half generic (internal), half carrying sensitive content."""
    if split not in ("train", "dev"):
        raise ValueError(
            f"instructions are generated for train and dev only, not {split!r} "
            "(the held-out instruction set is written by hand, see the bench README)"
        )
    from models.datagen.kinds_train.instructions import CATEGORY_CYCLE, instruction

    s = sample_seed(f"{split}-instruction", seed, index)
    rng = random.Random(s)
    category = CATEGORY_CYCLE[(index + seed) % len(CATEGORY_CYCLE)]
    locale = rng.choice(INSTRUCTION_LOCALES)
    fake = _faker(locale)
    fake.seed_instance(s)
    adversarial = rng.choice((0.0, 0.0, 0.0, 0.1))
    noise = rng.choice((0.0, 0.0, 0.02, 0.05))
    ctx = Ctx(rng, fake, locale, adversarial=adversarial, noise=noise)
    instruction(ctx, category)
    doc = ctx.doc
    doc.truncate_to(len(doc.text.rstrip()))
    text = doc.text
    if not text.strip():
        raise AssertionError("empty instruction")
    return Sample(
        id=f"{split}-instruction-{seed}-{index:06d}",
        text=text,
        spans=_clean_spans(text, doc.spans),
        category=category,
        kind="train.instruction",
        locale=locale,
    )


def generate_instructions(split: str = "train", n: int = 1000, seed: int = 13) -> list[Sample]:
    """``n`` task instructions of ``split`` (train or dev), identical on every run."""
    if n < 0:
        raise ValueError("n must be >= 0")
    return [generate_instruction(split, seed, i) for i in range(n)]


def _clean_spans(
    text: str, spans: tuple[tuple[int, int, str], ...]
) -> tuple[tuple[int, int, str], ...]:
    """Spans must be in range, non-empty and non-overlapping; generators guarantee it."""
    out: list[tuple[int, int, str]] = []
    for start, end, etype in spans:
        if not 0 <= start < end <= len(text):
            raise AssertionError(f"span out of range: {start}-{end} {etype}")
        if out and start < out[-1][1]:
            raise AssertionError(f"overlapping spans at {start} ({etype})")
        out.append((start, end, etype))
    return tuple(out)


def generate(split: str = "train", n: int = 5000, seed: int = 13) -> list[Sample]:
    """``n`` sections of ``split``, identical on every run for the same arguments."""
    if n < 0:
        raise ValueError("n must be >= 0")
    return [generate_one(split, seed, i) for i in range(n)]
