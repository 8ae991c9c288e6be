"""``bastion policy explain``: which rules matched each unit of a real document, and why.

The document goes through the agent's own pipeline up to the send (``Pipeline.prepare``:
govern, analyse, decide, redact, gate; nothing is sent or recorded), so the explanation
shows what the server would decide - the instruction included - and which units would
leave. Output names units by index and offsets, categories, entity types and counts, rule
ids and statuses - not the document's text (headings only with ``show_headings``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.domain import SectionAnalysis, Status, Unit, UnitKind
from agent.policy.base import SectionFacts
from agent.policy.engine import Evaluation, PolicyEngine, decision_summary

if TYPE_CHECKING:
    from agent.pipeline import Prepared


@dataclass(frozen=True, slots=True)
class UnitExplanation:
    unit: Unit
    analysis: SectionAnalysis
    evaluation: Evaluation
    status: Status  # what the pipeline would do with it (SENT: it would leave)
    reason: str


def explain_prepared(prepared: Prepared) -> list[UnitExplanation]:
    """One explanation per unit: the sections in order, then the instruction."""
    from agent.pipeline.outcomes import before_send

    sections, instruction = before_send(prepared.plan, prepared.outbound, prepared.gated)
    ctx = prepared.ctx
    out: list[UnitExplanation] = []
    for o in (*sections, instruction):
        facts = SectionFacts(
            ctx.tenant, ctx.source_jurisdiction, o.analysis.category, o.analysis.entity_types()
        )
        out.append(
            UnitExplanation(o.unit, o.analysis, ctx.policy.evaluate(facts), o.status, o.reason)
        )
    return out


def _name(unit: Unit) -> str:
    return "instruction" if unit.kind is UnitKind.INSTRUCTION else f"section {unit.index}"


def render_text(
    engine: PolicyEngine, explanations: Sequence[UnitExplanation], *, show_headings: bool
) -> str:
    lines = [f"policy {engine.name} {engine.version}"]
    for ex in explanations:
        u, a, ev = ex.unit, ex.analysis, ex.evaluation
        score = a.category_scores.get(a.category, 0.0)
        s = u.section
        heading = f" {s.heading!r}" if show_headings and s and s.heading else ""
        where = f" [{s.start}, {s.end})" if s else ""
        counts = ", ".join(f"{t} x{n}" for t, n in sorted(a.entity_counts().items())) or "none"
        lines.append("")
        lines.append(f"{_name(u)}{heading}{where} {len(u.text)} chars")
        lines.append(f"  category: {a.category.value} ({score:.2f})")
        lines.append(f"  entities: {counts}")
        d = ev.decision
        dests = ", ".join(x.name for x in d.destinations) or "-"
        lines.append(f"  decision: {d.action.value} by {', '.join(d.rule_ids)} -> {dests}")
        if d.redaction:
            methods = ", ".join(f"{t.value}={m.value}" for t, m in sorted(d.redaction.items()))
            lines.append(f"  redaction: {methods}")
        lines.append(f"  reason: {d.reason}")
        outcome = "would leave" if ex.status is Status.SENT else ex.reason
        lines.append(f"  status: {ex.status.value} ({outcome})")
        for m in ev.matches:
            mark = "+" if m.matched else "-"
            why = "; ".join(f"{'ok' if ok else 'NO'}: {text}" for ok, text in m.reasons)
            lines.append(f"  {mark} {m.rule_id} ({m.action.value}): {why}")
    return "\n".join(lines)


def _unit_json(ex: UnitExplanation) -> dict[str, Any]:
    a, s = ex.analysis, ex.unit.section
    return {
        "unit": ex.unit.kind.value,
        "section": ex.unit.index if s else None,
        "start": s.start if s else None,
        "end": s.end if s else None,
        "category": a.category.value,
        "category_scores": {c.value: round(v, 4) for c, v in a.category_scores.items()},
        "entities": a.entity_counts(),
        "decision": dict(decision_summary(ex.evaluation.decision)),
        "status": ex.status.value,
        "rules": [
            {
                "id": m.rule_id,
                "action": m.action.value,
                "matched": m.matched,
                "reasons": [{"ok": ok, "why": why} for ok, why in m.reasons],
            }
            for m in ex.evaluation.matches
        ],
    }


def to_json(explanations: Sequence[UnitExplanation]) -> dict[str, Any]:
    """``{"sections": [...], "instruction": {...}}``."""
    sections = [_unit_json(ex) for ex in explanations if ex.unit.kind is UnitKind.SECTION]
    instruction = [_unit_json(ex) for ex in explanations if ex.unit.kind is UnitKind.INSTRUCTION]
    return {"sections": sections, "instruction": instruction[0] if instruction else None}
