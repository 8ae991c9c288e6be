"""Decide: each governed unit's policy decision, and what may leave together.

Pure: units and their analyses in, a ``Plan`` out. The instruction is decided first,
like a section; if it may not leave, no section leaves either (``WITHHELD_INSTRUCTION``).
The destinations of a request are those the instruction and every leaving section all
allow: a section that shares none with the sections before it stays local.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.domain import EntityType, SectionAnalysis, Status, Unit
from agent.pipeline.context import RequestContext
from agent.policy.base import Action, Decision, Destination, SectionFacts
from bastion.errors import BastionError

# The provisional status of a unit the policy lets leave; the gate and the send settle it.
MAY_LEAVE = Status.SENT


@dataclass(frozen=True, slots=True)
class Analysed:
    """A unit and what detection found in it: the input of ``decide``."""

    unit: Unit
    analysis: SectionAnalysis


@dataclass(frozen=True, slots=True)
class Verdict:
    """One unit's decision; ``status`` is ``MAY_LEAVE`` or why it stays local."""

    unit: Unit
    analysis: SectionAnalysis
    decision: Decision | None  # None: the policy could not be evaluated
    status: Status
    reason: str

    @property
    def may_leave(self) -> bool:
        return self.status is MAY_LEAVE


@dataclass(frozen=True, slots=True)
class Plan:
    sections: tuple[Verdict, ...]
    instruction: Verdict
    destinations: tuple[Destination, ...]  # allowed by the instruction and every leaver
    forbidden: frozenset[EntityType]  # what the egress re-check must not find

    @property
    def leaving(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.sections if v.may_leave)

    def verdicts(self) -> tuple[Verdict, ...]:
        return (*self.sections, self.instruction)


def _decide(ctx: RequestContext, analysis: SectionAnalysis) -> Decision | None:
    facts = SectionFacts(
        tenant=ctx.tenant,
        source_jurisdiction=ctx.source_jurisdiction,
        category=analysis.category,
        entity_types=analysis.entity_types(),
    )
    try:
        return ctx.policy.decide(facts)
    except BastionError:
        return None  # fail closed: the unit stays local


def _local(unit: Unit, analysis: SectionAnalysis, decision: Decision | None) -> Verdict | None:
    """The verdict of a unit its own decision keeps local, else None."""
    if decision is None:
        return Verdict(
            unit,
            analysis,
            None,
            Status.WITHHELD_POLICY,
            "policy evaluation failed; kept local (fail closed)",
        )
    if not decision.action.may_leave:
        status = (
            Status.WITHHELD_REVIEW if decision.action is Action.REVIEW else Status.WITHHELD_POLICY
        )
        return Verdict(
            unit,
            analysis,
            decision,
            status,
            decision.reason or f"policy action {decision.action.value}",
        )
    if not decision.destinations:
        return Verdict(
            unit, analysis, decision, Status.WITHHELD_NO_DESTINATION, "no destination allowed"
        )
    return None


def decide(
    ctx: RequestContext,
    sections: Sequence[Analysed],
    instruction: Analysed,
    *,
    cloud_configured: bool,
) -> Plan:
    """Every unit's verdict. Only units with ``MAY_LEAVE`` reach redaction."""
    instruction_analysis = instruction.analysis
    i_decision = _decide(ctx, instruction_analysis)
    i_verdict = _local(instruction.unit, instruction_analysis, i_decision)
    blocker: tuple[Status, str] | None = None
    common: set[str] | None = None
    by_name: dict[str, Destination] = {}
    if not cloud_configured:
        blocker = (Status.WITHHELD_NO_CLOUD, "no cloud tier is configured")
    elif i_verdict is not None:
        blocker = (Status.WITHHELD_INSTRUCTION, "the task instruction may not leave")
    else:
        assert i_decision is not None
        common = {d.name for d in i_decision.destinations}
        by_name.update({d.name: d for d in i_decision.destinations})

    verdicts: list[Verdict] = []
    forbidden: set[EntityType] = set()
    for unit, analysis in ((s.unit, s.analysis) for s in sections):
        decision = _decide(ctx, analysis)
        local = _local(unit, analysis, decision)
        if local is not None:
            verdicts.append(local)
            continue
        assert decision is not None
        if blocker is not None:
            verdicts.append(Verdict(unit, analysis, decision, *blocker))
            continue
        names = {d.name for d in decision.destinations}
        assert common is not None
        if not common & names:
            verdicts.append(
                Verdict(
                    unit,
                    analysis,
                    decision,
                    Status.WITHHELD_NO_DESTINATION,
                    "no destination shared with the instruction and the other sections",
                )
            )
            continue
        common &= names
        by_name.update({d.name: d for d in decision.destinations})
        forbidden |= ctx.policy.forbidden_types(decision)
        verdicts.append(Verdict(unit, analysis, decision, MAY_LEAVE, ""))

    leaving = any(v.may_leave for v in verdicts)
    if i_verdict is None:
        assert i_decision is not None
        if not cloud_configured:
            i_verdict = Verdict(
                instruction.unit,
                instruction_analysis,
                i_decision,
                *(blocker or (Status.WITHHELD_NO_CLOUD, "")),
            )
        elif not leaving:
            i_verdict = Verdict(
                instruction.unit,
                instruction_analysis,
                i_decision,
                Status.WITHHELD_POLICY,
                "no section of the request may leave, so the instruction stays local too",
            )
        else:
            forbidden |= ctx.policy.forbidden_types(i_decision)
            i_verdict = Verdict(instruction.unit, instruction_analysis, i_decision, MAY_LEAVE, "")
    destinations = tuple(by_name[n] for n in sorted(common or ())) if leaving else ()
    return Plan(tuple(verdicts), i_verdict, destinations, frozenset(forbidden))
