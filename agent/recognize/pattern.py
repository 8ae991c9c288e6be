"""``PatternRecognizer``: a recognizer that is data (patterns, context words) plus one hook.

Why this shape (after Presidio): adding or tuning a recognizer should mean editing a table,
not writing a scanner. A recognizer holds

- ``patterns``: compiled regexes, each with a base score (how telling the shape alone is);
- ``context`` words whose presence just before (or shortly after) the match raises the
  score, and ``negative_context`` words (``order``, ``invoice``, ``version``) that veto
  it. The nearest cue wins, so ``invoice ... card number 4111...`` still counts;
- ``context_required``: without a context cue the match is dropped (dates, MRNs,
  passport numbers look like everything else);
- ``not_after``: a regex that must not end right before the match (the country and check
  digits of an IBAN-shaped number before a "card number" found inside it);
- ``validate(value)``: the one hook. ``False`` drops the candidate (a failed check
  digit), ``True`` marks it validated (score ``validated_score``, 1.0 unless the check
  is weak), ``None`` means "no opinion". (``adjust`` may narrow a raw match first, for
  identifiers whose length depends on their content, such as an IBAN's country.)

Speed (see ``scan.py``): a recognizer says where its matches can be, and only those
ranges are scanned:

- ``anchor``: words that every match contains (``street``, ``password``, ``dear``) or that
  must precede it (the context words of a context-required recognizer, and the table
  columns headed by them); the patterns then scan a few dozen characters around each.
  An anchored recognizer MUST find nothing outside table cells when none of its anchor
  words occur: the engine then does not run it at all;
- ``numeric``: every match lies in a run of digit-bearing tokens (``numeric_regions``,
  computed once per text and shared, with each region's digit count). ``min_digits``
  and ``needs`` (a regex every match contains: ``[.:]`` for an IP address) say which
  regions cannot hold a match: those are not scanned. They must follow from the
  patterns or the validator (a phone number has 8 digits or ``validate`` drops it).

``find`` returns ``Candidate`` objects, which carry the validated flag the engine uses to
resolve overlaps between types; ``entities`` (the ``Recognizer`` protocol) returns plain
entities.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.domain import Entity, EntityType
from agent.recognize.scan_text import MAX_MATCH, Anchor, AnchorIndex, ScanText, compile_words
from agent.recognize.table_cells import Cell

MAX_SCORE = 1.0
# how far back ``not_after`` looks
NOT_AFTER_WINDOW = 40
_DIGIT = re.compile(r"\d")
DEFAULT_CONTEXT_BOOST = 0.35
DEFAULT_CONTEXT_WINDOW = 40


@dataclass(frozen=True, slots=True)
class Pattern:
    """A named regex; ``group`` selects the entity span inside the match.

    ``variants``: several shapes in one regex (one scan instead of several), each a named
    group with its own score; the first group that took part in the match decides.
    """

    name: str
    regex: str
    score: float
    group: int | str = 0
    flags: int = 0
    variants: tuple[tuple[str, float], ...] = ()

    def score_of(self, m: re.Match[str]) -> float:
        for group, score in self.variants:
            if m.start(group) != -1:
                return score
        return self.score


def variants(
    name: str, shapes: Sequence[tuple[str, str, float]], flags: int = 0, prefix: str = ""
) -> Pattern:
    """One ``Pattern`` from ``(group name, regex, score)`` shapes, tried in order.

    ``prefix`` (look-arounds shared by every shape) is tested once per position, before
    the alternation: one scan with a cheap first test beats one scan per shape.
    """
    alternation = "|".join(f"(?P<{group}>{shape})" for group, shape, _ in shapes)
    return Pattern(
        name,
        f"{prefix}(?:{alternation})",
        max(s for *_, s in shapes),
        0,
        flags,
        tuple((g, s) for g, _, s in shapes),
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span found by a recognizer, before the engine merges and filters."""

    type: EntityType
    start: int
    end: int
    score: float
    source: str
    validated: bool = False

    def to_entity(self) -> Entity:
        return Entity(self.type, self.start, self.end, round(self.score, 4), self.source)

    def moved(self, start: int, end: int) -> Candidate:
        return Candidate(self.type, start, end, self.score, self.source, self.validated)


Validator = Callable[[str], "bool | None"]


