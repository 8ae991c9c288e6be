"""The agent's request path, as plain async Python (the servicer and the CLI both call it).

    govern -> detect -> decide -> redact -> gate -> record -> send -> restore -> record

Each phase is a function of its own module that returns new values (``units``,
``decide``, ``outbound``, ``gate``, ``outcomes``, ``record``); ``Pipeline`` wires them to
the stages it is given (detection engine, policy, vault, egress checker, audit log, cloud
client) and owns the order. Fail closed at every step: a policy error keeps a unit local;
an egress hit withholds the culprit (or everything); what leaves is durably recorded before
it is sent, and the request's entries are durable before the caller gets an answer; a
failure after the send is recorded as such and answered truthfully.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from agent.audit import AuditEntry, AuditLog
from agent.batching import MicroBatcher
from agent.domain import (
    AnalyzeResult,
    CloudAnswer,
    DocumentRequest,
    RouteResult,
    Section,
    SectionAnalysis,
    Status,
    Task,
    Unit,
    UnitOutcome,
)
from agent.escalate import CloudUnavailable, called_destinations
from agent.metrics import AgentMetrics
from agent.pipeline import outcomes
from agent.pipeline.context import RequestContext
from agent.pipeline.decide import Analysed, Plan, decide
from agent.pipeline.gate import NOTHING, Gated, OutboundChecker, gate
from agent.pipeline.outbound import Outbound, redact_plan
from agent.pipeline.record import Recorder
from agent.pipeline.units import section_units
from agent.policy import PolicyEngine
from agent.review.base import ReviewSink, ReviewSubmission
from agent.vault import DocumentPseudonyms, Vault
from bastion.errors import BastionError, InvalidInput, UpstreamError

log = logging.getLogger("bastion.agent")


class Detector(Protocol):
    """What the pipeline needs of ``agent.detect.DetectionEngine``."""

    @property
    def model_versions(self) -> list[str]: ...

    def analyze(self, texts: Sequence[str]) -> list[SectionAnalysis]: ...


class CloudSender(Protocol):
    """What the pipeline needs of ``agent.escalate.CloudClient``."""

    async def orchestrate(
        self, payload: bytes, *, deadline_s: float | None, request_id: str
    ) -> CloudAnswer: ...

    async def close(self) -> None: ...


def sha256_hex(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything decided before a send: what ``bastion policy explain`` shows."""

    ctx: RequestContext
    task: Task
    plan: Plan
    outbound: Outbound | None
    gated: Gated


@dataclass(frozen=True, slots=True)
class Sent:
    """How the send went: the answer, or whether the bytes may have left without one."""

    answer: CloudAnswer | None
    left: bool
    why: str
    entries: tuple[AuditEntry, ...]


NOT_SENT = Sent(None, False, "", ())


@dataclass(frozen=True, slots=True)
class Done:
    """A request after its send: every unit's outcome (sections, then the instruction),
    the restored answer, and the audit ids written on the way."""

    units: tuple[UnitOutcome, ...]
    answer: CloudAnswer | None
    audit_ids: tuple[int, ...]
    sent: Sent


