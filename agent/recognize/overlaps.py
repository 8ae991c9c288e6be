"""Resolving candidates into entities: who wins where spans overlap.

- across types, a *strong* candidate (score >= 0.95, or checksum-validated with score
  >= 0.9; never a PERSON/LOCATION/ORGANIZATION hint) hides an overlapping candidate of
  another type with a lower score: a "phone number" inside a valid IBAN, an "email"
  inside ``postgres://user:pass@host``. Of two checksum-validated identifiers, the longer
  one hides one it contains (a Luhn-valid "card" inside a valid IBAN);
- within a type, overlapping spans merge into one (union span, best score and its source).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from agent.domain import EntityType
from agent.recognize.pattern import Candidate

STRONG_SCORE = 0.95
VALIDATED_STRONG_SCORE = 0.9


def resolve(candidates: Iterable[Candidate], min_score: float) -> list[Candidate]:
    """The candidates worth reporting, sorted by position."""
    kept = [c for c in candidates if c.score >= min_score]
    resolved = merge_same_type(suppress_weaker_overlaps(kept))
    resolved.sort(key=lambda c: (c.start, c.end, c.type.value))
    return resolved


# a hint (a name, an address grown over its line) never hides an identifier
_HINT_TYPES = frozenset({EntityType.PERSON, EntityType.LOCATION, EntityType.ORGANIZATION})


def _is_strong(c: Candidate) -> bool:
    # a weak check (NHS mod 11 passes 1 number in 11) without context is not strong
    if c.type in _HINT_TYPES:
        return False
    return c.score >= STRONG_SCORE or (c.validated and c.score >= VALIDATED_STRONG_SCORE)


def _beats(s: Candidate, c: Candidate) -> bool:
    """Whether strong candidate ``s`` hides candidate ``c`` (overlapping, other type)."""
    if s.type == c.type or not (s.start < c.end and c.start < s.end):
        return False
    if not c.validated:
        return s.score > c.score
    # two checksums agree by chance: the longer identifier contains the other
    return s.start <= c.start and c.end <= s.end and s.end - s.start > c.end - c.start


def suppress_weaker_overlaps(candidates: list[Candidate]) -> list[Candidate]:
    """Drop candidates overlapped by a stronger one of another type (O(n log n): the
    strong ones that can overlap a candidate are found by bisection)."""
    strong = sorted((c for c in candidates if _is_strong(c)), key=lambda c: c.start)
    if not strong:
        return candidates
    starts = [s.start for s in strong]
    longest = max(s.end - s.start for s in strong)
    kept: list[Candidate] = []
    for c in candidates:
        lo = bisect_left(starts, c.start - longest)
        hi = bisect_left(starts, c.end)
        if not any(_beats(s, c) for s in strong[lo:hi]):
            kept.append(c)
    return kept


def merge_same_type(candidates: Iterable[Candidate]) -> list[Candidate]:
    by_type: dict[EntityType, list[Candidate]] = {}
    for c in candidates:
        by_type.setdefault(c.type, []).append(c)
    merged: list[Candidate] = []
    for group in by_type.values():
        group.sort(key=lambda c: (c.start, -c.end))
        current = group[0]
        for c in group[1:]:
            if c.start < current.end:
                best = c if c.score > current.score else current
                current = Candidate(
                    current.type,
                    current.start,
                    max(current.end, c.end),
                    best.score,
                    best.source,
                    current.validated or c.validated,
                )
            else:
                merged.append(current)
                current = c
        merged.append(current)
    return merged
