"""One name, every mention: a name found once is redacted wherever else it occurs.

A tagger reads each mention in its own context, and a name it finds in a header
("<Natalia Impastato>") it may miss in running text, lower-cased ("... from natalia
impastato: tax code wrong"). Every mention left behind leaks the name the other mentions
hid, so after the merge each found name, organisation or place is looked up again in
the whole section (case-insensitive, whole words, any run of spaces between words) and
each further mention becomes an entity of the same type (source ``propagated``).

Guards against spreading a wrong finding: the value needs ``MIN_LETTERS`` letters and
must not be only function words; a value of one word must have been found with a score
of ``ONE_WORD_MIN_SCORE`` (the model's guesses on domain words are single words of lower
scores); a value of one short word (``SHORT_WORD``) is matched with its case (the
surname "Le" must not turn every French "le" into a person).

Measured on four 400-section samples of the test split: leaked values 0.49-0.96% ->
0.29-0.38%, strict precision 0.1-0.2 points lower (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.detect.merge import only_function_words
from agent.domain import Entity, EntityType

PROPAGATED_SOURCE = "propagated"
PROPAGATED_TYPES = frozenset({EntityType.PERSON, EntityType.ORGANIZATION, EntityType.LOCATION})
MIN_LETTERS = 3
SHORT_WORD = 4
ONE_WORD_MIN_SCORE = 0.95


def _pattern(value: str) -> re.Pattern[str] | None:
    words = value.split()
    if not words or sum(c.isalpha() for c in value) < MIN_LETTERS or only_function_words(value):
        return None
    body = r"\s+".join(re.escape(w) for w in words)
    flags = 0 if (len(words) == 1 and len(value) <= SHORT_WORD) else re.IGNORECASE
    return re.compile(rf"(?<!\w){body}(?!\w)", flags)


def propagate(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """``entities`` plus every further mention of their names, sorted by position."""
    taken = sorted((e.start, e.end) for e in entities)
    found: list[Entity] = []
    seen: set[tuple[EntityType, str]] = set()
    for ent in sorted(entities, key=lambda e: -e.score):
        if ent.type not in PROPAGATED_TYPES:
            continue
        value = text[ent.start : ent.end]
        key = (ent.type, " ".join(value.lower().split()))
        if key in seen:
            continue
        seen.add(key)
        if len(value.split()) == 1 and ent.score < ONE_WORD_MIN_SCORE:
            continue
        pattern = _pattern(value)
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            if _overlaps(taken, m.start(), m.end()):
                continue
            found.append(Entity(ent.type, m.start(), m.end(), ent.score, PROPAGATED_SOURCE))
            taken.append((m.start(), m.end()))
            taken.sort()
    if not found:
        return list(entities)
    return sorted([*entities, *found], key=lambda e: (e.start, e.end, e.type.value))


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)
