"""``PatternEngine``: runs the configured recognizers over a normalised view of a text and
returns entities at their ORIGINAL offsets.

How one ``analyze(text)`` goes:

1. ``normalize(text)``: zero-width characters, full-width forms, ``[at]``/``[dot]``.
2. every recognizer scans the normalised text; spans map back to the original;
3. if identifiers may be broken across lines, a second view with those line breaks
   joined is scanned around each join only, and only spans that cross a join are kept,
   if checksum-validated or of a type a join cannot fake (email, IP address, secret);
4. candidates below ``min_score`` go; a candidate that overlaps a *strong* candidate of
   another type (score >= 0.95, or checksum-validated with score >= 0.9) with a higher
   score goes (a phone number inside a valid IBAN, an "email" inside
   ``postgres://user:pass@host``);
5. overlapping spans of the same type merge (widest span, best score, its source).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from agent.domain import Entity, EntityType
from agent.recognize.normalize import NormalizedText, join_lines, normalize
from agent.recognize.pattern import Candidate, PatternRecognizer
from agent.recognize.registry import build_recognizers
from agent.recognize.scan import ScanText
from bastion.configfile import ConfigFile
from bastion.errors import ConfigError

DEFAULT_CONFIG = Path(__file__).with_name("default_recognizers.yaml")
DEFAULT_MIN_SCORE = 0.5
STRONG_SCORE = 0.95
VALIDATED_STRONG_SCORE = 0.9
# how much text around a joined line break is re-scanned (identifiers are shorter)
_JOIN_WINDOW = 160


# Types kept when found only by joining a line break: a checksum-validated identifier,
# or a shape a line break cannot fake. A phone number or date glued from a date and the
# time on the next line ("Log opened 01/12/2023\n05:47") is not.
_JOINABLE_TYPES = frozenset(
    {EntityType.EMAIL_ADDRESS, EntityType.IP_ADDRESS, EntityType.SECRET, EntityType.UK_NINO}
)
# types whose recognizers validate a check digit (only those may be kept from a join)
_CHECKSUM_TYPES = frozenset({EntityType.CREDIT_CARD, EntityType.IBAN_CODE, EntityType.UK_NHS})


def _may_span_lines(c: Candidate, text: str) -> bool:
    if c.validated or c.type in _JOINABLE_TYPES:
        return True
    # an international number ("+33\n634 878 268") has a shape a join cannot fake
    return c.type == EntityType.PHONE_NUMBER and text.startswith("+", c.start)


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


def _suppress_weaker_overlaps(candidates: list[Candidate]) -> list[Candidate]:
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


def _merge_same_type(candidates: Iterable[Candidate]) -> list[Candidate]:
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


def _windows(view: NormalizedText) -> list[tuple[int, int]]:
    """Merged ``[lo, hi)`` ranges of the joined text around each join, cut at whitespace."""
    text = view.text
    spans: list[tuple[int, int]] = []
    for j in view.joins:
        lo, hi = max(0, j - _JOIN_WINDOW), min(len(text), j + _JOIN_WINDOW)
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
        else:
            spans.append((lo, hi))
    return spans


class PatternEngine:
    """The configured pattern recognizers, run as one pass over a text."""

    def __init__(
        self, recognizers: Sequence[PatternRecognizer], min_score: float = DEFAULT_MIN_SCORE
    ) -> None:
        if not recognizers:
            # an engine that finds nothing would wave every section through
            raise ConfigError("the pattern engine needs at least one recognizer")
        if not 0 <= min_score <= 1:
            raise ConfigError(f"min_score must be in [0, 1], got {min_score}")
        self.recognizers = tuple(recognizers)
        self.min_score = min_score
        # a second scan around joined line breaks runs only what may be kept from it
        self._join_recognizers = tuple(
            r
            for r in self.recognizers
            if r.joinable
            and r.entity_types & (_JOINABLE_TYPES | _CHECKSUM_TYPES | {EntityType.PHONE_NUMBER})
        )

    @classmethod
    def default(cls) -> PatternEngine:
        """The engine of ``default_recognizers.yaml`` (built once, then shared)."""
        global _DEFAULT_ENGINE
        if _DEFAULT_ENGINE is None:
            _DEFAULT_ENGINE = cls.from_config(DEFAULT_CONFIG)
        return _DEFAULT_ENGINE

    @classmethod
    def from_config(cls, source: str | Path | Mapping[str, Any]) -> PatternEngine:
        """From a YAML file (path) or an already parsed mapping of the same shape::

        min_score: 0.5
        recognizers:
          - email                       # a built-in, by name
          - {name: phone, enabled: false}
          - name: matter_number         # a custom recognizer, all data
            entity_type: SECRET
            patterns: [{name: matter, regex: 'M-\\d{6}', score: 0.8}]
            context: [matter]
        """
        if isinstance(source, Mapping):
            cfg = ConfigFile(Path("<recognizer config>"), dict(source), {})
        else:
            cfg = ConfigFile.load(source)
        cfg.check_known("", {"min_score", "recognizers"})
        min_score = cfg.get("min_score", float, DEFAULT_MIN_SCORE)
        if not 0 <= min_score <= 1:
            raise cfg.error("min_score", "expected a number from 0 to 1")
        recognizers = build_recognizers(cfg)
        if not recognizers:
            raise cfg.error("recognizers", "no recognizer is enabled")
        return cls(recognizers, min_score)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.recognizers)

    def analyze(self, text: str) -> list[Entity]:
        """Entities in ``text``, sorted by start, offsets into ``text`` itself."""
        if not text:
            return []
        view = normalize(text)
        candidates = self._scan(view, 0, len(view.text), crossing_joins_only=False)
        joined = join_lines(view)
        if joined is not None:
            for lo, hi in _windows(joined):
                found = self._scan(
                    joined, lo, hi, crossing_joins_only=True, recognizers=self._join_recognizers
                )
                candidates.extend(c for c in found if _may_span_lines(c, text))
        candidates = [c for c in candidates if c.score >= self.min_score]
        resolved = _merge_same_type(_suppress_weaker_overlaps(candidates))
        resolved.sort(key=lambda c: (c.start, c.end, c.type.value))
        return [c.to_entity() for c in resolved]

    def _scan(
        self,
        view: NormalizedText,
        lo: int,
        hi: int,
        *,
        crossing_joins_only: bool,
        recognizers: Sequence[PatternRecognizer] | None = None,
    ) -> list[Candidate]:
        text = view.text if (lo, hi) == (0, len(view.text)) else view.text[lo:hi]
        found: list[Candidate] = []
        scan = ScanText(text)
        for recognizer in self.recognizers if recognizers is None else recognizers:
            for c in recognizer.find(scan):
                start, end = c.start + lo, c.end + lo
                if crossing_joins_only and not view.crosses_join(start, end):
                    continue
                found.append(c.moved(*view.to_original(start, end)))
        return found


_DEFAULT_ENGINE: PatternEngine | None = None
