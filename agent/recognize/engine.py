"""``PatternEngine``: runs the configured recognizers over a normalised view of a text and
returns entities at their ORIGINAL offsets.

How one ``entities(text)`` goes:

1. ``normalize(text)``: zero-width characters, full-width forms, ``[at]``/``[dot]``.
2. the anchor words of every recognizer are looked for in one pass (``AnchorSet``); a
   recognizer anchored on words none of which occur is skipped (outside tables it cannot
   match), every other one scans the normalised text; spans map back to the original;
3. if identifiers may be broken across lines, a second view with those line breaks
   joined is scanned around each join only, and only spans that cross a join are kept,
   if checksum-validated or of a shape a join cannot fake (email, IP address, secret,
   NINO, an international phone number);
4. candidates below ``min_score`` go, and overlaps are resolved (``resolve.py``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.domain import Entity, EntityType
from agent.recognize.normalize import NormalizedText, join_lines, normalize
from agent.recognize.overlaps import resolve
from agent.recognize.pattern import Candidate, PatternRecognizer
from agent.recognize.registry import build_recognizers
from agent.recognize.scan_text import AnchorSet, ScanText
from bastion.configfile import ConfigFile
from bastion.errors import ConfigError

DEFAULT_CONFIG = Path(__file__).with_name("default_recognizers.yaml")
DEFAULT_MIN_SCORE = 0.5
# how much text around a joined line break is re-scanned (identifiers are shorter)
_JOIN_WINDOW = 160
# str.isspace and the regex \s are the same Unicode test
_WHITESPACE = re.compile(r"\s")


# Types kept when found only by joining a line break: a checksum-validated identifier,
# or a shape a line break cannot fake. A phone number or date glued from a date and the
# time on the next line ("Log opened 01/12/2023\n05:47") is not.
_JOINABLE_TYPES = frozenset(
    {EntityType.EMAIL_ADDRESS, EntityType.IP_ADDRESS, EntityType.SECRET, EntityType.UK_NINO}
)
# types whose recognizers validate a check digit (only those may be kept from a join)
_CHECKSUM_TYPES = frozenset({EntityType.CREDIT_CARD, EntityType.IBAN_CODE, EntityType.UK_NHS})


# a national phone number wrapped across a line ("Tel: 020 7946\n0958") is kept when a
# phone cue stands before it (its score then carries the context boost): the date and
# time a join could glue together have no such cue
_CUED_PHONE_SCORE = 0.8


def _may_span_lines(c: Candidate, text: str) -> bool:
    if c.validated or c.type in _JOINABLE_TYPES:
        return True
    if c.type != EntityType.PHONE_NUMBER:
        return False
    # an international number ("+33\n634 878 268") has a shape a join cannot fake
    return text.startswith("+", c.start) or c.score >= _CUED_PHONE_SCORE


def _windows(view: NormalizedText) -> list[tuple[int, int]]:
    """Merged ``[lo, hi)`` ranges of the joined text around each join, cut at whitespace.

    Each edge moves out to the nearest whitespace, looked up by bisection in the list of
    whitespace positions (found once): walking there character by character cost the
    length of the token per join, quadratic on a joined column of numbers (one token)."""
    text = view.text
    if not view.joins:
        return []
    spaces = [m.start() for m in _WHITESPACE.finditer(text)]
    spans: list[tuple[int, int]] = []
    for j in view.joins:
        lo, hi = max(0, j - _JOIN_WINDOW), min(len(text), j + _JOIN_WINDOW)
        k = bisect_left(spaces, lo) - 1  # the last whitespace before lo
        lo = spaces[k] + 1 if k >= 0 else 0
        k = bisect_left(spaces, hi)  # the first whitespace at or after hi
        hi = spaces[k] if k < len(spaces) else len(text)
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
        self._everything = _Scanners.of(self.recognizers)
        # a second scan around joined line breaks runs only what may be kept from it
        self._joinable = _Scanners.of(
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

    def entities(self, text: str) -> list[Entity]:
        """Entities in ``text``, sorted by start, offsets into ``text`` itself."""
        if not text:
            return []
        view = normalize(text)
        candidates = _scan(self._everything, view, 0, len(view.text), crossing_joins_only=False)
        joined = join_lines(view)
        if joined is not None:
            for lo, hi in _windows(joined):
                found = _scan(self._joinable, joined, lo, hi, crossing_joins_only=True)
                candidates.extend(c for c in found if _may_span_lines(c, text))
        return [c.to_entity() for c in resolve(candidates, self.min_score)]


@dataclass(frozen=True, slots=True)
class _Scanners:
    """Recognizers run together over a text, and the anchor words of all of them."""

    recognizers: tuple[PatternRecognizer, ...]
    anchors: AnchorSet

    @classmethod
    def of(cls, recognizers: Iterable[PatternRecognizer]) -> _Scanners:
        chosen = tuple(recognizers)
        return cls(chosen, AnchorSet(r.anchor_index for r in chosen if r.anchor_index is not None))


def _scan(
    scanners: _Scanners, view: NormalizedText, lo: int, hi: int, *, crossing_joins_only: bool
) -> list[Candidate]:
    text = view.text if (lo, hi) == (0, len(view.text)) else view.text[lo:hi]
    found: list[Candidate] = []
    scan = ScanText(text)
    scanners.anchors.search(scan)  # every anchor word, one pass
    hits = scan.anchor_hits
    for recognizer in scanners.recognizers:
        index = recognizer.anchor_index
        if hits is not None and index is not None and not hits[index] and not scan.cells.cells:
            continue  # anchored, and none of its words occur: it can only match in a table
        for c in recognizer.find(scan):
            start, end = c.start + lo, c.end + lo
            if crossing_joins_only and not view.crosses_join(start, end):
                continue
            found.append(c.moved(*view.to_original(start, end)))
    return found


_DEFAULT_ENGINE: PatternEngine | None = None
