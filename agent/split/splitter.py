"""Heading-aware splitting into contiguous sections.

A section starts at a heading line (markdown ``#``, a numbered heading such as ``2.1 Terms``,
a short line in capitals, or a short line ending in ``:``) and runs until the next heading.
Sections longer than ``target_chars`` are cut at the last paragraph break, else sentence end,
else whitespace before the limit, so that a model window sees coherent text. A cut is never
made inside a token: with no whitespace before the limit, the section runs on to the next
whitespace (or to its end), so an identifier or a key is never split in two by the splitter.
"""

from __future__ import annotations

import re

from agent.domain import Section

DEFAULT_TARGET_CHARS = 2000
_MAX_HEADING_CHARS = 80

_MARKDOWN_HEADING = re.compile(r"#{1,6}\s+\S")
_NUMBERED_HEADING = re.compile(r"(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.|[A-Z]\.)\s+[A-Z][^.!?]*")
# "Item 3: Press release", "Article 12 - Termination", "Schedule 2", "Annex B: Prices"
_LABELLED_HEADING = re.compile(
    r"(?:Item|Section|Article|Clause|Part|Schedule|Annex|Appendix|Exhibit|Chapter|Agenda item)"
    r"\s+(?:\d+(?:\.\d+)*|[IVXLC]+|[A-Z])\b[.:)]?(?:\s*[-:\u2013]?\s*[A-Z][^.!?]*)?",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s+")


def _is_heading(line: str) -> bool:
    s = line.strip()
    if not s or len(s) > _MAX_HEADING_CHARS:
        return False
    if _MARKDOWN_HEADING.match(s):
        return True
    if _NUMBERED_HEADING.fullmatch(s) or _LABELLED_HEADING.fullmatch(s):
        return True
    letters = [c for c in s if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters) and not s.endswith((".", ",")):
        return True
    return s.endswith(":") and len(s.split()) <= 6 and s[0].isupper()


def _heading_starts(text: str) -> list[tuple[int, str]]:
    """Offsets of lines that open a section, with the heading text."""
    starts: list[tuple[int, str]] = []
    pos = 0
    prev_blank = True
    for line in text.splitlines(keepends=True):
        if prev_blank and _is_heading(line):
            starts.append((pos, line.strip().lstrip("#").strip()))
        prev_blank = not line.strip() or line.rstrip("\r\n").strip() == ""
        # a heading must follow a blank line or the start of the text, except markdown
        if line.lstrip().startswith("#"):
            prev_blank = True
        pos += len(line)
    return starts


_WHITESPACE = re.compile(r"\s")


def _cut_point(text: str, start: int, limit: int, end: int) -> int:
    """Where to end a chunk that starts at ``start`` and should end by ``start + limit``
    (never past ``end``, never inside a token)."""
    window = text[start : start + limit]
    for finder in (
        lambda w: w.rfind("\n\n"),
        lambda w: max((m.end() for m in _SENTENCE_END.finditer(w)), default=-1),
        lambda w: max(w.rfind(" "), w.rfind("\n")),
    ):
        at = finder(window)
        if at > limit // 4:
            return start + at + (2 if window[at : at + 2] == "\n\n" else 0)
    # No break after the first quarter: the nearest whitespace, before or after the limit.
    before = max((m.start() for m in _WHITESPACE.finditer(window)), default=-1)
    if before > 0:
        return start + before
    after = _WHITESPACE.search(text, start + limit, end)
    return after.start() if after else end


def split_document(text: str, target_chars: int = DEFAULT_TARGET_CHARS) -> list[Section]:
    """Contiguous sections covering ``text`` exactly; empty text gives no section."""
    if target_chars < 16:
        raise ValueError("target_chars must be at least 16")
    if not text:
        return []
    bounds: list[tuple[int, int, str]] = []
    starts = _heading_starts(text)
    if not starts or starts[0][0] != 0:
        starts.insert(0, (0, ""))
    for i, (begin, heading) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        bounds.append((begin, end, heading))

    sections: list[Section] = []
    for begin, end, heading in bounds:
        pos = begin
        while pos < end:
            stop = end if end - pos <= target_chars else _cut_point(text, pos, target_chars, end)
            sections.append(
                Section(
                    index=len(sections), heading=heading, start=pos, end=stop, text=text[pos:stop]
                )
            )
            pos = stop
    return sections