@dataclass
class Pipeline:
    """The stages, wired. Everything is injected; only entry points read the clock.

    ``policy`` is swapped whole by the bundle reloader; each request reads it once."""

    engine: Detector
    policy: PolicyEngine
    vault: Vault
    egress: OutboundChecker
    audit: AuditLog | None
    cloud: CloudSender | None
    hash_key: bytes
    section_target_chars: int = 2000
    clock: Callable[[], float] = time.time
    new_request_id: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)
    metrics: AgentMetrics = field(default_factory=AgentMetrics)
    batcher: MicroBatcher | None = None
    review: ReviewSink | None = None  # where sections the policy holds for review go

    async def close(self) -> None:
        """Release resources after the server drained: the audit log signs a final head."""
        if self.batcher is not None:
            await self.batcher.close()
        if self.cloud is not None:
            await self.cloud.close()
        if self.audit is not None:
            self.audit.close()

    # -- phases ---------------------------------------------------------------------------
    def context(
        self,
        req: DocumentRequest,
        deadline_s: float | None = None,
        request_id: str | None = None,
    ) -> RequestContext:
        """``request_id``: one the server minted for this call (else a new one)."""
        return RequestContext.of(
            req,
            request_id=request_id or self.new_request_id(),
            policy=self.policy,  # one policy version for the whole request
            digest=self.digest,
            started=self.clock(),
            deadline_s=deadline_s,
        )

    def digest(self, data: str | bytes) -> str:
        """The audit log's keyed digest (a plain SHA-256 only without a log: the CLI)."""
        return self.audit.digest(data) if self.audit is not None else sha256_hex(data)

    async def detect(self, units: Sequence[Unit]) -> tuple[SectionAnalysis, ...]:
        texts = [u.text for u in units]
        if self.batcher is not None:
            analyses = await self.batcher.analyze(texts)
        else:  # CPU-bound inference runs off the event loop.
            analyses = await asyncio.to_thread(self.engine.analyze, texts)
        if len(analyses) != len(texts):
            raise BastionError("detection returned the wrong number of results")
        for a in analyses:
            for t, n in a.entity_counts().items():
                self.metrics.entities.labels(t).inc(n)
        return tuple(analyses)

    async def _record(self, entries: Sequence[AuditEntry]) -> list[int]:
        """Append to the audit log; returns once the entries are durable."""
        if self.audit is None:
            return []
        started = time.perf_counter()
        try:
            return await self.audit.append(entries)
        finally:
            self.metrics.audit_seconds.observe(time.perf_counter() - started)

    def _recorder(self, ctx: RequestContext) -> Recorder:
        return Recorder(ctx, self.digest, tuple(self.engine.model_versions))

    # -- Analyze --------------------------------------------------------------------------
    async def analyze(
        self, req: DocumentRequest, *, request_id: str | None = None
    ) -> AnalyzeResult:
        ctx = self.context(req, request_id=request_id)
        units = await asyncio.to_thread(section_units, req, self.section_target_chars)
        analyses = await self.detect(units)
        counts: dict[str, int] = {}
        for a in analyses:
            for k, v in a.entity_counts().items():
                counts[k] = counts.get(k, 0) + v
        entry = self._recorder(ctx).request(
            "analyze",
            "ANALYZED",
            self.clock(),
            entity_counts=counts,
            reason=f"{len(units)} sections analysed locally; nothing left",
        )
        ids = await self._record([entry])
        return AnalyzeResult(
            ctx.request_id,
            req.document_id,
            units,
            analyses,
            tuple(self.engine.model_versions),
            tuple(ids),
        )

    # -- Route ----------------------------------------------------------------------------
    async def prepare(
        self,
        req: DocumentRequest,
        task: Task,
        *,
        deadline_s: float | None = None,
        request_id: str | None = None,
        pseudonyms: DocumentPseudonyms | None = None,
        as_if_cloud: bool = False,
    ) -> Prepared:
        """Govern, detect, decide, redact and gate: everything short of sending.

        ``as_if_cloud``: decide as if a cloud tier were configured (``bastion policy
        explain`` shows what would leave; nothing is sent or recorded)."""
        ctx = self.context(req, deadline_s, request_id)
        if not ctx.policy.tenant_known(req.tenant):
            raise InvalidInput("document.tenant is not configured in the residency policy")
        sections = await asyncio.to_thread(section_units, req, self.section_target_chars)
        instruction = Unit.of_instruction(task.instruction)
        analyses = await self.detect([*sections, instruction])
        if pseudonyms is None:
            pseudonyms = self.vault.for_document(req.tenant, req.document_id)
        units = [Analysed(u, a) for u, a in zip((*sections, instruction), analyses, strict=True)]
        cloud = as_if_cloud or self.cloud is not None
        return await asyncio.to_thread(
            self._decide_redact_gate, ctx, task, units, pseudonyms, cloud
        )

    def _decide_redact_gate(
        self,
        ctx: RequestContext,
        task: Task,
        units: Sequence[Analysed],
        pseudonyms: DocumentPseudonyms,
        cloud_configured: bool,
    ) -> Prepared:
        """``units``: the sections, then the instruction, each with its analysis."""
        plan = decide(ctx, units[:-1], units[-1], cloud_configured=cloud_configured)
        outbound = redact_plan(plan, pseudonyms, self.hash_key)
        if outbound is None:
            return Prepared(ctx, task, plan, None, NOTHING)
        started = time.perf_counter()
        try:
            gated = gate(ctx, task, plan, outbound, self.egress)
        finally:
            self.metrics.egress_seconds.observe(time.perf_counter() - started)
        return Prepared(ctx, task, plan, outbound, gated)

    async def route(
        self,
        req: DocumentRequest,
        task: Task,
        *,
        deadline_s: float | None = None,
        request_id: str | None = None,
    ) -> RouteResult:
        """Prepare, record, hold for review, send, restore, record: in that order."""
        pseudonyms = self.vault.for_document(req.tenant, req.document_id)
        prepared = await self.prepare(
            req, task, deadline_s=deadline_s, request_id=request_id, pseudonyms=pseudonyms
        )
        done = await self.record_send_restore(prepared, pseudonyms, review_of=req)
        sections_out, instruction_out = done.units[:-1], done.units[-1]
        for o in sections_out:
            self.metrics.sections.labels(o.action, o.status.value).inc()
        status = outcomes.route_status(sections_out)
        n_sent = sum(1 for o in sections_out if o.status.left)
        closing = self._recorder(prepared.ctx).request(
            "route",
            status.value,
            self.clock(),
            orchestration_mode=task.mode,
            reason=f"{n_sent} of {len(sections_out)} sections sent",
        )
        closing_ids = await self._record([closing])
        return RouteResult(
            request_id=prepared.ctx.request_id,
            document_id=req.document_id,
            policy_version=prepared.ctx.policy.version,
            status=status,
            answer=done.answer.answer if done.answer else "",
            sections=sections_out,
            instruction=instruction_out,
            cloud=done.answer,
            audit_ids=(*done.audit_ids, *closing_ids),
        )

    async def record_send_restore(
        self,
        prepared: Prepared,
        pseudonyms: DocumentPseudonyms,
        *,
        review_of: DocumentRequest | None = None,
    ) -> Done:
        """Record every decision and what is about to leave (durable), hand sections the
        policy holds for review to the review queue, send, restore this request's
        placeholders in the answer, and record how the send went."""
        ctx, task, plan, gated = prepared.ctx, prepared.task, prepared.plan, prepared.gated
        recorder = self._recorder(ctx)
        sections, instruction = outcomes.before_send(plan, prepared.outbound, gated)

        # Durable record of every decision (and of what is about to leave) before sending.
        now = self.clock()
        units = [*sections, instruction]
        entries = [recorder.unit(o, task, now) for o in units]
        if gated.payload:
            entries.append(
                recorder.sending(gated.payload, plan.destinations, len(gated.sent), task, now)
            )
        pre_ids = await self._record(entries)
        units = [outcomes.with_audit_ids(o, [i]) for o, i in zip(units, pre_ids, strict=False)]
        if review_of is not None and self.review is not None:
            units = [await self._hold_for_review(ctx, review_of, task, o) for o in units]

        sent = await self._send(ctx, task, gated, plan, recorder)
        answer = sent.answer
        called = called_destinations(answer, plan.destinations) if answer else ()
        units = [
            outcomes.after_send(
                o, answered=answer is not None, left=sent.left, called=called, why=sent.why
            )
            for o in units
        ]
        restored = self._restore(answer, prepared.outbound, pseudonyms)
        await asyncio.to_thread(pseudonyms.save)
        post_ids = await self._record(sent.entries)
        return Done(tuple(units), restored, (*pre_ids, *post_ids), sent)

    async def _hold_for_review(
        self, ctx: RequestContext, req: DocumentRequest, task: Task, o: UnitOutcome
    ) -> UnitOutcome:
        """A section the policy sends to review enters the review queue (durably, and
        audited there); if the queue fails, the section simply stays local."""
        if o.status is not Status.WITHHELD_REVIEW or o.decision is None or o.unit.section is None:
            return o
        assert self.review is not None
        section = o.unit.section
        submission = ReviewSubmission(
            tenant=ctx.tenant,
            request_id=ctx.request_id,
            document_id=req.document_id,
            source_jurisdiction=ctx.source_jurisdiction,
            caller=ctx.caller,
            # the governed unit: heading and body, as detected and decided
            section=Section(
                section.index, section.heading, section.start, section.end, o.unit.text
            ),
            analysis=o.analysis,
            decision=o.decision,
            task=task,
        )
        try:
            review_id = await self.review.enqueue(submission)
        except BastionError:
            log.error("review_enqueue_failed", extra={"request_id": ctx.request_id})
            return replace(o, reason=o.reason + "; the review queue refused it, kept local")
        return replace(o, review_id=review_id, reason=f"held for review ({review_id})")

    async def _send(
        self,
        ctx: RequestContext,
        task: Task,
        gated: Gated,
        plan: Plan,
        recorder: Recorder,
    ) -> Sent:
        """Send the payload, if any. Never raises for a failure of the send itself: the
        result says whether the bytes may have left, and the entries record it."""
        if not gated.payload or self.cloud is None:
            return NOT_SENT
        started = time.perf_counter()
        try:
            answer = await self.cloud.orchestrate(
                gated.payload, deadline_s=ctx.deadline_s, request_id=ctx.request_id
            )
        except UpstreamError as exc:
            self.metrics.cloud_seconds.labels("error").observe(time.perf_counter() - started)
            left = not isinstance(exc, CloudUnavailable)
            why = (
                "sent to the cloud tier, which gave no answer; answered with the local result"
                if left
                else "cloud tier unavailable; nothing was sent; answered with the local result"
            )
            entry = recorder.failed_send(gated.payload, left, exc, task, self.clock())
            return Sent(None, left, why, (entry,))
        self.metrics.cloud_seconds.labels("ok").observe(time.perf_counter() - started)
        called = called_destinations(answer, plan.destinations)
        allowed = {d.name for d in plan.destinations}
        strays = [d for d in called if d.name not in allowed]
        if strays:  # the tier broke the contract: record it, count it, say it loudly
            self.metrics.cloud_disallowed.inc(len(strays))
            log.error("cloud_called_disallowed_destination", extra={"request_id": ctx.request_id})
        entry = recorder.answer(
            answer.digest_input, called, answer.strategy, answer.agreement, task, self.clock()
        )
        return Sent(answer, True, "", (entry,))

    def _restore(
        self, answer: CloudAnswer | None, outbound: Outbound | None, pseudonyms: DocumentPseudonyms
    ) -> CloudAnswer | None:
        """The answer with this request's placeholders restored; nothing else is."""
        if answer is None:
            return None
        issued = outbound.issued if outbound else frozenset()

        def restore(text: str) -> str:
            return pseudonyms.reidentify(text, issued=issued)

        return replace(
            answer,
            answer=restore(answer.answer),
            calls=tuple(replace(c, output=restore(c.output)) for c in answer.calls),
        )


__all__ = ["CloudSender", "Detector", "Pipeline", "Prepared", "Status", "UnitOutcome"]
