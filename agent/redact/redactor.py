"""Apply a decision to one section's text: what leaves, with which values replaced.

- ``allow``: the text leaves as it is (the policy said so).
- ``redact``: every detected span is replaced by the method the decision gives its type
  (``mask`` -> ``<PERSON>``, ``pseudonymise`` -> ``<PERSON_1>`` via the vault, ``hash`` ->
  ``<PERSON:3f2a9c1b>`` keyed HMAC-SHA256, ``drop`` -> nothing). A type the decision does
  not name is masked: fail closed.
- any other action: ``PolicyError`` - nothing of this section may leave.

Overlapping spans (model and pattern recognizers agreeing roughly) merge into their union,
replaced by the most restrictive method among them; among spans of equally restrictive
methods the highest-scoring one names the placeholder. Every other exact occurrence of a
replaced value (4 characters or more) in the section is replaced too, so a name detected
once is not sent the second time it appears undetected.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agent.domain import Entity, EntityType
from agent.policy.base import Action, Decision, RedactionMethod
from agent.vault import DocumentPseudonyms
from bastion.errors import PolicyError

MIN_PROPAGATED_CHARS = 4
MIN_HASH_KEY_BYTES = 16
FALLBACK_METHOD = RedactionMethod.MASK


@dataclass(frozen=True, slots=True)
class Redaction:
    """The outbound text of one section. ``removed_values`` stays in memory only: it
    feeds the egress re-check and must never be logged or sent."""

    text: str
    replaced: dict[str, int] = field(default_factory=dict)
    removed_values: tuple[str, ...] = ()
    # Every replacement string written (<PERSON_1>, <PERSON>, <PERSON:3f2a9c1b>): the only
    # placeholder-shaped text of this request that the agent itself minted.
    replacements: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    type: EntityType
    method: RedactionMethod
    score: float = 0.0

    def outranks(self, other: _Span) -> bool:
        mine, theirs = self.method.restrictiveness, other.method.restrictiveness
        return mine > theirs or (mine == theirs and self.score > other.score)


def mask_everything(version: str = "") -> Decision:
    """A decision that masks every entity type (``<TYPE>``): ``bastion detect``'s view."""
    return Decision(
        Action.REDACT,
        ("mask-everything",),
        (),
        version,
        dict.fromkeys(EntityType, RedactionMethod.MASK),
    )


def redact(
    text: str,
    entities: Sequence[Entity],
    decision: Decision,
    pseudonyms: DocumentPseudonyms | None = None,
    hash_key: bytes = b"",
) -> Redaction:
    if not decision.action.may_leave:
        raise PolicyError(f"section may not leave (action {decision.action.value})")
    if decision.action is Action.ALLOW:
        return Redaction(text)
    spans = _merge(text, entities, decision.redaction)
    spans = _propagate(text, spans)
    out: list[str] = []
    replaced: dict[str, int] = {}
    removed: dict[str, None] = {}
    written: dict[str, None] = {}
    pos = 0
    for span in spans:
        value = text[span.start : span.end]
        replacement = _replacement(span, value, pseudonyms, hash_key)
        out.append(text[pos : span.start])
        out.append(replacement)
        replaced[span.type.value] = replaced.get(span.type.value, 0) + 1
        removed[value] = None
        if replacement:
            written[replacement] = None
        pos = span.end
    out.append(text[pos:])
    return Redaction("".join(out), replaced, tuple(removed), tuple(written))


def _method(methods: Mapping[EntityType, RedactionMethod], t: EntityType) -> RedactionMethod:
    return methods.get(t, FALLBACK_METHOD)


def _merge(
    text: str, entities: Sequence[Entity], methods: Mapping[EntityType, RedactionMethod]
) -> list[_Span]:
    """Sorted, non-overlapping spans; overlaps become their union, strictest method."""
    for e in entities:
        if e.end > len(text) or e.start < 0:
            raise PolicyError(f"entity span [{e.start}, {e.end}) is outside the section text")
    merged: list[_Span] = []
    for e in sorted(entities, key=lambda e: (e.start, -e.end)):
        span = _Span(e.start, e.end, e.type, _method(methods, e.type), e.score)
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            strict = span if span.outranks(last) else last
            merged[-1] = _Span(
                last.start, max(last.end, span.end), strict.type, strict.method, strict.score
            )
        else:
            merged.append(span)
    return merged


def _propagate(text: str, spans: list[_Span]) -> list[_Span]:
    """Add every other exact occurrence of a replaced value that no span covers yet."""
    starts = [s.start for s in spans]  # sorted, non-overlapping
    ends = [s.end for s in spans]
    seen: set[str] = set()
    for span in list(spans):
        value = text[span.start : span.end]
        if len(value.strip()) < MIN_PROPAGATED_CHARS or value in seen:
            continue
        seen.add(value)
        start = text.find(value)
        while start != -1:
            end = start + len(value)
            i = bisect.bisect_left(ends, start + 1)  # first span ending after `start`
            if i == len(starts) or starts[i] >= end:  # no overlap with any span
                starts.insert(i, start)
                ends.insert(i, end)
                spans.insert(i, _Span(start, end, span.type, span.method, span.score))
            start = text.find(value, end)
    return spans


def _replacement(
    span: _Span, value: str, pseudonyms: DocumentPseudonyms | None, hash_key: bytes
) -> str:
    name = span.type.value
    if span.method is RedactionMethod.MASK:
        return f"<{name}>"
    if span.method is RedactionMethod.DROP:
        return ""
    if span.method is RedactionMethod.PSEUDONYMISE:
        if pseudonyms is None:
            raise PolicyError("pseudonymisation needs the document's vault entry")
        return pseudonyms.placeholder(span.type, value)
    if len(hash_key) < MIN_HASH_KEY_BYTES:
        raise PolicyError(f"hash redaction needs a key of at least {MIN_HASH_KEY_BYTES} bytes")
    digest = hmac.new(hash_key, f"{name}\x00{value}".encode(), hashlib.sha256).hexdigest()
    return f"<{name}:{digest[:8]}>"
