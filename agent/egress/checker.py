"""The egress re-check: an independent look at the exact bytes about to leave.

Two checks on the serialized request (decoded as UTF-8 with ``errors="replace"``; string
fields of a protobuf are stored as plain UTF-8, so their text is visible as is):
1. an independent scanner (not the detector that fed the policy) must not find any
   forbidden entity type;
2. no value detected in the original document may appear, compared case-insensitively,
   with Unicode compatibility forms folded (full-width digits), zero-width characters
   removed and whitespace runs collapsed; values of 6 or more digits are also compared with
   separators removed (``4111 1111-1111 1111``). Values shorter than
   ``MIN_ORIGINAL_CHARS`` (4) after normalisation are ignored: "Al", "Jo" or "12" would
   match everywhere and block every send.

Any hit is a violation naming its kind, type and offset in the decoded payload - never
the value. If the checker itself fails (scanner error, bad input) the result is a
``checker_failure`` violation: a failed check is never reported as clean.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from agent.domain import Entity, EntityType
from bastion.errors import EgressBlocked

MIN_ORIGINAL_CHARS = 4
MIN_COMPACT_DIGITS = 6
MAX_VIOLATIONS = 100

Scanner = Callable[[str], Sequence[Entity]]

_ZERO_WIDTH = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")
_SEPARATORS = frozenset(" -./()")


class ViolationKind(StrEnum):
    FORBIDDEN_ENTITY = "forbidden_entity"
    ORIGINAL_VALUE = "original_value"
    CHECKER_FAILURE = "checker_failure"


@dataclass(frozen=True, slots=True)
class EgressViolation:
    """One reason not to send. ``offset`` is a code point offset into the decoded
    payload (-1 for a checker failure); ``detail`` never holds the value."""

    kind: ViolationKind
    offset: int
    entity_type: EntityType | None = None
    detail: str = ""

    def __str__(self) -> str:
        what = self.entity_type.value if self.entity_type else self.detail
        return f"{self.kind.value} {what} at offset {self.offset}"


class _Folded:
    """A normalised view of a text with a map back to the original offsets."""

    def __init__(self, text: str, *, compact: bool = False) -> None:
        chars: list[str] = []
        offsets: list[int] = []
        for i, c in enumerate(text):
            if c in _ZERO_WIDTH:
                continue
            folded = unicodedata.normalize("NFKC", c).casefold()
            if folded.isspace() or c.isspace():
                folded = " "
            for f in folded:
                if compact and f in _SEPARATORS:
                    continue
                if f == " " and chars and chars[-1] == " ":
                    continue
                chars.append(f)
                offsets.append(i)
        self.text = "".join(chars)
        self.offsets = offsets

    def find_all(self, needle: str) -> list[tuple[int, int]]:
        """(start, end) in the original text of every occurrence of ``needle``."""
        found: list[tuple[int, int]] = []
        start = self.text.find(needle)
        while start != -1 and len(found) < MAX_VIOLATIONS:
            found.append((self.offsets[start], self.offsets[start + len(needle) - 1] + 1))
            start = self.text.find(needle, start + 1)
        return found


class _SafeRanges:
    """Where the payload holds a placeholder this request wrote (``issued``, exact
    strings), or a whole string field equal to metadata the agent wrote itself
    (``safe_strings``): a match wholly inside one of these is not a finding. A safe string
    inside a section's text is not a whole field, so it is still checked; placeholder-
    shaped text the agent did not write is checked like any text."""

    def __init__(
        self, payload: bytes, text: str, safe_strings: Sequence[str], issued: Collection[str]
    ) -> None:
        spans: list[tuple[int, int]] = []
        for placeholder in issued:
            at = text.find(placeholder)
            while at != -1:
                spans.append((at, at + len(placeholder)))
                at = text.find(placeholder, at + len(placeholder))
        for safe in safe_strings:
            if not isinstance(safe, str):
                raise TypeError("safe strings must be strings")
            spans += _whole_fields(payload, safe)
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]

    def covers(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start) - 1
        return i >= 0 and self._ends[i] >= end


class EgressChecker:
    """Re-scan outbound bytes. ``scan`` must be independent of the detection that fed
    the policy (e.g. the pattern engine alone), so one blind spot cannot hide twice."""

    def __init__(self, scan: Scanner, min_original_chars: int = MIN_ORIGINAL_CHARS) -> None:
        self._scan = scan
        self._min_chars = min_original_chars

    def check(
        self,
        payload: bytes,
        forbidden: frozenset[EntityType],
        originals: Sequence[str],
        *,
        safe_strings: Sequence[str] = (),
        issued_placeholders: Collection[str] = (),
    ) -> list[EgressViolation]:
        """Every violation in ``payload``; empty means it may be sent.

        ``safe_strings`` are values the agent itself writes into the request from its
        configuration (tenant, destination names, providers, regions, category names): a
        document that names an organisation "Mistral" must not block every request that
        lists the destination provider ``mistral``. Only a protobuf string field whose
        whole content equals a safe string is exempt - the same word inside a section's
        text is still checked. Never pass document text here.
        """
        try:
            if not isinstance(payload, bytes | bytearray):
                raise TypeError("payload must be bytes")
            text = bytes(payload).decode("utf-8", errors="replace")
            safe = _SafeRanges(bytes(payload), text, safe_strings, issued_placeholders)
            violations = self._forbidden(text, frozenset(forbidden), safe)
            violations += self._originals(text, originals, safe)
        except Exception as exc:  # a failed check must block, never pass
            return [EgressViolation(ViolationKind.CHECKER_FAILURE, -1, None, type(exc).__name__)]
        return sorted(violations, key=lambda v: (v.offset, v.kind))[:MAX_VIOLATIONS]

    def enforce(
        self,
        payload: bytes,
        forbidden: frozenset[EntityType],
        originals: Sequence[str],
        *,
        safe_strings: Sequence[str] = (),
    ) -> None:
        """``check``, raising ``EgressBlocked`` (types and offsets only) on any violation."""
        violations = self.check(payload, forbidden, originals, safe_strings=safe_strings)
        if violations:
            shown = "; ".join(str(v) for v in violations[:5])
            more = f" (+{len(violations) - 5} more)" if len(violations) > 5 else ""
            raise EgressBlocked(f"egress re-check blocked the send: {shown}{more}")

    def _forbidden(
        self, text: str, forbidden: frozenset[EntityType], safe: _SafeRanges
    ) -> list[EgressViolation]:
        if not forbidden:
            return []
        found = self._scan(text)
        out: list[EgressViolation] = []
        for entity in found:
            if not isinstance(entity, Entity):
                raise TypeError("scanner returned something that is not an Entity")
            if entity.type not in forbidden:
                continue
            if safe.covers(entity.start, entity.end):
                continue  # our own <PERSON_1> / <PERSON> / <PERSON:3f2a9c1b>, or metadata
            out.append(EgressViolation(ViolationKind.FORBIDDEN_ENTITY, entity.start, entity.type))
        return out

    def _originals(
        self, text: str, originals: Sequence[str], safe: _SafeRanges
    ) -> list[EgressViolation]:
        wanted: dict[str, int] = {}
        compact_wanted: dict[str, int] = {}
        for index, original in enumerate(originals):
            if not isinstance(original, str):
                raise TypeError("originals must be strings")
            folded = _Folded(original).text.strip()
            if len(folded) >= self._min_chars:
                wanted.setdefault(folded, index)
            digits = sum(c.isdigit() for c in folded)
            if digits >= MIN_COMPACT_DIGITS:
                compact_wanted.setdefault(_Folded(original, compact=True).text.strip(), index)
        if not wanted and not compact_wanted:
            return []
        out: dict[int, EgressViolation] = {}
        folded_text = _Folded(text)
        searches = [(folded_text, wanted)]
        if compact_wanted:
            searches.append((_Folded(text, compact=True), compact_wanted))
        for view, needles in searches:
            for needle, index in needles.items():
                for start, end in view.find_all(needle):
                    if not safe.covers(start, end):
                        out.setdefault(start, _original_hit(start, index))
        return list(out.values())


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _whole_fields(payload: bytes, value: str) -> list[tuple[int, int]]:
    """Text spans of protobuf length-delimited fields whose whole content is ``value``."""
    raw = value.encode("utf-8")
    if not raw:
        return []
    prefix = _varint(len(raw))
    spans: list[tuple[int, int]] = []
    pos = payload.find(raw)
    while pos != -1:
        tag_at = pos - len(prefix) - 1
        if tag_at >= 0 and payload[tag_at + 1 : pos] == prefix and payload[tag_at] & 0x07 == 2:
            # The byte before is ASCII (a length), so decoding the prefix alone gives the
            # same characters as decoding the whole payload.
            start = len(payload[:pos].decode("utf-8", errors="replace"))
            spans.append((start, start + len(value)))
        pos = payload.find(raw, pos + 1)
    return spans


def _original_hit(offset: int, index: int) -> EgressViolation:
    return EgressViolation(ViolationKind.ORIGINAL_VALUE, offset, None, f"original #{index}")


WHOLE_REQUEST = -1


def by_section(
    payload: bytes, violations: Sequence[EgressViolation], section_texts: Sequence[str]
) -> dict[int, list[EgressViolation]]:
    """Group violations by the outbound section whose text holds their offset, for a
    per-section error. ``section_texts`` are the outbound texts in the order they were
    serialized. Anything else (task instruction, headings, metadata, checker failures)
    goes under ``WHOLE_REQUEST`` (-1)."""
    text = bytes(payload).decode("utf-8", errors="replace")
    ranges: list[tuple[int, int, int]] = []
    cursor = 0
    for index, section in enumerate(section_texts):
        if not section:
            continue
        start = text.find(section, cursor)
        if start == -1:
            continue
        ranges.append((start, start + len(section), index))
        cursor = start + len(section)
    grouped: dict[int, list[EgressViolation]] = {}
    for v in violations:
        owner = next((i for s, e, i in ranges if s <= v.offset < e), WHOLE_REQUEST)
        grouped.setdefault(owner, []).append(v)
    return grouped
