"""What several recognizers need from one text, computed once: ``ScanText`` (its
lower-cased form, its letter runs, its numeric regions, its table cells) and ``Anchor``
(words that say where a recognizer's matches can be, found with ``str.find``).

Why: a regex scan costs ~15 ns per character and per pattern, a case-insensitive
alternation of words several times that. Finding the few places worth scanning once per
text, and sharing them, is what keeps twenty-odd recognizers above 1 MB/s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from agent.recognize.table_cells import CellIndex, table_cells

# longest span a context-required recognizer may report (dates, record numbers, keys)
MAX_MATCH = 120
# Where a number-shaped identifier can be: runs of whitespace-separated tokens containing
# a digit, with short upper-case tokens between or just before them (the bank code WEST
# in an IBAN, the AB of a NINO), and one capitalised word after them (a postcode's city).
# Anchored at token starts so hostile input stays linear.
_NUMERIC_REGION = re.compile(
    r"(?<!\S)(?:[A-Z]{1,5}\s+){0,2}\S*\d\S*(?:\s+(?:\S*\d\S*|[A-Z]{1,5}(?![A-Za-z0-9])))*"
    # and the capitalised word after the last number (the city after a postcode)
    r"(?:[ \t]+[A-ZÀ-ÖØ-Þ][^\s,;]*)?"
)
_REGION_GAP = 16
_DIGIT = re.compile(r"\d")
# letters of the Latin scripts Bastion's locales use (anything else splits a run)
_LETTER_RUN = re.compile(r"[a-zß-öø-ÿ]+")


def numeric_regions(text: str) -> list[tuple[int, int]]:
    """Merged ``[lo, hi)`` ranges where number-shaped identifiers can occur.

    Each range starts at a token start and ends at a token end, so a regex scanned with
    ``finditer(text, lo, hi)`` sees the same boundaries as on the whole text.
    """
    spans: list[tuple[int, int]] = []
    for m in _NUMERIC_REGION.finditer(text):
        lo, hi = m.span()
        if spans and lo - spans[-1][1] <= _REGION_GAP:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans


def lower_keeping_offsets(text: str) -> str | None:
    """``text.lower()`` when that keeps every offset (it does not for ``İ``), else None."""
    low = text.lower()
    return low if len(low) == len(text) else None


class ScanText:
    """A text plus what several recognizers need from it, computed once: its lower-cased
    form (for case-insensitive word searches) and its numeric regions."""

    __slots__ = (
        "_cells", "_digits", "_lower", "_regions", "_words", "anchor_hits", "memo", "text",
    )  # fmt: skip

    def __init__(self, text: str) -> None:
        self.text = text
        #: answers recognizers remember while scanning this text (and no longer)
        self.memo: dict[tuple[int, str], int] = {}
        #: every anchor's hits, when an ``AnchorSet`` searched them all in one pass
        self.anchor_hits: dict[AnchorIndex, list[tuple[int, int]]] | None = None
        self._lower: str | None = None
        self._regions: list[tuple[int, int]] | None = None
        self._digits: list[int] | None = None
        self._words: frozenset[str] | None = None
        self._cells: CellIndex | None = None

    @property
    def lower(self) -> str | None:
        """``text.lower()`` when that keeps every offset (it does not for ``İ``), else None."""
        if self._lower is None:
            self._lower = lower_keeping_offsets(self.text) or ""
        return self._lower or None

    @property
    def words(self) -> frozenset[str]:
        """The distinct letter runs of the lower-cased text: an anchor word whose first run
        is absent needs no search."""
        if self._words is None:
            self._words = frozenset(_LETTER_RUN.findall(self.lower or self.text.lower()))
        return self._words

    @property
    def cells(self) -> CellIndex:
        """The cells of tables pasted as text, with their column headers."""
        if self._cells is None:
            self._cells = CellIndex(table_cells(self.text))
        return self._cells

    @property
    def regions(self) -> list[tuple[int, int]]:
        if self._regions is None:
            self._regions = numeric_regions(self.text)
        return self._regions

    @property
    def region_digits(self) -> list[int]:
        """How many digits each of ``regions`` holds."""
        if self._digits is None:
            text = self.text
            self._digits = [len(_DIGIT.findall(text, lo, hi)) for lo, hi in self.regions]
        return self._digits


@dataclass(frozen=True, slots=True)
class Anchor:
    """Words every match contains or follows (found case-insensitively).

    A match may start from ``before`` characters before an anchor to ``after`` characters
    after the anchor's end, and is at most ``reach`` characters long. ``leads``: the match
    starts exactly at the anchor (a keyword-led pattern), so it is tried there only.
    ``needs_digit``: every match holds a digit (a house number), so a range without one
    is not scanned.
    """

    words: Sequence[str]
    before: int = 0
    after: int = 0
    reach: int = MAX_MATCH
    leads: bool = False
    whole_words: bool = True
    needs_digit: bool = False


def _word_alternation(words: Iterable[str]) -> str:
    """A regex matching any of ``words`` (longest first)."""
    return "(?:" + "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True)) + ")"


def compile_words(words: Sequence[str]) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive matching of ``words`` (for short context windows)."""
    if not words:
        return None
    return re.compile(rf"(?<![^\W_]){_word_alternation(words)}(?![^\W_])", re.IGNORECASE)


