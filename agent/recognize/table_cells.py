"""Tables pasted as text (CSV, semicolon, tab or pipe separated): each cell's column header.

Why: in a CSV export the context of ``1950-08-08`` is the header ``birth_date`` three
lines up, not the words just before it (which are other cells). ``table_cells(text)``
finds header + row blocks and returns every row cell with its normalised header, which
recognizers use as the cell's context and to know where context-bound values can be.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

ALIGNED = "  "  # columns aligned with runs of spaces
_DELIMITERS = (",", ";", "\t", "|", ALIGNED)
_ALIGNED_GAP = re.compile(r"[ \t]{2,}|\t")
_ADDRESS_HEADER = re.compile(
    r"address|adresse|anschrift|dirección|direccion|indirizzo|adres|street|residence|domicil"
)
_MAX_MISALIGNED = 2
_NAME_HEADER = re.compile(r"name|employee|patient|customer|client|holder|user|applicant|speaker")
# one to three capitalised words or initials: "Smith", "Kerry", "C.", "Mary-Ann O'Brien"
_LETTERS_ONLY = re.compile(
    r"(?:[A-ZÀ-ÖØ-Þ](?:[^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*|\.))"
    r"(?:[ ]+[A-ZÀ-ÖØ-Þ](?:[^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*|\.)){0,2}"
)
_MAX_HEADER_CHARS = 40
_MAX_HEADER_WORDS = 5
_MAX_ROW_LINES = 3
_LABEL = re.compile(r"[^\W\d][\w .#/()°'’\-]*", re.UNICODE)
_MARKDOWN_RULE = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*")
# an unquoted "May 17, 1958" split by a comma: the year goes back into its date
_YEAR_FIELD = re.compile(r"\s*(?:1[89]|20)\d\d\s*")
_ENDS_WITH_DAY = re.compile(r".*[A-Za-z]\.?\s+\d{1,2}(?:st|nd|rd|th)?\s*")


@dataclass(frozen=True, slots=True)
class Cell:
    """A row cell ``[start, end)`` (quotes and padding excluded) and its column header,
    lower-cased with ``_``/``-`` as spaces (``birth_date`` -> ``birth date``)."""

    start: int
    end: int
    header: str


def _split(line: str, offset: int, delimiter: str, *, tight: bool = False) -> list[tuple[int, int]]:
    """Field spans of one line, double quotes respected, padding and quotes stripped.

    ``tight``: the header separates fields with a bare ``,``, so a ``, `` in a row is
    inside a value ("Morgan, Stephen", "85, avenue Foch", "May 17, 1958"). A ``", "``
    delimiter is the opposite case: a bare comma is inside a value ("CHF 9,661,521").
    """
    spans: list[tuple[int, int]] = []
    if delimiter == ALIGNED:
        pos = 0
        for gap in _ALIGNED_GAP.finditer(line.rstrip()):
            spans.append((pos, gap.start()))
            pos = gap.end()
        spans.append((pos, len(line)))
        return _trim(line, offset, delimiter, spans)
    if '"' not in line and not tight:
        # the common case, at C speed: no quotes to respect
        pos = 0
        for field in line.split(delimiter):
            spans.append((pos, pos + len(field)))
            pos += len(field) + len(delimiter)
        return _trim(line, offset, delimiter, spans)
    start, quoted = 0, False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter[0] and not quoted and line.startswith(delimiter, i):
            if tight and line[i + 1 : i + 2] == " ":
                continue
            spans.append((start, i))
            start = i + len(delimiter)
    spans.append((start, len(line)))
    return _trim(line, offset, delimiter, spans)


def _trim(
    line: str, offset: int, delimiter: str, spans: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in spans:
        while lo < hi and line[lo] in ' \t"\r':
            lo += 1
        while hi > lo and line[hi - 1] in ' \t"\r':
            hi -= 1
        out.append((offset + lo, offset + hi))
    if delimiter == "|" and len(out) >= 2:
        # markdown tables: "| a | b |" has empty fields before the first and after the last
        if out[0][0] == out[0][1]:
            out = out[1:]
        if out and out[-1][0] == out[-1][1]:
            out = out[:-1]
    return out


def _merge_split_dates(text: str, fields: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in fields:
        if (
            merged
            and _YEAR_FIELD.fullmatch(text[lo:hi])
            and _ENDS_WITH_DAY.fullmatch(text[merged[-1][0] : merged[-1][1]])
        ):
            merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def _absorb_extra_fields(
    text: str, fields: list[tuple[int, int]], labels: Sequence[str]
) -> list[tuple[int, int]]:
    """A row with more fields than the header, because values hold the delimiter:
    a name column takes "Smith, Kerry"; an address column takes the rest
    ("7, rue de Bernier - 64702 Saint Thibault")."""
    extra = len(fields) - len(labels)
    name_col = next((i for i, h in enumerate(labels) if _NAME_HEADER.search(h)), None)
    if name_col is not None and name_col + 1 < len(fields):
        (a_lo, a_hi), (b_lo, b_hi) = fields[name_col], fields[name_col + 1]
        if _LETTERS_ONLY.fullmatch(text[a_lo:a_hi]) and _LETTERS_ONLY.fullmatch(text[b_lo:b_hi]):
            fields = [*fields[:name_col], (a_lo, b_hi), *fields[name_col + 2 :]]
            extra -= 1
    address_col = next((i for i, h in enumerate(labels) if _ADDRESS_HEADER.search(h)), None)
    if extra > 0 and address_col is not None:
        lo, hi = fields[address_col][0], fields[address_col + extra][1]
        fields = [*fields[:address_col], (lo, hi), *fields[address_col + extra + 1 :]]
    return fields


# labels of "Label<TAB>value" forms: a two-column block whose first column is mostly
# these is a form (each row its own label), not a table under its first row
_FORM_LABELS = frozenset({
    "name", "full name", "date of birth", "dob", "birth date", "address", "phone",
    "telephone", "tel", "mobile", "email", "e-mail", "mrn", "nhs number", "nhs no",
    "reference", "ref", "ssn", "bank", "iban", "passport", "id document", "city",
    "employer", "nationality", "gender", "sex", "occupation", "account", "card",
    "card number", "patient", "policy", "policy number", "nino", "national insurance",
    "geburtsdatum", "adresse", "telefon", "date de naissance", "fecha de nacimiento",
    "data di nascita", "geboortedatum", "naam", "nom", "nombre", "nome",
})  # fmt: skip


def _is_vertical_form(text: str, cells: Sequence[Cell], columns: int) -> bool:
    if columns != 2:
        return False
    firsts = [text[c.start : c.end] for i, c in enumerate(cells) if i % 2 == 0]
    known = sum(" ".join(f.lower().replace("_", " ").split()) in _FORM_LABELS for f in firsts)
    return known * 2 >= len(firsts)


def _header(text: str, fields: Sequence[tuple[int, int]]) -> list[str] | None:
    labels: list[str] = []
    for lo, hi in fields:
        label = text[lo:hi]
        if not 0 < len(label) <= _MAX_HEADER_CHARS or not _LABEL.fullmatch(label):
            return None
        words = label.lower().replace("_", " ").replace("-", " ").split()
        if len(words) > _MAX_HEADER_WORDS:
            return None
        labels.append(" ".join(words))
    return labels


def _lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def table_cells(text: str) -> list[Cell]:
    """Every row cell of every table in ``text``, sorted by position."""
    if "\n" not in text:
        return []
    lines = _lines(text)
    cells: list[Cell] = []
    i = 0
    while i < len(lines) - 1:
        block = _table_at(text, lines, i)
        if block is None:
            i += 1
            continue
        found, i = block
        cells.extend(found)
    return cells


def _table_at(text: str, lines: list[tuple[int, str]], i: int) -> tuple[list[Cell], int] | None:
    """The table whose header is line ``i``: its cells and the first line after it."""
    offset, line = lines[i]
    for delimiter in _DELIMITERS:
        if delimiter not in line:
            continue
        if len(line) > (line.count(delimiter) + 1) * (_MAX_HEADER_CHARS + 3):
            continue  # too long for a header of short labels
        header_fields = _split(line, offset, delimiter)
        if len(header_fields) < 2:
            continue
        labels = _header(text, header_fields)
        if labels is None:
            continue
        tight = delimiter == "," and ", " not in line
        # a header written "Name, DOB, MRN" separates rows with ", " too: a bare comma in a
        # row is inside a value ("CHF 9,661,521")
        loose = delimiter == "," and not tight and line.count(",") == line.count(", ")
        cells: list[Cell] = []
        misaligned = 0
        j = i + 1
        while j < len(lines):
            row_offset, row = lines[j]
            if delimiter == "|" and _MARKDOWN_RULE.fullmatch(row):
                j += 1
                continue
            if delimiter not in row:
                # a value wrapped onto a line of its own ("B010-" / "368H"): skip it if
                # the table goes on after it
                if j + 1 < len(lines) and delimiter in lines[j + 1][1] and row.strip():
                    j += 1
                    continue
                break
            # a quoted value may hold a line break: the row goes on on the next line
            extra = 0
            while row.count('"') % 2 and j + extra + 1 < len(lines) and extra < _MAX_ROW_LINES:
                extra += 1
                row = row + "\n" + lines[j + extra][1]
            fields = _split(row, row_offset, ", " if loose else delimiter, tight=tight)
            if delimiter == "," and len(fields) > len(labels):
                fields = _merge_split_dates(text, fields)
            if len(fields) > len(labels):
                fields = _absorb_extra_fields(text, fields, labels)
            if len(fields) != len(labels):
                misaligned += 1
                if misaligned > _MAX_MISALIGNED or _header(text, fields) is not None:
                    break  # (a line of labels: the next table's header)
                j += 1 + extra
                continue
            cells.extend(
                Cell(lo, hi, h) for (lo, hi), h in zip(fields, labels, strict=True) if hi > lo
            )
            j += 1 + extra
        if cells and not _is_vertical_form(text, cells, len(labels)):
            return cells, j
    return None


class CellIndex:
    """Which table cell (if any) contains a span."""

    def __init__(self, cells: Sequence[Cell]) -> None:
        self.cells = tuple(cells)
        self._starts = [c.start for c in self.cells]

    def containing(self, start: int, end: int) -> Cell | None:
        i = bisect_right(self._starts, start) - 1
        if i >= 0 and self.cells[i].start <= start and end <= self.cells[i].end:
            return self.cells[i]
        return None
