"""Redact: the outbound text of every unit that may leave, and the values it removed.

Each leaving unit is redacted by its own decision (``agent.redact``); the instruction is
redacted like a section. The result records every placeholder the agent wrote (the only
placeholder-shaped text the egress re-check may pass and re-identification may restore)
and every detected value of the whole request that must not leave (the re-check looks for
them in the outbound bytes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agent.domain import EntityType
from agent.pipeline.decide import Plan, Verdict
from agent.policy.base import Action
from agent.redact import redact
from agent.vault import DocumentPseudonyms


@dataclass(frozen=True, slots=True)
class RedactedUnit:
    verdict: Verdict
    text: str
    replaced: Mapping[str, int]  # entity type -> how many values were replaced

    @property
    def index(self) -> int:
        return self.verdict.unit.index


@dataclass(frozen=True, slots=True)
class Outbound:
    sections: tuple[RedactedUnit, ...]
    instruction: RedactedUnit
    issued: frozenset[str]  # every replacement string the agent wrote (placeholders)
    # detected values (with their type) that must not appear in what leaves
    known_values: tuple[tuple[EntityType, str], ...]


def _redacted(
    verdict: Verdict, pseudonyms: DocumentPseudonyms, hash_key: bytes
) -> tuple[RedactedUnit, tuple[str, ...]]:
    assert verdict.decision is not None
    r = redact(verdict.unit.text, verdict.analysis.entities, verdict.decision, pseudonyms, hash_key)
    return RedactedUnit(verdict, r.text, dict(r.replaced)), r.replacements


def _values(verdict: Verdict) -> list[tuple[EntityType, str]]:
    text = verdict.unit.text
    return [(e.type, text[e.start : e.end]) for e in verdict.analysis.entities]


def redact_plan(plan: Plan, pseudonyms: DocumentPseudonyms, hash_key: bytes) -> Outbound | None:
    """The redacted leaving units, or None when nothing may leave.

    Known values are those of every unit except one that an ``allow`` decision lets leave
    as it is (its values are in the outbound text on purpose). A value that also occurs in
    a redacted or local unit is still known, so it stops the allowed unit too."""
    leaving = plan.leaving
    if not leaving or not plan.instruction.may_leave:
        return None
    issued: set[str] = set()
    sections: list[RedactedUnit] = []
    for verdict in leaving:
        unit, replacements = _redacted(verdict, pseudonyms, hash_key)
        sections.append(unit)
        issued.update(replacements)
    instruction, replacements = _redacted(plan.instruction, pseudonyms, hash_key)
    issued.update(replacements)

    known: dict[tuple[EntityType, str], None] = {}
    for verdict in plan.verdicts():
        raw = (
            verdict.may_leave
            and verdict.decision is not None
            and verdict.decision.action is Action.ALLOW
        )
        if not raw:
            known.update(dict.fromkeys(_values(verdict)))
    return Outbound(tuple(sections), instruction, frozenset(issued), tuple(known))