class _WholeWords:
    """Words to find as whole words, by their first letter run: a word is looked for only
    when that run is one of the text's letter runs (``ScanText.words``), so only the runs
    present in a text are visited."""

    def __init__(self, words: Iterable[str]) -> None:
        by_first: dict[str, list[str]] = {}
        always: list[str] = []  # words without a letter run: always looked for
        for w in words:
            m = _LETTER_RUN.search(w)
            if m is None:
                always.append(w)
            else:
                by_first.setdefault(m.group(), []).append(w)
        self._by_first = {run: tuple(ws) for run, ws in by_first.items()}
        self._first_runs = frozenset(by_first)
        self._always = tuple(always)

    def worth_searching(self, scan: ScanText) -> Iterable[str]:
        runs = self._first_runs & scan.words
        return chain(self._always, *(self._by_first[run] for run in runs))


class AnchorIndex:
    """Finds anchor words fast: ``str.find`` per word over the lower-cased text (a regex
    alternation of many words is ~10x slower), word boundaries checked on the few hits."""

    def __init__(self, anchor: Anchor) -> None:
        self.anchor = anchor
        self._words = tuple(sorted({w.lower() for w in anchor.words}, key=len, reverse=True))
        self._fallback = re.compile(_word_alternation(self._words), re.IGNORECASE)
        self._whole_words = _WholeWords(self._words)

    @property
    def words(self) -> tuple[str, ...]:
        """The anchor words, lower-cased, longest first."""
        return self._words

    def spans(self, scan: ScanText) -> list[tuple[int, int]]:
        """``(start, end)`` of every anchor hit, sorted, one (the longest) per start."""
        if scan.anchor_hits is not None:
            found = scan.anchor_hits.get(self)
            if found is not None:
                return found
        low = scan.lower
        whole = self.anchor.whole_words
        best: dict[int, int] = {}
        if low is None:  # lower() would shift offsets: the slow, exact way
            for m in self._fallback.finditer(scan.text):
                if not whole or _whole_word(scan.text, *m.span()):
                    best[m.start()] = m.end()
            return sorted(best.items())
        words = self._whole_words.worth_searching(scan) if whole else self._words
        for word in words:
            pos = low.find(word)
            while pos != -1:
                end = pos + len(word)
                if (not whole or _whole_word(low, pos, end)) and best.get(pos, -1) < end:
                    best[pos] = end
                pos = low.find(word, pos + 1)
        return sorted(best.items())


def _whole_word(text: str, start: int, end: int) -> bool:
    """No letter or digit glued to either side (a word ending in ``.`` may be followed)."""
    if start > 0 and text[start - 1].isalnum():
        return False
    return end >= len(text) or not (text[end].isalnum() and text[end - 1].isalnum())


class AnchorSet:
    """The anchors of several recognizers searched in one pass over a text.

    A word that several recognizers anchor on (``account``, ``patient``, ``address``) is
    looked for once, and the engine skips a recognizer none of whose anchor words occur:
    with twenty-odd recognizers on texts of a few hundred characters, calling each one
    to find nothing cost more than the searches. The hits are the ones each
    ``AnchorIndex.spans`` would find on its own (same words, same word-boundary rule).
    """

    def __init__(self, indexes: Iterable[AnchorIndex]) -> None:
        self.indexes = tuple(dict.fromkeys(indexes))
        whole: dict[str, list[int]] = {}  # word -> the indexes that need it as a whole word
        partial: dict[str, list[int]] = {}  # word -> the indexes that take it anywhere
        for k, index in enumerate(self.indexes):
            owners = whole if index.anchor.whole_words else partial
            for word in index.words:
                owners.setdefault(word, []).append(k)
        self._whole = {w: tuple(ks) for w, ks in whole.items()}
        self._partial = tuple((w, tuple(ks), False) for w, ks in partial.items())
        self._whole_words = _WholeWords(self._whole)

    def search(self, scan: ScanText) -> None:
        """Record every anchor's hits on ``scan`` (``scan.anchor_hits``). A text whose
        lower-cased form shifts offsets is left to each index's exact, slow search."""
        low = scan.lower
        if low is None:
            return
        best: list[dict[int, int]] = [{} for _ in self.indexes]
        wanted = chain(
            ((w, self._whole[w], True) for w in self._whole_words.worth_searching(scan)),
            self._partial,
        )
        for word, owners, whole in wanted:
            pos = low.find(word)
            while pos != -1:
                end = pos + len(word)
                if not whole or _whole_word(low, pos, end):
                    for k in owners:
                        if best[k].get(pos, -1) < end:
                            best[k][pos] = end
                pos = low.find(word, pos + 1)
        scan.anchor_hits = {
            index: sorted(b.items()) for index, b in zip(self.indexes, best, strict=True)
        }
