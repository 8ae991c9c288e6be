"""Merging model and pattern findings into one list of entities per section.

Rules, chosen for recall (a missed span leaks, an extra one only over-redacts):

* same type, overlapping: one entity over the union of both spans, the higher score;
* a model finding of a type whose validity is a checksum or a numbering rule (cards,
  IBAN, NHS, SSN, NINO) counts only when a pattern recognizer confirms it: the
  recognizers validate, the model cannot tell a Luhn-invalid number from a valid one;
* different types, overlapping: the pattern finding (checksums, context) keeps its
  type; a model finding entirely inside it is dropped as a duplicate, one that sticks
  out is kept so that nothing outside the pattern span escapes redaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from agent.domain import Entity, EntityType

#: types the model may not add on its own: only validated pattern findings count
PATTERN_VALIDATED_TYPES: frozenset[EntityType] = frozenset(
    {
        EntityType.CREDIT_CARD,
        EntityType.IBAN_CODE,
        EntityType.UK_NHS,
        EntityType.US_SSN,
        EntityType.UK_NINO,
    }
)


def _union(a: Entity, b: Entity) -> Entity:
    best = a if a.score >= b.score else b
    sources = sorted({s for s in (a.source, b.source) if s})
    return Entity(
        type=a.type,
        start=min(a.start, b.start),
        end=max(a.end, b.end),
        score=best.score,
        source="+".join(sources),
    )


def merge_same_type(entities: Iterable[Entity]) -> list[Entity]:
    """Union the overlapping spans of each type."""
    out: list[Entity] = []
    for ent in sorted(entities, key=lambda e: (e.type.value, e.start, e.end)):
        if out and out[-1].type == ent.type and ent.start < out[-1].end:
            out[-1] = _union(out[-1], ent)
        else:
            out.append(ent)
    return out


def merge(model: Sequence[Entity], patterns: Sequence[Entity]) -> list[Entity]:
    """One entity list, sorted by position, from model and pattern findings."""
    kept_model = [
        m
        for m in model
        if m.type not in PATTERN_VALIDATED_TYPES
        and not any(p.type != m.type and p.start <= m.start and m.end <= p.end for p in patterns)
    ]
    merged = merge_same_type([*kept_model, *patterns])
    return sorted(merged, key=lambda e: (e.start, e.end, e.type.value))


def redact_text(text: str, entities: Sequence[Entity]) -> str:
    """``text`` with every entity replaced by ``<TYPE>``; overlapping spans become one
    placeholder named after the highest-scoring entity of the group."""
    groups: list[list[Entity]] = []
    for ent in sorted(entities, key=lambda e: (e.start, e.end)):
        if groups and ent.start < max(e.end for e in groups[-1]):
            groups[-1].append(ent)
        else:
            groups.append([ent])
    parts: list[str] = []
    pos = 0
    for group in groups:
        start = min(e.start for e in group)
        end = max(e.end for e in group)
        label = max(group, key=lambda e: e.score).type.value
        parts.append(text[pos:start])
        parts.append(f"<{label}>")
        pos = end
    parts.append(text[pos:])
    return "".join(parts)
