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

# An identifier broken across a line: alphanumerics either side of a newline, optionally
# with a hyphen before it. Leading spaces on the next line go too.
_LINE_BREAK = re.compile(
    r"(?<=[A-Za-z0-9])-?[ \t]*\r?\n[ \t]*(?=[A-Za-z0-9])"
    # "lara15@\njerez.es", "10.155\n.111.107": the break right after or before a @ or .
    r"|(?<=[A-Za-z0-9]@)[ \t]*\r?\n[ \t]*(?=[A-Za-z0-9])"
    r"|(?<=[A-Za-z0-9])[ \t]*\r?\n[ \t]*(?=[@.][A-Za-z0-9])"
)
_TOKEN_CHARS = re.compile(r"[^\s]*")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """``text`` plus, per character, the original ``[start, end)`` it came from.

    ``starts``/``ends`` are ``None`` when nothing changed (the common case, kept cheap).
    ``joins`` holds the normalised offsets where a line break was removed.
    """

    original: str
    text: str
    starts: Sequence[int] | None = None
    ends: Sequence[int] | None = None
    joins: tuple[int, ...] = ()

    @property
    def is_identity(self) -> bool:
        return self.starts is None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering normalised characters ``start`` .. ``end - 1``."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside the normalised text")
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def crosses_join(self, start: int, end: int) -> bool:
        """True when the normalised span contains a removed line break."""
        return any(start < j < end for j in self.joins)


def _apply_edits(
    text: str, edits: Sequence[tuple[int, int, str]]
) -> tuple[str, list[int], list[int]]:
    """Replace sorted, non-overlapping ``(start, end, replacement)`` ranges.

    Every output character maps to the original range it came from: kept characters to
    themselves, replacement characters to the whole replaced range.
    """
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for start, end, replacement in edits:
        if start > pos:
            pieces.append(text[pos:start])
            starts.extend(range(pos, start))
            ends.extend(range(pos + 1, start + 1))
        pieces.append(replacement)
        starts.extend([start] * len(replacement))
        ends.extend([end] * len(replacement))
        pos = end
    if pos < len(text):
        pieces.append(text[pos:])
        starts.extend(range(pos, len(text)))
        ends.extend(range(pos + 1, len(text) + 1))
    return "".join(pieces), starts, ends


def _compose(
    view: NormalizedText, text: str, starts: list[int], ends: list[int], joins: tuple[int, ...]
) -> NormalizedText:
    """A view of ``view.original`` whose map goes through ``view``'s own map."""
    if view.starts is not None and view.ends is not None:
        outer_starts, outer_ends = view.starts, view.ends
        starts = [outer_starts[s] for s in starts]
        ends = [outer_ends[e - 1] for e in ends]
    return NormalizedText(view.original, text, starts, ends, joins)


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
        new_text, starts, ends = _apply_edits(text, _char_edits(text))
        view = NormalizedText(text, new_text, starts, ends)
    if _TOKEN_TRIGGER.search(view.text) or _PLAIN_TRIGGER.search(view.text):
        edits = _at_dot_edits(view.text)
        if edits:
            new_text, starts, ends = _apply_edits(view.text, edits)
            view = _compose(view, new_text, starts, ends, ())
    return view


def _token_looks_like_identifier(text: str, start: int, end: int) -> bool:
    """Whether the token glued by removing ``text[start:end]`` could be an identifier.

    Wrapped prose (``well-\\nknown``, ``the\\nquick``) is not worth a second scan; tokens
    with a digit, an ``@``, an underscore or a long run of characters are.
    """
    left = start
    while left > 0 and not text[left - 1].isspace():
        left -= 1
    right_match = _TOKEN_CHARS.match(text, end)
    right = right_match.end() if right_match else end
    token = text[left:start] + text[end:right]
    if any(c.isdigit() or c in "@_" for c in token):
        return True
    return len(token) >= 20


def join_lines(view: NormalizedText) -> NormalizedText | None:
    """``view`` with identifier-breaking line breaks removed, or ``None`` if there are none."""
    edits: list[tuple[int, int, str]] = []
    for m in _LINE_BREAK.finditer(view.text):
        if _token_looks_like_identifier(view.text, m.start(), m.end()):
            edits.append((m.start(), m.end(), ""))
    if not edits:
        return None
    new_text, starts, ends = _apply_edits(view.text, edits)
    joins: list[int] = []
    removed = 0
    for start, end, _ in edits:
        joins.append(start - removed)
        removed += end - start
    return _compose(view, new_text, starts, ends, tuple(joins))
