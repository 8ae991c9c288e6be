"""A folded view of a text, with a map from every folded character back to the original.

The egress re-check looks at text the way a reader (or a model) would read it, not the
way it is encoded, so one view undoes the cheap disguises before any rule runs:

- escapes are decoded: JSON ``\\u00e9`` (surrogate pairs too), ``\\x41``, ``\\/``; URL
  ``%40`` (runs decoded as UTF-8); HTML ``&#64;``, ``&#x40;``, ``&amp;``, ``&commat;``.
  One level: ``%2540`` becomes ``%40``, not ``@``;
- invisible characters go: every format character (Unicode category Cf: zero-width
  space/joiners, word joiner, BOM, soft hyphen, bidi controls), variation selectors and
  the combining grapheme joiner;
- compatibility forms fold (NFKD): full-width ``４`` -> ``4``, ``ﬁ`` -> ``fi``,
  no-break and other spaces -> `` ``; combining marks go (``é`` -> ``e``);
- digits of every script become ASCII digits (``٤`` -> ``4``), dash variants become
  ``-``, line/paragraph separators become ``\\n``;
- look-alike letters of other scripts fold to the Latin letter they imitate
  (``Cyrillic а`` -> ``a``), from the table in ``confusables.py``.

Case is kept (``lower=True`` for a case-folded view). Each folded character maps to
the original ``[start, end)`` it came from (an escape maps every character it decodes to
to the whole escape), so findings are reported at the original offsets.

Building the view is linear: ASCII text without escapes is copied in slices; only
non-ASCII characters and escapes are handled one by one (with a cache per character).
"""

from __future__ import annotations

import html.entities
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from agent.egress.confusables import CONFUSABLES

_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_INVISIBLE = frozenset("\u034f\u180e\u115f\u1160\u3164\uffa0")
_LINE_BREAKS = frozenset("\u2028\u2029\u0085")

# escapes, then runs of non-ASCII characters (everything else is copied as a slice)
_SPECIAL = re.compile(
    r"\\u(?P<u>[0-9a-fA-F]{4})(?:\\u(?P<low>[dD][c-fC-F][0-9a-fA-F]{2}))?"
    r"|\\x(?P<x>[0-9a-fA-F]{2})"
    r"|\\(?P<plain>[/\"\\])"
    r"|(?P<pct>(?:%[0-9a-fA-F]{2})+)"
    r"|&(?P<ent>#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
    r"|(?P<wide>[^\x00-\x7f]+)"
)
_NAMED_ENTITIES = html.entities.html5

_FOLD_CACHE: dict[str, str] = {}


def fold_char(c: str) -> str:
    """The folded form of one non-ASCII character (case kept; may be empty or longer)."""
    cached = _FOLD_CACHE.get(c)
    if cached is not None:
        return cached
    out = "".join(_fold_simple(d) for d in unicodedata.normalize("NFKD", c))
    if len(_FOLD_CACHE) < 200_000:
        _FOLD_CACHE[c] = out
    return out


def _fold_simple(c: str) -> str:
    if c.isascii():
        return c
    mapped = CONFUSABLES.get(c)
    if mapped is not None:
        return mapped
    if c in _DASHES:
        return "-"
    if c in _LINE_BREAKS:
        return "\n"
    if c in _INVISIBLE or "\ufe00" <= c <= "\ufe0f" or "\U000e0100" <= c <= "\U000e01ef":
        return ""
    category = unicodedata.category(c)
    if category == "Cf" or unicodedata.combining(c):
        return ""
    if category == "Nd":
        return str(unicodedata.digit(c))
    if category == "Zs":
        return " "
    return c


def _decode_escape(m: re.Match[str]) -> str:
    if m.group("u") is not None:
        high = int(m.group("u"), 16)
        low = m.group("low")
        if low is not None and 0xD800 <= high <= 0xDBFF:
            return chr(0x10000 + ((high - 0xD800) << 10) + (int(low, 16) - 0xDC00))
        if 0xD800 <= high <= 0xDFFF:
            return m.group()  # a lone surrogate is not text: keep the escape as written
        return chr(high) + (chr(int(low, 16)) if low is not None else "")
    if m.group("x") is not None:
        return chr(int(m.group("x"), 16))
    if m.group("plain") is not None:
        return m.group("plain")
    if m.group("pct") is not None:
        raw = bytes(int(h, 16) for h in m.group("pct").split("%")[1:])
        return raw.decode("utf-8", errors="replace")
    name = m.group("ent")
    assert name is not None  # (the last alternative of _SPECIAL but "wide")
    if name.startswith(("#x", "#X")):
        code = int(name[2:], 16)
    elif name.startswith("#"):
        code = int(name[1:])
    else:
        return _NAMED_ENTITIES.get(name + ";", m.group())
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group()


