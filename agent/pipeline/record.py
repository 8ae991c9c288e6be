"""Record: the audit entries of one request, built from the phases' values.

Pure functions: a context, the values of a phase and the time in; ``AuditEntry`` out.
Entries hold keyed digests, counts, types, rule ids, destinations and sizes - never text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent.audit import AuditEntry, safe_reason
from agent.domain import Status, Task, UnitKind, UnitOutcome
from agent.pipeline.context import Digest, RequestContext
from agent.policy.base import Action, Destination


@dataclass(frozen=True, slots=True)
class Recorder:
    """Builds entries for one request: its context, the digest and the model versions."""

    ctx: RequestContext
    digest: Digest
    model_versions: tuple[str, ...]

    def entry(self, kind: str, now: float, **fields: object) -> AuditEntry:
        suffix = fields.get("section_index", "")
        base: dict[str, object] = {
            "kind": kind,
            "decision_id": f"{self.ctx.request_id}:{kind}:{suffix}",
            "time": now,
            "request_id": self.ctx.request_id,
            "tenant": self.ctx.tenant,
            "caller": self.ctx.caller,
            "document_sha256": self.ctx.document_digest,
            "model_versions": list(self.model_versions),
            "policy_version": self.ctx.policy.version,
            "caller_request_ref": self.ctx.caller_ref,
        }
        base.update(fields)
        if "reason" in base:  # policy authors' and our own words, made to fit the rule
            base["reason"] = safe_reason(str(base["reason"]))
        return AuditEntry(**base)  # type: ignore[arg-type]

    def unit(self, outcome: UnitOutcome, task: Task, now: float) -> AuditEntry:
        """A unit's decision: the instruction, or a section (``egress_block`` if the
        re-check withheld it)."""
        unit = outcome.unit
        if unit.kind is UnitKind.INSTRUCTION:
            kind = "instruction"
        elif outcome.status is Status.WITHHELD_EGRESS:
            kind = "egress_block"
        else:
            kind = "section"
        return self.entry(
            kind,
            now,
            section_index=unit.index if unit.kind is UnitKind.SECTION else None,
            section_sha256=self.digest(unit.text),
            category=outcome.analysis.category.value,
            entity_counts=outcome.analysis.entity_counts(),
            rule_ids=list(outcome.rule_ids),
            action=outcome.action if outcome.decision else Action.LOCAL_ONLY.value,
            destination=_dest(outcome.destinations[0]) if outcome.destinations else None,
            destinations=[_dest(d) for d in outcome.destinations],
            bytes_sent=outcome.bytes_sent,
            sent_sha256=self.digest(outcome.sent_text) if outcome.sent_text else "",
            orchestration_mode=task.mode,
            status=outcome.status.value,
            reason=outcome.reason,
        )

    def sending(
        self,
        payload: bytes,
        destinations: Sequence[Destination],
        n_sections: int,
        task: Task,
        now: float,
    ) -> AuditEntry:
        """Written and durable before the send: what is about to leave, and where to."""
        return self.entry(
            "cloud_call",
            now,
            action="send",
            status="SENDING",
            bytes_sent=len(payload),
            sent_sha256=self.digest(payload),
            destination=_dest(destinations[0]),
            destinations=[_dest(d) for d in destinations],
            orchestration_mode=task.mode,
            reason=f"{n_sections} sections to {len(destinations)} destinations: "
            + ",".join(d.name for d in destinations),
        )

    def failed_send(
        self, payload: bytes, left: bool, error: BaseException, task: Task, now: float
    ) -> AuditEntry:
        """The send failed: ``left`` says whether the bytes may have reached the tier."""
        return self.entry(
            "cloud_call",
            now,
            action="send",
            status="SENT_NO_ANSWER" if left else "NOT_SENT",
            bytes_sent=len(payload) if left else 0,
            sent_sha256=self.digest(payload) if left else "",
            orchestration_mode=task.mode,
            reason=f"cloud call failed ({type(error).__name__})",
        )

    def answer(
        self,
        response: bytes,
        called: Sequence[Destination],
        strategy: str,
        agreement: float,
        task: Task,
        now: float,
    ) -> AuditEntry:
        return self.entry(
            "answer",
            now,
            action="receive",
            status="ANSWERED",
            response_sha256=self.digest(response),
            destination=_dest(called[0]) if called else None,
            destinations=[_dest(d) for d in called],
            orchestration_mode=task.mode,
            reason=f"strategy {strategy}; agreement {agreement:.2f}; called "
            + (",".join(d.name for d in called) or "none"),
        )

    def request(self, action: str, status: str, now: float, **fields: object) -> AuditEntry:
        return self.entry(
            "request",
            now,
            action=action,
            status=status,
            latency_ms=max(0.0, (now - self.ctx.started) * 1000.0),
            **fields,
        )


def _dest(d: Destination) -> Mapping[str, str]:
    return {
        "name": d.name,
        "provider": d.provider,
        "region": d.region,
        "jurisdiction": d.jurisdiction,
    }
