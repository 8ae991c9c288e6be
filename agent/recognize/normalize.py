"""A normalised view of a text, with a map from every normalised character back to the
original, so that obfuscated identifiers are found and still reported at their real place.

Why: people (and leaked documents) hide identifiers from naive scanners - ``jane [at]
example [dot] com``, zero-width characters inside an IBAN, full-width digits in a card
number, an account number broken across a line. Recognizers run on the normalised view;
``NormalizedText.to_original`` turns a normalised span into the original span that covers
the first to the last source character.

Two views exist:

- ``normalize(text)``: drops zero-width characters and soft hyphens, folds the full-width
  ASCII block (U+FF01..U+FF5E, which is what NFKC does to it) and rewrites ``[at]``,
  ``(at)``, ``[dot]``, ``(dot)`` (and `` at `` before a ``[dot]`` domain) to ``@``/``.``;
  the all-words form ``jane at example dot com`` only when it ends in a known top-level
  domain (``dot com``, ``dot de``), so that prose stays prose.
- ``join_lines(view)``: additionally joins identifiers broken across a line
  (``DE89 3704 0044 05\\n32 0130 00``, ``jane.doe@exam-\\nple.com``). Joining every wrapped
  line of prose would glue words together, so the engine only keeps spans from this view
  that cross a join (see ``NormalizedText.joins``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_FULLWIDTH_FIRST, _FULLWIDTH_LAST = 0xFF01, 0xFF5E
_FULLWIDTH_OFFSET = 0xFEE0

_CHAR_TRIGGER = re.compile(f"[{_ZERO_WIDTH}\uff01-\uff5e]")
_CHAR_TABLE: dict[int, str | None] = {ord(c): None for c in _ZERO_WIDTH} | {
    cp: chr(cp - _FULLWIDTH_OFFSET) for cp in range(_FULLWIDTH_FIRST, _FULLWIDTH_LAST + 1)
}

_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
_BRACKETED_AT = rf"[ \t]*{_OPEN}[ \t]*(?:at|@)[ \t]*{_CLOSE}[ \t]*"
_BRACKETED_DOT = rf"[ \t]*{_OPEN}[ \t]*(?:dot|\.)[ \t]*{_CLOSE}[ \t]*"
_TOKEN_TRIGGER = re.compile(rf"{_OPEN}[ \t]*(?:at|dot|@|\.)[ \t]*{_CLOSE}", re.IGNORECASE)
_AT_DOT = re.compile(
    rf"(?P<at>{_BRACKETED_AT})|(?P<dot>{_BRACKETED_DOT})"
    # a plain " at " only between a name-like token and a domain written with [dot]
    rf"|(?<=[A-Za-z0-9._%+\-])(?P<plain_at>[ \t]+at[ \t]+)"
    rf"(?=[A-Za-z0-9\-]+(?:{_BRACKETED_DOT}[A-Za-z0-9\-]+)+)",
    re.IGNORECASE,
)

# "s_hubel at knappe dot de": plain words, so only before a known top-level domain
_TLDS = (
    "com|org|net|edu|gov|int|io|co|uk|de|fr|nl|es|it|eu|info|biz|be|ch|at|se|no|dk|fi|pl"
    "|pt|ie|us|ca|au|lu|me|mil"
)
_PLAIN_TRIGGER = re.compile(r"[ \t](?:dot|DOT|Dot)[ \t]")
_PLAIN_EMAIL = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9._%+\-]+(?P<at>[ \t]+(?:at|AT|At)[ \t]+)[A-Za-z0-9\-]+"
    rf"(?:[ \t]+(?:dot|DOT|Dot)[ \t]+[A-Za-z0-9\-]+)*[ \t]+(?:dot|DOT|Dot)[ \t]+"
    rf"(?i:{_TLDS})(?![\w\-])"
)
_PLAIN_DOT = re.compile(r"[ \t]+(?:dot|DOT|Dot)[ \t]+")

# An identifier broken across a line: alphanumerics either side of a newline (with an
# optional hyphen before it), or "lara15@\njerez.es", "10.155\n.111.107". Found from
# each newline outwards: a regex starting with a look-behind would try every position.
_H_SPACE = " \t"
_KEY_LINE = re.compile(r"[\w.\-]+[ \t]*(?:=|:(?!//))")


def _is_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _line_break_edit(text: str, newline: int) -> tuple[int, int] | None:
    """The range to delete so that the line break at ``newline`` joins two tokens."""
    left = newline
    if left > 0 and text[left - 1] == "\r":
        left -= 1
    while left > 0 and text[left - 1] in _H_SPACE:
        left -= 1
    right = newline + 1
    while right < len(text) and text[right] in _H_SPACE:
        right += 1
    if left == 0 or right >= len(text) or _KEY_LINE.match(text, right):
        return None  # (the next line starts a "key: value" of its own)
    before, after = text[left - 1], text[right]
    if _is_alnum(after):
        if _is_alnum(before):
            return left, right
        if before == "-" and left > 1 and _is_alnum(text[left - 2]):
            return left - 1, right  # a hyphenated break: the hyphen goes too
        if before == "@" and left > 1 and _is_alnum(text[left - 2]):
            return left, right
        if before == "." and left > 1 and text[left - 2].isdigit() and after.isdigit():
            return left, right  # "192.168.\n105.238"
        return None
    if after in "@." and _is_alnum(before) and right + 1 < len(text) and _is_alnum(text[right + 1]):
        return left, right
    return None


#: characters of one token for the join test: not a space, not a field separator (a CSV
#: row is one run of non-spaces; its last field, not the whole row, meets the next line)
_TOKEN_CHARS = re.compile(r"[^\s,;|]*")
_FIELD_SEPARATORS = ",;|"


@dataclass(frozen=True, slots=True)
class _Pieces:
    """How one pass turned its input into its output, as runs: output run ``k`` starts at
    ``out[k]`` and comes from input ``[lo[k], hi[k])``; a kept run maps character by
    character, a replacement maps every character to the whole replaced range."""

    out: tuple[int, ...]
    lo: tuple[int, ...]
    hi: tuple[int, ...]
    kept: tuple[bool, ...]

    def char(self, i: int) -> tuple[int, int]:
        k = bisect_right(self.out, i) - 1
        if self.kept[k]:
            pos = self.lo[k] + i - self.out[k]
            return pos, pos + 1
        return self.lo[k], self.hi[k]


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """``text`` plus the map of each of its characters to the original ``[start, end)``.

    A view made from another view (``parent``) maps through it. Nothing is stored per
    character: the map is a list of runs, searched per span (a span costs a bisection,
    a text costs nothing until a span is mapped). ``joins`` holds the normalised offsets
    where a line break was removed.
    """

    original: str
    text: str
    parent: NormalizedText | None = None
    pieces: _Pieces | None = None
    joins: tuple[int, ...] = ()

    @property
    def is_identity(self) -> bool:
        return self.pieces is None and (self.parent is None or self.parent.is_identity)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering normalised characters ``start`` .. ``end - 1``."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside the normalised text")
        if self.pieces is not None:
            start, end = self.pieces.char(start)[0], self.pieces.char(end - 1)[1]
        if self.parent is not None:
            return self.parent.to_original(start, end)
        return start, end

    @property
    def starts(self) -> list[int]:
        """Original start of every character (for inspection and tests; O(n))."""
        return [self.to_original(i, i + 1)[0] for i in range(len(self.text))]

    @property
    def ends(self) -> list[int]:
        """Original end of every character (for inspection and tests; O(n))."""
        return [self.to_original(i, i + 1)[1] for i in range(len(self.text))]

    def crosses_join(self, start: int, end: int) -> bool:
        """True when the normalised span contains a removed line break."""
        i = bisect_right(self.joins, start)
        return i < len(self.joins) and self.joins[i] < end


def _apply_edits(text: str, edits: Sequence[tuple[int, int, str]]) -> tuple[str, _Pieces]:
    """Replace sorted, non-overlapping ``(start, end, replacement)`` ranges."""
    parts: list[str] = []
    out: list[int] = []
    lo: list[int] = []
    hi: list[int] = []
    kept: list[bool] = []
    pos = length = 0

    def run(start: int, end: int, piece: str, is_kept: bool) -> None:
        nonlocal length
        if piece:
            out.append(length)
            lo.append(start)
            hi.append(end)
            kept.append(is_kept)
            parts.append(piece)
            length += len(piece)

    for start, end, replacement in edits:
        run(pos, start, text[pos:start], True)
        run(start, end, replacement, False)
        pos = end
    run(pos, len(text), text[pos:], True)
    return "".join(parts), _Pieces(tuple(out), tuple(lo), tuple(hi), tuple(kept))


def _char_edits(text: str) -> list[tuple[int, int, str]]:
    edits: list[tuple[int, int, str]] = []
    for m in _CHAR_TRIGGER.finditer(text):
        replacement = _CHAR_TABLE[ord(m.group())]
        edits.append((m.start(), m.end(), replacement or ""))
    return edits


def _at_dot_edits(text: str) -> list[tuple[int, int, str]]:
    edits: list[tuple[int, int, str]] = []
    for m in _AT_DOT.finditer(text):
        edits.append((m.start(), m.end(), "." if m.lastgroup == "dot" else "@"))
    if _PLAIN_TRIGGER.search(text):
        for m in _PLAIN_EMAIL.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in edits):
                continue  # already a bracketed form
            edits.append((m.start("at"), m.end("at"), "@"))
            for d in _PLAIN_DOT.finditer(text, m.end("at"), m.end()):
                edits.append((d.start(), d.end(), "."))
        edits.sort()
    return edits


def normalize(text: str) -> NormalizedText:
    """The character-level and ``[at]``/``[dot]`` view of ``text`` (see module doc)."""
    view = NormalizedText(text, text)
    if _CHAR_TRIGGER.search(text):
        new_text, pieces = _apply_edits(text, _char_edits(text))
        view = NormalizedText(text, new_text, None, pieces)
    if _TOKEN_TRIGGER.search(view.text) or _PLAIN_TRIGGER.search(view.text):
        edits = _at_dot_edits(view.text)
        if edits:
            new_text, pieces = _apply_edits(view.text, edits)
            view = NormalizedText(text, new_text, _parent(view), pieces)
    return view


def _parent(view: NormalizedText) -> NormalizedText | None:
    return None if view.is_identity else view


def _token_looks_like_identifier(text: str, start: int, end: int) -> bool:
    """Whether the token glued by removing ``text[start:end]`` could be an identifier.

    Wrapped prose (``well-\\nknown``, ``the\\nquick``) is not worth a second scan; tokens
    with a digit (``1234\\n5698``, ``Admi\\nn169``), an ``@`` or ``_``, or a long run of
    characters (a token) are. A token ends at a space or a field separator: in a table
    pasted as CSV, ``...,4517315473752848,Corneno\\nO. Emo,...`` meets at two names.
    """
    left = start
    while left > 0 and not text[left - 1].isspace() and text[left - 1] not in _FIELD_SEPARATORS:
        left -= 1
    right_match = _TOKEN_CHARS.match(text, end)
    right = right_match.end() if right_match else end
    before, after = text[left:start], text[end:right]
    if any(c.isdigit() for c in before + after):
        return True
    if any(c in "@_" for c in before + after):
        return True
    return len(before) + len(after) >= 20


def join_lines(view: NormalizedText) -> NormalizedText | None:
    """``view`` with identifier-breaking line breaks removed, or ``None`` if there are none."""
    text = view.text
    edits: list[tuple[int, int, str]] = []
    newline = text.find("\n")
    while newline != -1:
        span = _line_break_edit(text, newline)
        if span is not None and _token_looks_like_identifier(text, *span):
            edits.append((span[0], span[1], ""))
        newline = text.find("\n", newline + 1)
    if not edits:
        return None
    new_text, pieces = _apply_edits(view.text, edits)
    joins: list[int] = []
    removed = 0
    for start, end, _ in edits:
        joins.append(start - removed)
        removed += end - start
    return NormalizedText(view.original, new_text, _parent(view), pieces, tuple(joins))
