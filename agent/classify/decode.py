"""Model outputs -> entities and category scores.

Window outputs are stitched back per text: a token seen by two overlapping windows gets
the mean of both windows' probabilities; the section category is the softmax of the
mean window logits. BIO tags become spans; a span that stops inside a word is widened to
the whole word, because a half-redacted name still leaks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from agent.classify.features import Encoded
from agent.domain import Entity, EntityType

FloatArray = npt.NDArray[np.float32]

MODEL_SOURCE = "model"


def softmax(x: FloatArray, axis: int = -1) -> FloatArray:
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    out: FloatArray = (e / e.sum(axis=axis, keepdims=True)).astype(np.float32)
    return out


def _widen_to_word(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a span that starts or ends inside a word to the whole word."""
    if text[start].isalnum():
        while start > 0 and text[start - 1].isalnum():
            start -= 1
    if text[end - 1].isalnum():
        while end < len(text) and text[end].isalnum():
            end += 1
    return start, end


#: courtesy titles are not part of a name (the gold convention keeps them outside)
HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "herr",
        "frau",
        "dhr",
        "mevr",
        "mw",
        "m",
        "mme",
        "mlle",
        "sr",
        "sra",
        "srta",
        "sig",
        "sigra",
        "dott",
        "dottssa",
        "avv",
        "ing",
    ]
)
_EDGE_PUNCT = ",;:!?()[]{}<>\"'*`|/\\-–—•·"
_LEADING_PUNCT = _EDGE_PUNCT + "."
_ALNUM = re.compile(r"[^\W_]")


def _tidy(text: str, start: int, end: int, etype: EntityType) -> tuple[int, int]:
    """Trim punctuation at the edges, a sentence-final full stop, and (for a person)
    a leading courtesy title. Returns an empty range when nothing alphanumeric is left."""
    while start < end and (text[start].isspace() or text[start] in _LEADING_PUNCT):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE_PUNCT):
        end -= 1
    if end > start and text[end - 1] == "." and _is_sentence_stop(text, start, end):
        end -= 1
    if etype == EntityType.PERSON:
        start = _skip_honorifics(text, start, end)
    if _ALNUM.search(text, start, end) is None:
        return start, start
    return start, end


def _is_sentence_stop(text: str, start: int, end: int) -> bool:
    """A final '.' after a long word ends the sentence; after 'Inc', 'St', 'J' it is part
    of an abbreviation and stays."""
    k = end - 1
    j = k
    while j > start and text[j - 1].isalnum():
        j -= 1
    word = text[j:k]
    return len(word) > 3 or word.isdigit()


def _skip_honorifics(text: str, start: int, end: int) -> int:
    while True:
        j = start
        while j < end and text[j].isalpha():
            j += 1
        word = text[start:j].lower()
        if j == start or word not in HONORIFICS:
            return start
        k = j
        while k < end and (text[k] == "." or text[k].isspace()):
            k += 1
        if k == j or k >= end:  # "Mr" glued to nothing, or the title alone
            return start if k < end else end
        start = k


#: the types one name may be split between by a token-level tagger
NAME_TYPES = ("PERSON", "ORGANIZATION", "LOCATION")


TypeColumns = tuple[list[EntityType], list[int], list[int], frozenset[int], int]


@cache
def _type_columns(labels: tuple[str, ...]) -> TypeColumns:
    """Entity types, the columns of their ``B-`` and ``I-`` labels, the indices (into the
    types) of the name types, and the column of ``O``."""
    types = [label[2:] for label in labels if label.startswith("B-")]
    b_cols = [labels.index(f"B-{t}") for t in types]
    i_cols = [labels.index(f"I-{t}") for t in types]
    names = frozenset(types.index(t) for t in NAME_TYPES if t in types)
    return [EntityType(t) for t in types], b_cols, i_cols, names, labels.index("O")


