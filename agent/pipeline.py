"""The agent's request path, as plain async Python (the servicer and the CLI both call it).

split -> detect -> decide -> redact -> egress re-check -> orchestrate -> re-identify -> audit

Fail closed at every step: a policy error keeps every section local; an egress hit withholds
the offending section (or the whole send); a cloud failure yields the local-only result.
What leaves is recorded in the audit log *before* it is sent, and the request's entries are
durable before the caller gets an answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agent.audit import AuditEntry, AuditLog, safe_reason
from agent.batching import MicroBatcher
from agent.detect import DetectionEngine
from agent.domain import Category, DocumentRequest, EntityType, Section, SectionAnalysis
from agent.egress import EgressChecker
from agent.escalate import CloudClient, CloudUnavailable
from agent.metrics import AgentMetrics
from agent.policy import PolicyEngine
from agent.policy.base import Action, Decision, Destination, RedactionMethod, SectionFacts
from agent.redact import redact
from agent.requests import TaskSpec
from agent.split import split_document
from agent.vault import DocumentPseudonyms, Vault
from bastion.errors import BastionError, InvalidInput, UpstreamError
from bastion.wire.v1 import cloud_pb2, common_pb2

# Section statuses, as the caller sees them.
SENT = "SENT"
WITHHELD_POLICY = "WITHHELD_POLICY"
WITHHELD_REVIEW = "WITHHELD_REVIEW"
WITHHELD_EGRESS = "WITHHELD_EGRESS"
WITHHELD_NO_DESTINATION = "WITHHELD_NO_DESTINATION"
WITHHELD_CLOUD_UNAVAILABLE = "WITHHELD_CLOUD_UNAVAILABLE"
WITHHELD_CLOUD_REFUSED = "WITHHELD_CLOUD_REFUSED"
WITHHELD_NO_CLOUD = "WITHHELD_NO_CLOUD"


def sha256_hex(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


@dataclass
class SectionOutcome:
    section: Section
    analysis: SectionAnalysis
    decision: Decision | None
    status: str
    reason: str
    destination: Destination | None = None
    redacted_types: dict[str, int] = field(default_factory=dict)
    outbound_text: str = ""
    bytes_sent: int = 0
    audit_ids: list[int] = field(default_factory=list)


@dataclass
class AnalyzeResult:
    request_id: str
    document_id: str
    sections: list[Section]
    analyses: list[SectionAnalysis]
    model_versions: list[str]
    audit_ids: list[int]


@dataclass
class RouteResult:
    request_id: str
    document_id: str
    policy_version: str
    status: str
    answer: str
    outcomes: list[SectionOutcome]
    cloud: cloud_pb2.OrchestrateResponse | None
    model_outputs: list[common_pb2.ModelOutput]
    audit_ids: list[int]


@dataclass
class _RoutePlan:
    """The per-section decisions of one Route request, before the egress re-check."""

    outcomes: list[SectionOutcome] = field(default_factory=list)
    removed_values: list[str] = field(default_factory=list)  # replaced in sent sections
    withheld_values: list[str] = field(default_factory=list)  # in sections kept local
    forbidden: set[EntityType] = field(default_factory=set)
    common: set[str] | None = None  # destinations every sent section allows
    by_name: dict[str, Destination] = field(default_factory=dict)

    def destinations(self) -> list[Destination]:
        return [self.by_name[n] for n in sorted(self.common or ())]


@dataclass
class Pipeline:
    """The stages, wired. Everything is injected; only entry points read the clock."""

    engine: DetectionEngine
    policy: PolicyEngine
    vault: Vault
    egress: EgressChecker
    audit: AuditLog
    cloud: CloudClient | None
    hash_key: bytes
    section_target_chars: int = 2000
    clock: Callable[[], float] = time.time
    metrics: AgentMetrics = field(default_factory=AgentMetrics)
    batcher: MicroBatcher | None = None

    async def close(self) -> None:
        """Release resources after the server drained: the audit log signs a final head."""
        if self.batcher is not None:
            await self.batcher.close()
        if self.cloud is not None:
            await self.cloud.close()
        self.audit.close()

    # -- stage helpers --------------------------------------------------------------------
    def sections_of(self, req: DocumentRequest) -> list[Section]:
        if req.sections:
            return list(req.sections)
        return split_document(req.text, self.section_target_chars)

    async def detect(self, sections: Sequence[Section]) -> list[SectionAnalysis]:
        texts = [s.text for s in sections]
        if self.batcher is not None:
            analyses = await self.batcher.analyze(texts)
        else:  # CPU-bound inference runs off the event loop.
            analyses = await asyncio.to_thread(self.engine.analyze, texts)
        if len(analyses) != len(texts):
            raise BastionError("detection returned the wrong number of results")
        for a in analyses:
            for t, n in a.entity_counts().items():
                self.metrics.entities.labels(t).inc(n)
        return analyses

    async def _record(self, entries: Sequence[AuditEntry]) -> list[int]:
        """Append to the audit log; returns once the entries are durable. The wait (group
        commit and the disk's fsync) is a metric: a slow disk shows in every request."""
        started = time.perf_counter()
        try:
            return await self.audit.append(entries)
        finally:
            self.metrics.audit_seconds.observe(time.perf_counter() - started)

    def _entry(
        self, req: DocumentRequest, policy: PolicyEngine, kind: str, **fields: object
    ) -> AuditEntry:
        base: dict[str, object] = {
            "kind": kind,
            "decision_id": f"{req.request_id}:{kind}:{fields.get('section_index', '')}",
            "time": self.clock(),
            "request_id": req.request_id,
            "tenant": req.tenant,
            "caller": req.caller,
            "document_sha256": sha256_hex(req.text),
            "model_versions": list(self.engine.model_versions),
            "policy_version": policy.version,
        }
        base.update(fields)
        if "reason" in base:  # policy authors' and our own words, made to fit the rule
            base["reason"] = safe_reason(str(base["reason"]))
        return AuditEntry(**base)  # type: ignore[arg-type]

    # -- Analyze --------------------------------------------------------------------------
    async def analyze(self, req: DocumentRequest) -> AnalyzeResult:
        started = self.clock()
        policy = self.policy  # one policy version for the whole request (bundles hot-swap)
        sections = self.sections_of(req)
        analyses = await self.detect(sections)
        counts: dict[str, int] = {}
        for a in analyses:
            for k, v in a.entity_counts().items():
                counts[k] = counts.get(k, 0) + v
        ids = await self._record(
            [
                self._entry(
                    req,
                    policy,
                    "request",
                    action="analyze",
                    status="ANALYZED",
                    entity_counts=counts,
                    latency_ms=(self.clock() - started) * 1000.0,
                    reason=f"{len(sections)} sections analysed locally; nothing left",
                )
            ]
        )
        return AnalyzeResult(
            req.request_id,
            req.document_id,
            sections,
            analyses,
            list(self.engine.model_versions),
            ids,
        )

    # -- Route ----------------------------------------------------------------------------
    def _decide(
        self, req: DocumentRequest, policy: PolicyEngine, analysis: SectionAnalysis
    ) -> Decision | None:
        facts = SectionFacts(
            tenant=req.tenant,
            source_jurisdiction=req.source_jurisdiction,
            category=analysis.category,
            entity_types=analysis.entity_types(),
        )
        try:
            return policy.decide(facts)
        except BastionError:
            return None  # fail closed: the caller sees WITHHELD_POLICY

    async def route(
        self, req: DocumentRequest, task: TaskSpec, *, deadline_s: float | None = None
    ) -> RouteResult:
        """Detect, decide, redact, re-check, record, send, restore, record: in that order."""
        started = self.clock()
        policy = self.policy  # one policy version for the whole request (bundles hot-swap)
        if not policy.tenant_known(req.tenant):
            raise InvalidInput("document.tenant is not configured in the residency policy")
        sections = self.sections_of(req)
        analyses = await self.detect(sections)
        pseudonyms = self.vault.for_document(req.tenant, req.document_id)
        plan = self._plan(req, policy, sections, analyses, pseudonyms)

        # The instruction is caller text too: pseudonymise whatever it names.
        instruction, instr_values = await self._redact_instruction(
            task.instruction, pseudonyms, policy
        )
        originals = plan.removed_values + instr_values + plan.withheld_values
        destinations = plan.destinations()
        payload, sendable = self._gated_payload(
            req, task, instruction, plan, destinations, originals
        )

        # Durable record of every decision (and of what is about to leave) before sending.
        pre_ids = await self._record_before_sending(
            req, policy, task, plan.outcomes, destinations, payload, len(sendable)
        )
        cloud_response, answer, model_outputs, post_entries = await self._ask_cloud(
            req, policy, task, payload, sendable, pseudonyms, deadline_s
        )
        await asyncio.to_thread(pseudonyms.save)

        outcomes = plan.outcomes
        sent = [o for o in outcomes if o.status == SENT]
        for o in outcomes:
            action = o.decision.action.value if o.decision else "policy_error"
            self.metrics.sections.labels(action, o.status).inc()
        status = "COMPLETE" if len(sent) == len(outcomes) else ("PARTIAL" if sent else "LOCAL_ONLY")
        post_entries.append(
            self._entry(
                req,
                policy,
                "request",
                action="route",
                status=status,
                latency_ms=(self.clock() - started) * 1000.0,
                orchestration_mode=task.mode_name,
                reason=f"{len(sent)} of {len(outcomes)} sections sent",
            )
        )
        post_ids = await self._record(post_entries)
        return RouteResult(
            req.request_id,
            req.document_id,
            policy.version,
            status,
            answer,
            outcomes,
            cloud_response,
            model_outputs,
            list(pre_ids) + list(post_ids),
        )

    def _plan(
        self,
        req: DocumentRequest,
        policy: PolicyEngine,
        sections: Sequence[Section],
        analyses: Sequence[SectionAnalysis],
        pseudonyms: DocumentPseudonyms,
    ) -> _RoutePlan:
        """Each section's decision, and the redacted text of those that may leave.

        Every section's detected values are collected: withheld sections' values too, so
        the egress re-check can find them if they turn up in what leaves."""
        plan = _RoutePlan()
        for section, analysis in zip(sections, analyses, strict=True):
            decision = self._decide(req, policy, analysis)
            out = SectionOutcome(section, analysis, decision, WITHHELD_POLICY, "")
            plan.outcomes.append(out)
            values = [section.text[e.start : e.end] for e in analysis.entities]
            if decision is None:
                out.reason = "policy evaluation failed; kept local (fail closed)"
                plan.withheld_values += values
                continue
            if not decision.action.may_leave:
                out.status = (
                    WITHHELD_REVIEW if decision.action is Action.REVIEW else WITHHELD_POLICY
                )
                out.reason = decision.reason or f"policy action {decision.action.value}"
                plan.withheld_values += values
                continue
            names = {d.name for d in decision.destinations}
            if self.cloud is None:
                out.status, out.reason = WITHHELD_NO_CLOUD, "no cloud tier is configured"
                plan.withheld_values += values
                continue
            if not names or (plan.common is not None and not (plan.common & names)):
                out.status = WITHHELD_NO_DESTINATION
                out.reason = (
                    "no destination allowed for this section"
                    if not names
                    else "no destination shared with the other sections of this request"
                )
                plan.withheld_values += values
                continue
            plan.common = names if plan.common is None else plan.common & names
            plan.by_name.update({d.name: d for d in decision.destinations})
            redaction = redact(section.text, analysis.entities, decision, pseudonyms, self.hash_key)
            out.status, out.outbound_text = SENT, redaction.text
            out.redacted_types = dict(redaction.replaced)
            plan.removed_values += redaction.removed_values
            plan.forbidden |= policy.forbidden_types(decision)
        return plan

    def _gated_payload(
        self,
        req: DocumentRequest,
        task: TaskSpec,
        instruction: str,
        plan: _RoutePlan,
        destinations: list[Destination],
        originals: list[str],
    ) -> tuple[bytes, list[SectionOutcome]]:
        """The exact bytes that would leave after the egress re-check, and their sections
        (empty bytes: nothing leaves)."""
        sendable = [o for o in plan.outcomes if o.status == SENT]
        payload = b""
        if sendable:
            payload, blocked = self._egress_gate(
                req, task, instruction, sendable, destinations, frozenset(plan.forbidden), originals
            )
            for o in blocked:
                o.status, o.reason = WITHHELD_EGRESS, "egress re-check found forbidden content"
            sendable = [o for o in sendable if o.status == SENT]
            if not sendable:
                payload = b""
        for o in sendable:
            o.destination = destinations[0]
            o.bytes_sent = len(o.outbound_text.encode("utf-8"))
        return payload, sendable

    async def _record_before_sending(
        self,
        req: DocumentRequest,
        policy: PolicyEngine,
        task: TaskSpec,
        outcomes: list[SectionOutcome],
        destinations: list[Destination],
        payload: bytes,
        n_sendable: int,
    ) -> list[int]:
        """Append every section's decision, and the send about to happen, durably."""
        entries = [self._section_entry(req, policy, o, task, destinations) for o in outcomes]
        if payload:
            entries.append(
                self._entry(
                    req,
                    policy,
                    "cloud_call",
                    action="send",
                    status="SENDING",
                    bytes_sent=len(payload),
                    sent_sha256=sha256_hex(payload),
                    destination=_dest_dict(destinations[0]),
                    orchestration_mode=task.mode_name,
                    reason=f"{n_sendable} sections to {len(destinations)} destinations: "
                    + ",".join(d.name for d in destinations),
                )
            )
        ids = await self._record(entries)
        for o, entry_id in zip(outcomes, ids, strict=False):
            o.audit_ids.append(entry_id)
        return ids

    async def _ask_cloud(
        self,
        req: DocumentRequest,
        policy: PolicyEngine,
        task: TaskSpec,
        payload: bytes,
        sendable: list[SectionOutcome],
        pseudonyms: DocumentPseudonyms,
        deadline_s: float | None,
    ) -> tuple[
        cloud_pb2.OrchestrateResponse | None, str, list[common_pb2.ModelOutput], list[AuditEntry]
    ]:
        """Send the payload (if any); on failure the sent sections fall back to local-only.

        Returns the response, the answer and outputs with pseudonyms restored, and the
        audit entries to append after the call."""
        entries: list[AuditEntry] = []
        if not payload or self.cloud is None:
            return None, "", [], entries
        cloud_started = time.perf_counter()
        try:
            response = await self.cloud.orchestrate(
                payload, deadline_s=deadline_s, request_id=req.request_id
            )
        except UpstreamError as exc:
            self.metrics.cloud_seconds.labels("error").observe(time.perf_counter() - cloud_started)
            outage = isinstance(exc, CloudUnavailable)
            for o in sendable:
                o.status = WITHHELD_CLOUD_UNAVAILABLE if outage else WITHHELD_CLOUD_REFUSED
                o.reason = (
                    "cloud tier unavailable; answered with the local result only"
                    if outage
                    else "cloud tier refused the request; answered with the local result only"
                )
            entries.append(
                self._entry(
                    req,
                    policy,
                    "cloud_call",
                    action="send",
                    status="FAILED",
                    reason=_safe_reason(exc),
                )
            )
            return None, "", [], entries
        self.metrics.cloud_seconds.labels("ok").observe(time.perf_counter() - cloud_started)
        answer = pseudonyms.reidentify(response.answer)
        outputs: list[common_pb2.ModelOutput] = []
        for mo in response.outputs:
            copy = common_pb2.ModelOutput()
            copy.CopyFrom(mo)
            copy.output = pseudonyms.reidentify(mo.output)
            outputs.append(copy)
        entries.append(
            self._entry(
                req,
                policy,
                "answer",
                action="receive",
                status="ANSWERED",
                response_sha256=sha256_hex(response.SerializeToString()),
                orchestration_mode=task.mode_name,
                reason=f"strategy {common_pb2.Resolution.Name(response.strategy)}"
                f"; agreement {response.agreement:.2f}",
            )
        )
        return response, answer, outputs, entries

    async def _redact_instruction(
        self, instruction: str, pseudonyms: DocumentPseudonyms, policy: PolicyEngine
    ) -> tuple[str, list[str]]:
        [analysis] = await self.detect([Section(0, "", 0, len(instruction), instruction)])
        if not analysis.entities:
            return instruction, []
        everything = {e.type: RedactionMethod.PSEUDONYMISE for e in analysis.entities}
        decision = Decision(Action.REDACT, ("instruction",), (), policy.version, everything)
        r = redact(instruction, analysis.entities, decision, pseudonyms, self.hash_key)
        return r.text, list(r.removed_values)

    def _build_payload(
        self,
        req: DocumentRequest,
        task: TaskSpec,
        instruction: str,
        sendable: Sequence[SectionOutcome],
        destinations: Sequence[Destination],
    ) -> bytes:
        msg = cloud_pb2.OrchestrateRequest(
            request_id=req.request_id,
            tenant=req.tenant,
            task=common_pb2.Task(
                instruction=instruction,
                mode=task.mode,  # type: ignore[arg-type]
                resolution=task.resolution,  # type: ignore[arg-type]
                max_output_tokens=task.max_output_tokens,
            ),
            sections=[
                cloud_pb2.OutboundSection(
                    index=o.section.index,
                    heading=o.section.heading if not o.redacted_types else "",
                    text=o.outbound_text,
                    category=o.analysis.category.value,
                )
                for o in sendable
            ],
            allowed_destinations=[destination_to_proto(d) for d in destinations],
        )
        payload: bytes = msg.SerializeToString()
        return payload

    def _egress_gate(
        self,
        req: DocumentRequest,
        task: TaskSpec,
        instruction: str,
        sendable: list[SectionOutcome],
        destinations: Sequence[Destination],
        forbidden: frozenset[EntityType],
        originals: Sequence[str],
    ) -> tuple[bytes, list[SectionOutcome]]:
        """Re-check exactly the bytes about to leave. Returns (payload or b"", blocked sections).

        On a hit, each section is re-checked alone to find the culprits, which are withheld;
        the payload is rebuilt and checked again. If the instruction itself is the culprit,
        or the rebuilt payload still fails, nothing is sent.
        """
        # Values the agent itself writes into the request from configuration: a protobuf
        # field equal to one of these is not document content.
        safe = [req.tenant, req.request_id, *(c.value for c in Category)]
        for d in destinations:
            safe += [d.name, d.provider, d.region, d.jurisdiction]

        def dirty(data: bytes) -> bool:
            return bool(self.egress.check(data, forbidden, originals, safe_strings=safe))

        payload = self._build_payload(req, task, instruction, sendable, destinations)
        if not dirty(payload):
            return payload, []
        if dirty(instruction.encode("utf-8")):
            return b"", list(sendable)
        blocked = [o for o in sendable if dirty(o.outbound_text.encode("utf-8"))]
        remaining = [o for o in sendable if o not in blocked]
        if not remaining:
            return b"", list(sendable)
        payload = self._build_payload(req, task, instruction, remaining, destinations)
        if dirty(payload):
            return b"", list(sendable)
        return payload, blocked

    def _section_entry(
        self,
        req: DocumentRequest,
        policy: PolicyEngine,
        o: SectionOutcome,
        task: TaskSpec,
        destinations: Sequence[Destination],
    ) -> AuditEntry:
        d = o.decision
        kind = "egress_block" if o.status == WITHHELD_EGRESS else "section"
        return self._entry(
            req,
            policy,
            kind,
            section_index=o.section.index,
            section_sha256=sha256_hex(o.section.text),
            category=o.analysis.category.value,
            entity_counts=o.analysis.entity_counts(),
            rule_ids=list(d.rule_ids) if d else ["policy-error"],
            action=d.action.value if d else Action.LOCAL_ONLY.value,
            destination=_dest_dict(destinations[0]) if o.status == SENT else None,
            bytes_sent=o.bytes_sent,
            sent_sha256=sha256_hex(o.outbound_text) if o.status == SENT else "",
            orchestration_mode=task.mode_name,
            status=o.status,
            reason=o.reason,
        )


def destination_to_proto(d: Destination) -> common_pb2.Destination:
    return common_pb2.Destination(
        name=d.name, provider=d.provider, region=d.region, jurisdiction=d.jurisdiction
    )


def _dest_dict(d: Destination) -> dict[str, str]:
    return {
        "name": d.name,
        "provider": d.provider,
        "region": d.region,
        "jurisdiction": d.jurisdiction,
    }


def _safe_reason(exc: BaseException) -> str:
    """Only the error's kind: upstream messages are not ours to vouch for."""
    return f"cloud call failed ({type(exc).__name__})"


__all__ = [
    "SENT",
    "WITHHELD_CLOUD_REFUSED",
    "WITHHELD_CLOUD_UNAVAILABLE",
    "WITHHELD_EGRESS",
    "WITHHELD_NO_DESTINATION",
    "WITHHELD_POLICY",
    "WITHHELD_REVIEW",
    "AnalyzeResult",
    "Pipeline",
    "RouteResult",
    "SectionOutcome",
]
