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
from array import array
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Folded:
    """``text`` (folded) and, per folded character, the original ``[starts[i], ends[i])``."""

    original: str
    text: str
    starts: array[int]
    ends: array[int]
    #: for a view made by ``keep``: the index in the parent view of each character
    parent_index: array[int] | None = None

    @classmethod
    def of(cls, original: str) -> Folded:
        parts: list[str] = []
        starts: array[int] = array("q")
        ends: array[int] = array("q")
        pos = 0
        for m in _SPECIAL.finditer(original):
            if m.start() > pos:
                parts.append(original[pos : m.start()])
                starts.extend(range(pos, m.start()))
                ends.extend(range(pos + 1, m.start() + 1))
            if m.lastgroup == "wide":
                for i in range(m.start(), m.end()):
                    folded = fold_char(original[i])
                    if folded:
                        parts.append(folded)
                        starts.extend([i] * len(folded))
                        ends.extend([i + 1] * len(folded))
            else:
                decoded = _decode_escape(m)
                folded = "".join(c if c.isascii() else fold_char(c) for c in decoded)
                parts.append(folded)
                starts.extend([m.start()] * len(folded))
                ends.extend([m.end()] * len(folded))
            pos = m.end()
        if pos < len(original):
            parts.append(original[pos:])
            starts.extend(range(pos, len(original)))
            ends.extend(range(pos + 1, len(original) + 1))
        return cls(original, "".join(parts), starts, ends)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering folded characters ``start`` .. ``end - 1``."""
        return self.starts[start], self.ends[end - 1]

    def keep(self, pattern: re.Pattern[str], *, lower: bool = False) -> Folded:
        """A view of this one made of the matches of ``pattern`` only (e.g. only letters
        and digits), mapped to the same original text; ``lower`` lower-cases it."""
        parts: list[str] = []
        starts: array[int] = array("q")
        ends: array[int] = array("q")
        index: array[int] = array("q")
        for m in pattern.finditer(self.text):
            parts.append(m.group())
            starts.extend(self.starts[m.start() : m.end()])
            ends.extend(self.ends[m.start() : m.end()])
            index.extend(range(m.start(), m.end()))
        text = "".join(parts)
        if lower:
            text = _lower_same_length(text)
        return Folded(self.original, text, starts, ends, index)


def _lower_same_length(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # a few characters lower-case to two (U+0130); keep those as they are
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
