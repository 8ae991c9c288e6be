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

import re
import unicodedata
from collections.abc import Callable, Sequence
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
_OUR_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*(?:_\d+|:[0-9a-f]{8})?>")


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

    def find_all(self, needle: str) -> list[int]:
        found: list[int] = []
        start = self.text.find(needle)
        while start != -1 and len(found) < MAX_VIOLATIONS:
            found.append(self.offsets[start])
            start = self.text.find(needle, start + 1)
        return found


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
    ) -> list[EgressViolation]:
        try:
            if not isinstance(payload, bytes | bytearray):
                raise TypeError("payload must be bytes")
            text = bytes(payload).decode("utf-8", errors="replace")
            violations = self._forbidden(text, frozenset(forbidden))
            violations += self._originals(text, originals)
        except Exception as exc:  # a failed check must block, never pass
            return [EgressViolation(ViolationKind.CHECKER_FAILURE, -1, None, type(exc).__name__)]
        return sorted(violations, key=lambda v: (v.offset, v.kind))[:MAX_VIOLATIONS]

    def enforce(
        self,
        payload: bytes,
        forbidden: frozenset[EntityType],
        originals: Sequence[str],
    ) -> None:
        """``check``, raising ``EgressBlocked`` (types and offsets only) on any violation."""
        violations = self.check(payload, forbidden, originals)
        if violations:
            shown = "; ".join(str(v) for v in violations[:5])
            more = f" (+{len(violations) - 5} more)" if len(violations) > 5 else ""
            raise EgressBlocked(f"egress re-check blocked the send: {shown}{more}")

    def _forbidden(self, text: str, forbidden: frozenset[EntityType]) -> list[EgressViolation]:
        if not forbidden:
            return []
        found = self._scan(text)
        out: list[EgressViolation] = []
        for entity in found:
            if not isinstance(entity, Entity):
                raise TypeError("scanner returned something that is not an Entity")
            if entity.type not in forbidden:
                continue
            if _OUR_PLACEHOLDER.fullmatch(text[entity.start : entity.end].strip()):
                continue  # our own <PERSON_1> / <PERSON> / <PERSON:3f2a9c1b>
            out.append(EgressViolation(ViolationKind.FORBIDDEN_ENTITY, entity.start, entity.type))
        return out

    def _originals(self, text: str, originals: Sequence[str]) -> list[EgressViolation]:
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
        for needle, index in wanted.items():
            for offset in folded_text.find_all(needle):
                out.setdefault(offset, _original_hit(offset, index))
        if compact_wanted:
            compact_text = _Folded(text, compact=True)
            for needle, index in compact_wanted.items():
                for offset in compact_text.find_all(needle):
                    out.setdefault(offset, _original_hit(offset, index))
        return list(out.values())


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