Offsets = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Folded:
    """``text`` (folded) and, per folded character, the original ``[starts[i], ends[i])``."""

    original: str
    text: str
    starts: Offsets
    ends: Offsets
    #: for a view made by ``keep``: the index in the parent view of each character
    parent_index: Offsets | None = None

    @staticmethod
    def fold_text(original: str) -> str:
        """``Folded.of(original).text`` without the offset map (for short values)."""
        parts: list[str] = []
        pos = 0
        for m in _SPECIAL.finditer(original):
            parts.append(original[pos : m.start()])
            if m.lastgroup == "wide":
                parts += [fold_char(c) for c in m.group()]
            else:
                parts += [c if c.isascii() else fold_char(c) for c in _decode_escape(m)]
            pos = m.end()
        parts.append(original[pos:])
        return "".join(parts)

    @classmethod
    def of(cls, original: str) -> Folded:
        parts: list[str] = []
        # segments of the folded text: length, original [start, end), copied as is?
        lengths: list[int] = []
        src_starts: list[int] = []
        src_ends: list[int] = []
        kept: list[bool] = []

        def segment(piece: str, start: int, end: int, is_kept: bool) -> None:
            if piece:
                parts.append(piece)
                lengths.append(len(piece))
                src_starts.append(start)
                src_ends.append(end)
                kept.append(is_kept)

        pos = 0
        for m in _SPECIAL.finditer(original):
            segment(original[pos : m.start()], pos, m.start(), True)
            if m.lastgroup == "wide":
                for i in range(m.start(), m.end()):
                    segment(fold_char(original[i]), i, i + 1, False)
            else:
                decoded = _decode_escape(m)
                folded = "".join(c if c.isascii() else fold_char(c) for c in decoded)
                segment(folded, m.start(), m.end(), False)
            pos = m.end()
        if pos == 0:  # nothing to fold: the identity map
            starts = np.arange(len(original), dtype=np.int64)
            return cls(original, original, starts, starts + 1)
        segment(original[pos:], pos, len(original), True)
        starts, ends = _expand(lengths, src_starts, src_ends, kept)
        return cls(original, "".join(parts), starts, ends)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering folded characters ``start`` .. ``end - 1``."""
        return int(self.starts[start]), int(self.ends[end - 1])

    def keep(self, pattern: re.Pattern[str], *, lower: bool = False) -> Folded:
        """A view of this one made of the matches of ``pattern`` only, mapped to the same
        original text; ``lower`` lower-cases it. ``pattern`` must be one character class
        repeated (``[^\\W_]+``, ``\\S+``): each character is kept or dropped by a table
        (one vectorised step; each distinct non-ASCII character is tested once)."""
        codes = np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        mask = np.zeros(len(codes), dtype=bool)
        narrow = codes < 128
        mask[narrow] = _ascii_table(pattern)[codes[narrow]]
        wide = np.flatnonzero(~narrow)
        if len(wide):
            distinct, where = np.unique(codes[wide], return_inverse=True)
            keeps = np.array([bool(pattern.fullmatch(chr(c))) for c in distinct.tolist()])
            mask[wide] = keeps[where]
        index = np.flatnonzero(mask)
        text = codes[index].tobytes().decode("utf-32-le", "surrogatepass")
        if lower:
            text = lower_same_length(text)
        return Folded(self.original, text, self.starts[index], self.ends[index], index)


_TABLES: dict[re.Pattern[str], npt.NDArray[np.bool_]] = {}


def _ascii_table(pattern: re.Pattern[str]) -> npt.NDArray[np.bool_]:
    table = _TABLES.get(pattern)
    if table is None:
        table = np.array([bool(pattern.fullmatch(chr(c))) for c in range(128)], dtype=bool)
        _TABLES[pattern] = table
    return table


def _expand(
    lengths: list[int], src_starts: list[int], src_ends: list[int], kept: list[bool]
) -> tuple[Offsets, Offsets]:
    """Per folded character, its original [start, end): a kept segment maps character by
    character, any other maps every character to its whole original range."""
    n = np.asarray(lengths, dtype=np.int64)
    total = int(n.sum())
    if not total:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    segment = np.repeat(np.arange(len(n)), n)
    within = np.arange(total, dtype=np.int64) - (np.cumsum(n) - n)[segment]
    is_kept = np.asarray(kept, dtype=bool)[segment]
    starts = np.asarray(src_starts, dtype=np.int64)[segment] + np.where(is_kept, within, 0)
    ends = np.where(is_kept, starts + 1, np.asarray(src_ends, dtype=np.int64)[segment])
    return starts, ends


def lower_same_length(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # a few characters lower-case to two (U+0130); keep those as they are
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
