"""``bastion policy explain``: which rules matched each section of a real document, and why.

The document goes through the same local stages as a request (``split_document``, then
``agent.detect.load_engine().analyze``), so the explanation shows what the policy will
really see. Output names sections by index and offsets, categories, entity types and
counts, and rule ids - not the document's text (headings only with ``show_headings``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from agent.domain import Section, SectionAnalysis
from agent.policy.base import SectionFacts
from agent.policy.engine import Evaluation, PolicyEngine, decision_summary
from bastion.errors import InvalidInput


class Detector(Protocol):
    def analyze(self, texts: Sequence[str]) -> list[SectionAnalysis]: ...


Splitter = Callable[[str], list[Section]]


@dataclass(frozen=True, slots=True)
class SectionExplanation:
    section: Section
    analysis: SectionAnalysis
    evaluation: Evaluation


def explain_document(
    engine: PolicyEngine,
    text: str,
    tenant: str,
    source_jurisdiction: str,
    detector: Detector,
    splitter: Splitter,
) -> list[SectionExplanation]:
    sections = splitter(text)
    analyses = detector.analyze([s.text for s in sections])
    if len(analyses) != len(sections):
        raise InvalidInput("detection returned a wrong number of section results")
    out: list[SectionExplanation] = []
    for section, analysis in zip(sections, analyses, strict=True):
        facts = SectionFacts(
            tenant, source_jurisdiction, analysis.category, analysis.entity_types()
        )
        out.append(SectionExplanation(section, analysis, engine.evaluate(facts)))
    return out


def render_text(
    engine: PolicyEngine, explanations: Sequence[SectionExplanation], *, show_headings: bool
) -> str:
    lines = [f"policy {engine.name} {engine.version}"]
    for ex in explanations:
        s, a, ev = ex.section, ex.analysis, ex.evaluation
        score = a.category_scores.get(a.category, 0.0)
        heading = f" {s.heading!r}" if show_headings and s.heading else ""
        counts = ", ".join(f"{t} x{n}" for t, n in sorted(a.entity_counts().items())) or "none"
        lines.append("")
        lines.append(f"section {s.index}{heading} [{s.start}, {s.end}) {s.end - s.start} chars")
        lines.append(f"  category: {a.category.value} ({score:.2f})")
        lines.append(f"  entities: {counts}")
        d = ev.decision
        dests = ", ".join(x.name for x in d.destinations) or "-"
        lines.append(f"  decision: {d.action.value} by {', '.join(d.rule_ids)} -> {dests}")
        if d.redaction:
            methods = ", ".join(f"{t.value}={m.value}" for t, m in sorted(d.redaction.items()))
            lines.append(f"  redaction: {methods}")
        lines.append(f"  reason: {d.reason}")
        for m in ev.matches:
            mark = "+" if m.matched else "-"
            why = "; ".join(f"{'ok' if ok else 'NO'}: {text}" for ok, text in m.reasons)
            lines.append(f"  {mark} {m.rule_id} ({m.action.value}): {why}")
    return "\n".join(lines)


def to_json(explanations: Sequence[SectionExplanation]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for ex in explanations:
        a = ex.analysis
        out.append(
            {
                "section": ex.section.index,
                "start": ex.section.start,
                "end": ex.section.end,
                "category": a.category.value,
                "category_scores": {c.value: round(v, 4) for c, v in a.category_scores.items()},
                "entities": a.entity_counts(),
                "decision": dict(decision_summary(ex.evaluation.decision)),
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
        )
    return out