def decode_entities(
    text: str,
    enc: Encoded,
    token_probs: FloatArray,
    labels: Sequence[str],
    threshold: float = 0.5,
    extend_threshold: float | None = None,
) -> list[Entity]:
    """Spans from per-token label probabilities ``[n_tokens, n_labels]``.

    A token is inside an entity when ``1 - P(O) >= extend_threshold``, and an entity is
    kept when at least one of its tokens reaches ``threshold`` (hysteresis, as in edge
    detection: a confident token starts a name, weaker neighbours complete it, so that
    "Govoni, Morena" is one name, not two halves); ``extend_threshold`` defaults to
    ``threshold``. A token's type is the type with the most ``B-`` + ``I-`` mass. It
    continues the previous token's span when it follows it directly, either leans ``I-``
    (summed over types) or is glued to it (a subword), and has the span's type, or both
    types are kinds of name (person, organisation, place); a missing ``B-`` is not a
    reason to drop a name. A span of names is typed once, by the
    most mass over all its tokens: a name whose tokens disagree ("Romana" person,
    "Cafarchia" organisation) stays one entity instead of two half-spans of two types.
    Other types never join: a name beside its e-mail address stays a separate name.
    A name never continues across a line break: a heading above a name ("Vermerk" /
    "Frau Katrin Vogel"), a sign-off ("Grazie," / "Paolo") and a postal block's lines
    (one span each, the gold convention) are separate.
    """
    types, b_cols, i_cols, names, o_col = _type_columns(tuple(labels))
    if not len(enc) or not types:
        return []
    inside = 1.0 - token_probs[:, o_col]
    low = threshold if extend_threshold is None else min(extend_threshold, threshold)
    flagged = np.flatnonzero(inside >= low)
    if not flagged.size:
        return []
    # only the flagged tokens' rows from here on (a span is a run of flagged tokens)
    rows = token_probs[flagged]
    b_mass = rows[:, b_cols]
    i_mass = rows[:, i_cols]
    mass = b_mass + i_mass
    # plain lists for the loop (numpy scalars cost ~10x more per access)
    tokens = flagged.tolist()
    best = mass.argmax(axis=1).tolist()
    leans_b = (b_mass.sum(axis=1) >= i_mass.sum(axis=1)).tolist()
    strong = (inside[flagged] >= threshold).tolist()
    starts, ends = enc.starts[flagged].tolist(), enc.ends[flagged].tolist()
    spans: list[list[int]] = []  # [start, end, first row, end row, has a strong token]
    for k, t in enumerate(tokens):
        if (
            k
            and tokens[k - 1] == t - 1
            and (best[k] == best[k - 1] or (best[k] in names and best[k - 1] in names))
            and (not leans_b[k] or _same_word(text, spans[-1][1], starts[k]))
            and not (best[k] in names and "\n" in text[spans[-1][1] : starts[k]])
        ):
            span = spans[-1]
            span[1], span[3] = ends[k], k + 1
            span[4] = span[4] or strong[k]
        else:
            spans.append([starts[k], ends[k], k, k + 1, strong[k]])
    if not any(span[4] for span in spans):
        return []  # only weak tokens: no entity
    # each span's mass per type, all spans at once (rows of a span are consecutive)
    totals = np.add.reduceat(mass, [span[2] for span in spans], axis=0)
    typed = totals.argmax(axis=1).tolist()
    entities: list[Entity] = []
    for n, (start, end, first, stop, has_strong) in enumerate(spans):
        if not has_strong:
            continue  # only weak tokens: no entity
        k = typed[n]
        etype = types[k]
        s, e = _tidy(text, *_widen_to_word(text, start, end), etype)
        if e <= s:
            continue
        entities.append(
            Entity(
                type=etype,
                start=s,
                end=e,
                score=round(float(totals[n, k]) / (stop - first), 4),
                source=MODEL_SOURCE,
            )
        )
    return _merge_same_type(entities)


def _same_word(text: str, prev_end: int, start: int) -> bool:
    """True when a ``B-`` token is glued to the previous token (a subword)."""
    return prev_end == start and start > 0 and text[start - 1].isalnum()


def _merge_same_type(entities: list[Entity]) -> list[Entity]:
    """Widening to words can make neighbours overlap: merge those of one type."""
    merged: list[Entity] = []
    for ent in sorted(entities, key=lambda e: (e.start, e.end)):
        if merged and merged[-1].type == ent.type and ent.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Entity(
                type=last.type,
                start=last.start,
                end=max(last.end, ent.end),
                score=max(last.score, ent.score),
                source=last.source,
            )
        else:
            merged.append(ent)
    return merged