class PatternRecognizer:
    """Regex patterns + context words + an optional ``validate`` hook (see module doc)."""

    def __init__(
        self,
        name: str,
        entity_type: EntityType,
        patterns: Sequence[Pattern],
        *,
        context: Sequence[str] = (),
        negative_context: Sequence[str] = (),
        context_required: bool = False,
        context_window: int = DEFAULT_CONTEXT_WINDOW,
        context_after: int = 0,
        context_boost: float = DEFAULT_CONTEXT_BOOST,
        no_digits_between: bool = False,
        not_after: str | None = None,
        anchor: Anchor | None = None,
        numeric: bool = False,
        min_digits: int = 0,
        needs: str | None = None,
        prefilter: str | None = None,
        validator: Validator | None = None,
        validated_score: float = MAX_SCORE,
        joinable: bool = True,
    ) -> None:
        if not patterns:
            raise ValueError(f"recognizer {name!r} has no patterns")
        if context_required and not context:
            raise ValueError(f"recognizer {name!r} requires context but has no context words")
        self.name = name
        self.entity_type = entity_type
        self.entity_types = frozenset({entity_type})
        self.patterns = tuple(patterns)
        self._compiled = tuple((p, re.compile(p.regex, p.flags)) for p in self.patterns)
        self._context = compile_words(context)
        self._negative = compile_words(negative_context)
        self.context_required = context_required
        self.context_window = context_window
        self.context_after = context_after
        self.context_boost = context_boost
        self.no_digits_between = no_digits_between
        self._not_after = re.compile(not_after + r"\Z") if not_after else None
        if anchor is None and context_required:
            # a match needs a cue before it (or shortly after): scan only around cues
            before = context_after + MAX_MATCH if context_after else 0
            anchor = Anchor(context, before=before, after=context_window)
        #: where matches can be, when they are anchored on words (else None)
        self.anchor_index = AnchorIndex(anchor) if anchor is not None else None
        self.numeric = numeric
        self.min_digits = min_digits
        self._needs = re.compile(needs) if needs else None
        self._prefilter = re.compile(prefilter) if prefilter else None
        self._validator = validator
        self.validated_score = validated_score
        #: whether the engine may report it from text joined across a line break
        self.joinable = joinable

    # -- the hook ---------------------------------------------------------------------
    def validate(self, value: str) -> bool | None:
        """``False`` drops the candidate, ``True`` validates it, ``None`` = no opinion."""
        return self._validator(value) if self._validator is not None else None

    def adjust(self, scan: ScanText, start: int, end: int) -> tuple[int, int] | None:
        """Narrow or widen a raw match before validation (``None`` drops it). Identity by
        default. (It receives the ``ScanText``, not state on ``self``: one recognizer may
        serve several threads.)"""
        return start, end

    # -- scanning ---------------------------------------------------------------------
    def entities(self, text: str) -> list[Entity]:
        return [c.to_entity() for c in self.find(text)]

    def find(self, text: str | ScanText) -> list[Candidate]:
        """Candidates in ``text`` (pass a ``ScanText`` to share its lower/regions)."""
        scan = text if isinstance(text, ScanText) else ScanText(text)
        raw = scan.text
        if self._prefilter is not None and self._prefilter.search(raw) is None:
            return []
        found: list[Candidate] = []
        ranges = self._ranges(scan)
        for pattern, compiled in self._compiled:
            for lo, hi, last_start in ranges:
                if lo == last_start:
                    # the match can only start here (a keyword-led pattern at its anchor;
                    # a numeric region never ends where it starts)
                    m = compiled.match(raw, lo, hi)
                    candidate = self._candidate(scan, m, pattern) if m else None
                    if candidate is not None:
                        found.append(candidate)
                    continue
                for m in compiled.finditer(raw, lo, hi):
                    if m.start() > last_start:
                        break
                    candidate = self._candidate(scan, m, pattern)
                    if candidate is not None:
                        found.append(candidate)
        return found

    def _ranges(self, scan: ScanText) -> list[tuple[int, int, int]]:
        """``(lo, hi, last_start)``: where to scan, and the last match start to keep."""
        n = len(scan.text)
        if self.anchor_index is not None:
            a = self.anchor_index.anchor
            if a.leads:
                return [(s, min(n, s + a.reach), s) for s, _ in self.anchor_index.spans(scan)]
            spans = [
                (max(0, s - a.before), min(n, e + a.after + a.reach), e + a.after)
                for s, e in self.anchor_index.spans(scan)
            ]
            if a.needs_digit:
                spans = [sp for sp in spans if _DIGIT.search(scan.text, sp[0], sp[1])]
            if self.context_required:
                # in a table the cue is the column header, lines away from the value
                spans.extend((c.start, c.end, c.end) for c in self._context_cells(scan))
                spans.sort()
        elif self.numeric:
            # a match lies inside one region (regions are merged: none overlap)
            needs, text = self._needs, scan.text
            return [
                (lo, hi, hi)
                for (lo, hi), digits in zip(scan.regions, scan.region_digits, strict=True)
                if digits >= self.min_digits and (needs is None or needs.search(text, lo, hi))
            ]
        else:
            return [(0, n, n)]
        merged: list[tuple[int, int, int]] = []
        for lo, hi, last in spans:
            if merged and lo <= merged[-1][1]:
                prev_lo, prev_hi, prev_last = merged[-1]
                merged[-1] = (prev_lo, max(prev_hi, hi), max(prev_last, last))
            else:
                merged.append((lo, hi, last))
        return merged

    def _context_cells(self, scan: ScanText) -> list[Cell]:
        if self._context is None or not scan.cells.cells:
            return []
        return [c for c in scan.cells.cells if self._header_cue(scan, c.header) > 0]

    def _header_cue(self, scan: ScanText, header: str) -> int:
        """+1 / -1 / 0 for a column header. Headers repeat for every cell of their column,
        so the answer is remembered, on the ``ScanText``: it lives as long as one text's
        scan, and no header (which may be a first row of names) outlives its request."""
        key = (id(self), header)
        cue = scan.memo.get(key)
        if cue is None:
            if self._negative is not None and self._negative.search(header):
                cue = -1
            elif self._context is not None and self._context.search(header):
                cue = 1
            else:
                cue = 0
            scan.memo[key] = cue
        return cue

    def _candidate(self, scan: ScanText, m: re.Match[str], pattern: Pattern) -> Candidate | None:
        raw_start, raw_end = m.span(pattern.group)
        span = self.adjust(scan, raw_start, raw_end)
        if span is None or span[0] >= span[1]:
            return None
        # context is read before the matched text, not before what adjust() made of it
        return self._score(scan, span[0], span[1], pattern.score_of(m), raw_start, raw_end)

    def _score(
        self,
        scan: ScanText,
        start: int,
        end: int,
        base: float,
        cue_start: int | None = None,
        cue_end: int | None = None,
    ) -> Candidate | None:
        verdict = self.validate(scan.text[start:end])
        if verdict is False:
            return None
        if self._not_after is not None and self._not_after.search(
            scan.text, max(0, start - NOT_AFTER_WINDOW), start
        ):
            return None
        cue = self._context_cue(
            scan,
            start if cue_start is None else cue_start,
            end if cue_end is None else cue_end,
        )
        if cue < 0 or (cue == 0 and self.context_required):
            return None
        score = self.validated_score if verdict else base
        if cue > 0:
            score = min(MAX_SCORE, score + self.context_boost)
        return Candidate(self.entity_type, start, end, score, self.name, bool(verdict))

    def _context_cue(self, scan: ScanText, start: int, end: int) -> int:
        """+1 if the nearest cue before the match is positive, -1 if negative, else 0.

        In a table cell the column header is the context; without a cue there, only the
        cell's own row counts (the lines above are other rows).
        """
        text = scan.text
        lo = max(0, start - self.context_window)
        cell = scan.cells.containing(start, end)
        if cell is not None:
            header_cue = self._header_cue(scan, cell.header)
            if header_cue:
                return header_cue
            # no cue in the header: the row's own words ("DOB<TAB>12/03/1985" in a form)
            lo = max(lo, text.rfind("\n", 0, start) + 1)
        window = text[lo:start]
        pos = self._last_match_end(self._context, window)
        neg = self._last_match_end(self._negative, window)
        if neg > pos:
            return -1
        if pos >= 0:
            if self.no_digits_between and any(c.isdigit() for c in window[pos:]):
                return 0
            return 1
        if self.context_after and self._context is not None:
            after = text[end : end + self.context_after]
            if self._context.search(after) is not None:
                return 1
        return 0

    @staticmethod
    def _last_match_end(words: re.Pattern[str] | None, window: str) -> int:
        if words is None or not window:
            return -1
        last = -1
        for m in words.finditer(window):
            last = m.end()
        return last
