"""The egress re-check: an independent look at the exact bytes about to leave.

``EgressChecker().check(payload, forbidden, known, issued_placeholders=...)`` decodes the
serialized request (UTF-8, ``errors="replace"``; protobuf string fields are plain UTF-8)
and looks at it twice:

1. ``IndependentScanner`` (no code shared with detection) must not find any entity type
   in ``forbidden``;
2. ``KnownValues`` - every value detected anywhere in the document - must not appear in
   any of its normalised forms.

Both run over the whole decoded payload, and again over its string fields joined end to
end (each stripped of surrounding whitespace, agent metadata left out), so that a value
cut in two across sections, or between a heading and its text, is found too; a hit
from the joined view counts only if it crosses from one field into another (the first
pass sees everything else).

Exempt, and only these: a hit lying wholly inside an occurrence of one of the
``issued_placeholders`` (exact strings the agent minted for this request, e.g.
``<PERSON_1>``), or inside a protobuf string field whose whole content equals one of the
``safe_strings`` (tenant, destination names, providers, regions, category names the agent
writes from its configuration). Text shaped like a placeholder that the agent did not
issue is checked like any other text.

Any hit is an ``EgressViolation`` naming its kind, the entity type, the rule and the
offset in the decoded payload - never the value. Any failure of the checker itself is a
``checker_failure`` violation: a failed check is never clean.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

import ahocorasick

from agent.domain import EntityType
from agent.egress.base import Finding
from agent.egress.fold import Folded
from agent.egress.scanner import IndependentScanner
from agent.egress.values import MIN_CHARS, KnownValues

MIN_ORIGINAL_CHARS = MIN_CHARS
MAX_VIOLATIONS = 100
_MAX_DEPTH = 8


class ViolationKind(StrEnum):
    FORBIDDEN_ENTITY = "forbidden_entity"
    ORIGINAL_VALUE = "original_value"
    CHECKER_FAILURE = "checker_failure"


@dataclass(frozen=True, slots=True)
class EgressViolation:
    """One reason not to send. ``offset`` is a code point offset into the decoded
    payload (-1 for a checker failure); ``detail`` names the rule (``luhn``,
    ``original #3 (known:compact)``) or the failure, never the value."""

    kind: ViolationKind
    offset: int
    entity_type: EntityType | None = None
    detail: str = ""

    def __str__(self) -> str:
        what = self.entity_type.value if self.entity_type else self.detail
        return f"{self.kind.value} {what} at offset {self.offset}"


class EgressChecker:
    """Re-check outbound bytes with the independent scanner and the known values."""

    def __init__(
        self,
        *,
        scanner: IndependentScanner | None = None,
        min_original_chars: int = MIN_ORIGINAL_CHARS,
    ) -> None:
        self._scanner = scanner if scanner is not None else IndependentScanner()
        self._min_chars = min_original_chars

    def known_values(self, values: Sequence[tuple[EntityType | None, str]]) -> KnownValues:
        """The ``known`` argument of ``check``, built once per request."""
        return KnownValues.build(values, min_chars=self._min_chars)

    def check(
        self,
        payload: bytes,
        forbidden: Collection[EntityType],
        known: KnownValues | Sequence[str] = (),
        *,
        issued_placeholders: Collection[str] = (),
        safe_strings: Collection[str] = (),
    ) -> list[EgressViolation]:
        """Every violation in ``payload``; empty means it may be sent.

        ``known``: a ``KnownValues`` (build it once per request with ``known_values``),
        or plain strings (values without a type: no name-order forms).
        ``issued_placeholders``: the exact placeholder strings the agent minted for this
        request; nothing else is exempt. ``safe_strings``: values the agent writes from
        its configuration; only a protobuf string field equal to one is exempt, the same
        word inside a section's text is still checked. Never pass document text here.
        """
        try:
            return self._check(payload, forbidden, known, issued_placeholders, safe_strings)
        except Exception as exc:  # a failed check must block, never pass
            return [EgressViolation(ViolationKind.CHECKER_FAILURE, -1, None, type(exc).__name__)]

    def _check(
        self,
        payload: bytes,
        forbidden: Collection[EntityType],
        known: KnownValues | Sequence[str],
        issued_placeholders: Collection[str],
        safe_strings: Collection[str],
    ) -> list[EgressViolation]:
        if not isinstance(payload, bytes | bytearray):
            raise TypeError("payload must be bytes")
        wanted = frozenset(forbidden)
        if not all(isinstance(t, EntityType) for t in wanted):
            raise TypeError("forbidden must hold entity types")
        if not isinstance(known, KnownValues):
            if isinstance(known, str):
                raise TypeError("known values must be a sequence of strings, not a string")
            known = self.known_values([(None, v) for v in known])
        data = bytes(payload)
        text = data.decode("utf-8", errors="replace")
        fields = _string_fields(data)
        safe = frozenset(_strings(safe_strings, "safe strings"))
        exempt = _Exempt(text, _strings(issued_placeholders, "issued placeholders"))
        exempt.add(*((f.start, f.end) for f in fields if f.text in safe))
        out: dict[tuple[ViolationKind, int, str], EgressViolation] = {}
        view = Folded.of(text)
        for finding in self._findings(view, wanted, known):
            self._add(out, finding, finding.start, finding.end, exempt)
        joined = _Joined([f for f in fields if f.text not in safe])
        if len(joined.pieces) > 1:
            for finding in self._findings(Folded.of(joined.text), wanted, known):
                span = joined.crossing(finding.start, finding.end)
                if span is not None:
                    self._add(out, finding, span[0], span[1], exempt)
        return sorted(out.values(), key=lambda v: (v.offset, v.kind))[:MAX_VIOLATIONS]

    def _findings(
        self, view: Folded, forbidden: frozenset[EntityType], known: KnownValues
    ) -> list[Finding]:
        found = [
            f for f in self._scanner.scan_folded(view) if forbidden and f.entity_type in forbidden
        ]
        return found + known.find_folded(view)

    @staticmethod
    def _add(
        out: dict[tuple[ViolationKind, int, str], EgressViolation],
        finding: Finding,
        start: int,
        end: int,
        exempt: _Exempt,
    ) -> None:
        if exempt.covers(start, end):
            return
        if finding.value_index >= 0:
            kind = ViolationKind.ORIGINAL_VALUE
            detail = f"original #{finding.value_index} ({finding.rule})"
        else:
            kind, detail = ViolationKind.FORBIDDEN_ENTITY, finding.rule
        what = str(finding.entity_type) if kind is ViolationKind.FORBIDDEN_ENTITY else ""
        key = (kind, start, what)
        out.setdefault(key, EgressViolation(kind, start, finding.entity_type, detail))


def _strings(values: Collection[str], what: str) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{what} must be a collection of strings, not a string")
    out = list(values)
    if not all(isinstance(v, str) for v in out):
        raise TypeError(f"{what} must be strings")
    return out


class _Exempt:
    """Spans of the decoded payload the agent wrote itself: a hit wholly inside one is
    not a violation."""

    def __init__(self, text: str, placeholders: list[str]) -> None:
        self._spans: list[tuple[int, int]] = []
        wanted = [p for p in placeholders if p]
        if wanted:
            automaton = ahocorasick.Automaton()
            for p in wanted:
                automaton.add_word(p, len(p))
            automaton.make_automaton()
            self._spans = [(last - n + 1, last + 1) for last, n in automaton.iter(text)]
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._merge()

    def add(self, *spans: tuple[int, int]) -> None:
        self._spans += spans
        self._merge()

    def _merge(self) -> None:
        merged: list[tuple[int, int]] = []
        for start, end in sorted(self._spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self._spans = merged
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]

    def covers(self, start: int, end: int) -> bool:
        i = bisect_right(self._starts, start) - 1
        return i >= 0 and self._ends[i] >= end


# -- the string fields of a serialized protobuf message, without its schema ---------------
@dataclass(frozen=True, slots=True)
class _Field:
    start: int  # code point offsets in the decoded payload
    end: int
    text: str


def _string_fields(data: bytes) -> list[_Field]:
    """Every length-delimited field that holds text, in wire order, with its span in the
    decoded payload. Best effort: bytes that are not a protobuf message give none (a
    plain text payload is one field). A field's bytes are taken for text when they are
    valid UTF-8 without control characters, else for a nested message when they parse
    as one, else for text when they decode, else skipped (a field that is text and also
    parses as a message is read as a message: the pass over the whole payload still
    sees its text)."""
    if _is_text(data):
        spans = [(0, len(data))]
    else:
        spans = []
        top = _parse_message(data, 0, len(data))
        if top is None:
            return []
        stack = [(f, 1) for f in reversed(top)]
        while stack:
            (start, end), depth = stack.pop()
            chunk = data[start:end]
            if not chunk:
                continue
            nested = None
            if not _is_text(chunk) and depth < _MAX_DEPTH:
                nested = _parse_message(data, start, end)
            if nested is not None:
                stack += [(f, depth + 1) for f in reversed(nested)]
            elif _decodes(chunk):
                spans.append((start, end))
    fields: list[_Field] = []
    chars = byte_pos = 0
    for start, end in spans:
        # every cut is right after an ASCII byte (a length) or after complete UTF-8,
        # so decoding piece by piece counts the same characters as decoding the whole
        chars += len(data[byte_pos:start].decode("utf-8", errors="replace"))
        value = data[start:end].decode("utf-8")
        fields.append(_Field(chars, chars + len(value), value))
        chars += len(value)
        byte_pos = end
    return fields


def _decodes(chunk: bytes) -> bool:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_CONTROL = frozenset(range(32)) - {9, 10, 13}


def _is_text(chunk: bytes) -> bool:
    return _decodes(chunk) and not any(b in _CONTROL for b in chunk)


def _varint(data: bytes, pos: int, end: int) -> tuple[int, int] | None:
    value = shift = 0
    while pos < end and shift < 64:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    return None


def _parse_message(data: bytes, start: int, end: int) -> list[tuple[int, int]] | None:
    """The byte spans of the length-delimited fields of ``data[start:end]`` read as one
    protobuf message, or ``None`` if it is not one."""
    fields: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        key = _varint(data, pos, end)
        if key is None or key[0] >> 3 == 0:
            return None
        wire_type, pos = key[0] & 7, key[1]
        if wire_type == 0:
            value = _varint(data, pos, end)
            if value is None:
                return None
            pos = value[1]
        elif wire_type == 1:
            pos += 8
        elif wire_type == 5:
            pos += 4
        elif wire_type == 2:
            length = _varint(data, pos, end)
            if length is None or length[1] + length[0] > end:
                return None
            fields.append((length[1], length[1] + length[0]))
            pos = length[1] + length[0]
        else:
            return None  # groups (3, 4) are long deprecated; 6 and 7 do not exist
        if pos > end:
            return None
    return fields


class _Joined:
    """The string fields joined end to end, each stripped of surrounding whitespace, with
    the map back to the decoded payload."""

    def __init__(self, fields: list[_Field]) -> None:
        parts: list[str] = []
        self.pieces: list[tuple[int, int]] = []  # (joined start, payload start)
        length = 0
        for f in fields:
            stripped = f.text.strip()
            if not stripped:
                continue
            lead = len(f.text) - len(f.text.lstrip())
            self.pieces.append((length, f.start + lead))
            parts.append(stripped)
            length += len(stripped)
        self.text = "".join(parts)
        self._starts = [j for j, _ in self.pieces]

    def crossing(self, start: int, end: int) -> tuple[int, int] | None:
        """The payload span of joined ``[start, end)`` if it crosses from one field into
        another, else ``None`` (then the pass over the whole payload saw it)."""
        first = bisect_right(self._starts, start) - 1
        last = bisect_right(self._starts, end - 1) - 1
        if first == last:
            return None
        j0, p0 = self.pieces[first]
        j1, p1 = self.pieces[last]
        return p0 + start - j0, p1 + end - j1
