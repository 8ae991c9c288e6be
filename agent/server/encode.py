"""Domain -> protobuf for the agent's responses (the servicer's only other conversion).

Offsets in responses are document offsets: a unit's entities are shifted by its
section's start; entities inside a heading put in front of a body (``Unit.body_offset``)
have no document offset and are counted, not listed.
"""

from __future__ import annotations

from agent.domain import AnalyzeResult, RouteResult, SectionAnalysis, Unit, UnitOutcome
from agent.escalate import destination_to_proto
from bastion.wire.v1 import agent_pb2, common_pb2


def _spans(unit: Unit, analysis: SectionAnalysis) -> list[agent_pb2.EntitySpan]:
    if unit.section is None:
        return []
    base = unit.section.start - unit.body_offset
    return [
        agent_pb2.EntitySpan(
            type=e.type.value, start=base + e.start, end=base + e.end, score=e.score
        )
        for e in analysis.entities
        if e.start >= unit.body_offset
    ]


def analyze_response(result: AnalyzeResult) -> agent_pb2.AnalyzeResponse:
    out = agent_pb2.AnalyzeResponse(
        request_id=result.request_id,
        document_id=result.document_id,
        model_versions=list(result.model_versions),
        audit_entry_ids=list(result.audit_ids),
    )
    for unit, analysis in zip(result.units, result.analyses, strict=True):
        assert unit.section is not None
        out.sections.append(
            agent_pb2.SectionAnalysis(
                index=unit.index,
                heading=unit.section.heading,
                start=unit.section.start,
                end=unit.section.end,
                category=analysis.category.value,
                category_scores={c.value: float(v) for c, v in analysis.category_scores.items()},
                entities=_spans(unit, analysis),
                entity_counts=analysis.entity_counts(),
            )
        )
    return out


def _outcome(o: UnitOutcome) -> agent_pb2.SectionOutcome:
    section = o.unit.section
    out = agent_pb2.SectionOutcome(
        index=o.unit.index,
        heading=section.heading if section else "",
        start=section.start if section else 0,
        end=section.end if section else 0,
        category=o.analysis.category.value,
        entity_counts=o.analysis.entity_counts(),
        action=o.action,
        rule_ids=list(o.rule_ids),
        status=o.status.value,
        reason=o.reason,
        redacted_types=sorted(o.redacted_types),
        bytes_sent=o.bytes_sent,
        audit_entry_ids=list(o.audit_ids),
        destinations=[destination_to_proto(d) for d in o.destinations],
        review_id=o.review_id,
    )
    if o.destinations:
        out.destination.CopyFrom(destination_to_proto(o.destinations[0]))
    return out


def route_response(result: RouteResult) -> agent_pb2.RouteResponse:
    out = agent_pb2.RouteResponse(
        request_id=result.request_id,
        document_id=result.document_id,
        policy_version=result.policy_version,
        status=result.status.value,
        answer=result.answer,
        audit_entry_ids=list(result.audit_ids),
        sections=[_outcome(o) for o in result.sections],
        instruction=_outcome(result.instruction),
    )
    cloud = result.cloud
    if cloud is not None:
        out.agreement = cloud.agreement
        out.strategy = common_pb2.Resolution.Value(cloud.strategy)  # type: ignore[assignment]
        out.needs_review = cloud.needs_review
        out.injection_findings.extend(cloud.injection_findings)
        out.model_outputs.extend(
            common_pb2.ModelOutput(
                provider=c.provider,
                model=c.model,
                role=c.role,
                output=c.output,
                confidence=c.confidence,
                prompt_tokens=c.prompt_tokens,
                completion_tokens=c.completion_tokens,
                latency_ms=c.latency_ms,
                cost_usd=c.cost_usd,
                error=c.error,
                round=c.round,
                destination=c.destination,
            )
            for c in cloud.calls
        )
    return out
