"""Generated samples -> training windows (token ids, case ids, BIO labels, category).

The windows are cut exactly as at run time (``agent.classify.features``), so training
and inference see the same inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from tokenizers import Tokenizer

from agent.classify.decode import FloatArray
from agent.classify.features import IntArray, encode, window_bounds
from agent.domain import Category, EntityType

#: entity types the model tags: every SPEC type. Names, places, organisations, dates of
#: birth and context-dependent ids need the model; for the structured types the model is
#: a second opinion next to the checksum recognizers (``agent.detect.merge`` decides).
MODEL_ENTITY_TYPES: tuple[str, ...] = tuple(t.value for t in EntityType)
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
IGNORE = -100


def bio_labels(types: Sequence[str] = MODEL_ENTITY_TYPES) -> list[str]:
    labels = ["O"]
    for t in types:
        labels += [f"B-{t}", f"I-{t}"]
    return labels


@dataclass(frozen=True, slots=True)
class Window:
    ids: IntArray
    cases: IntArray
    labels: IntArray
    category: int
    #: a teacher model's token logits ``[len(ids), n_labels]`` and category logits, when
    #: the student is distilled (``models.train.distil``)
    teacher_tokens: FloatArray | None = None
    teacher_category: FloatArray | None = None


def token_labels(
    starts: IntArray, ends: IntArray, spans: Iterable[tuple[int, int, str]], labels: list[str]
) -> IntArray:
    """BIO label per token: a token overlapping a span is inside it."""
    index = {label: i for i, label in enumerate(labels)}
    out = np.zeros(len(starts), dtype=np.int64)
    for s, e, etype in spans:
        if f"B-{etype}" not in index:
            continue
        first = True
        for t in np.nonzero((starts < e) & (ends > s))[0]:
            out[t] = index[f"B-{etype}" if first else f"I-{etype}"]
            first = False
    return out


def windows_of(
    tokenizer: Tokenizer,
    text: str,
    spans: Iterable[tuple[int, int, str]],
    category: str,
    labels: list[str],
) -> list[Window]:
    enc = encode(tokenizer, text)
    tags = token_labels(enc.starts, enc.ends, list(spans), labels)
    cat = CATEGORIES.index(category)
    out: list[Window] = []
    for a, b in window_bounds(len(enc)):
        if b <= a:
            continue
        w_tags = tags[a:b].copy()
        # a span cut by the window edge starts with I-: relabel it B- inside this window
        if w_tags[0] > 0 and labels[int(w_tags[0])].startswith("I-"):
            w_tags[0] = labels.index("B-" + labels[int(w_tags[0])][2:])
        out.append(Window(enc.ids[a:b], enc.cases[a:b], w_tags, cat))
    return out
