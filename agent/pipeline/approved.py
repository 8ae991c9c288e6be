"""Send a section a reviewer approved: the same phases as a request, for one section.

``ApprovedSectionSender`` is the ``ApprovedSender`` of ``agent.review``. The reviewer saw
``release.outbound_text`` (the section redacted under the release decision); that exact
text leaves, with the original request's instruction - governed again now like any
instruction: detected, classified, decided by the policy in force and redacted. The gate
re-checks the exact outbound bytes (the section's and the instruction's detected values
are known values); every decision and the send are recorded before anything leaves and
the answer after; only this send's placeholders are restored.
"""

from __future__ import annotations

from dataclasses import replace

from agent.domain import DocumentRequest, Status, Unit, UnitKind
from agent.pipeline.core import Done, Pipeline, Prepared
from agent.pipeline.decide import MAY_LEAVE, Analysed, Plan, Verdict, decide
from agent.pipeline.gate import NOTHING, gate
from agent.pipeline.outbound import Outbound, RedactedUnit
from agent.policy.base import Action
from agent.redact import redact
from agent.review.base import Release, ReviewItem, SendOutcome


class ApprovedSectionSender:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    async def send_approved(self, item: ReviewItem, release: Release, reviewer: str) -> SendOutcome:
        p, sub = self.pipeline, item.submission
        pseudonyms = release.pseudonyms
        if pseudonyms is None:
            return SendOutcome(False, Status.WITHHELD_POLICY.value, "no pseudonyms for this send")
        req = DocumentRequest(
            sub.tenant, sub.document_id, sub.source_jurisdiction, sub.section.text,
            caller=f"review:{reviewer}",
        )  # fmt: skip
        ctx = p.context(req)
        instruction = Unit.of_instruction(sub.task.instruction)
        [i_analysis] = await p.detect([instruction])
        i_verdict = decide(
            ctx, (), Analysed(instruction, i_analysis), cloud_configured=p.cloud is not None
        ).instruction
        section = Unit(UnitKind.SECTION, sub.section.index, sub.section.text, sub.section, 0)
        verdict = Verdict(section, sub.analysis, release.decision, MAY_LEAVE, "")

        # The instruction may leave only where the approved section may go.
        i_decision = i_verdict.decision
        allowed = {d.name for d in release.destinations}
        shared = tuple(
            d for d in (i_decision.destinations if i_decision else ()) if d.name in allowed
        )
        leaves = i_decision is not None and i_decision.action.may_leave and bool(shared)
        if p.cloud is None:
            i_verdict = replace(i_verdict, status=Status.WITHHELD_NO_CLOUD, reason="no cloud tier")
        elif not leaves:
            why = i_verdict.reason or "no destination shared with the approved section"
            i_verdict = replace(i_verdict, status=Status.WITHHELD_POLICY, reason=why)
        else:
            i_verdict = replace(i_verdict, status=MAY_LEAVE, reason="")
        if not i_verdict.may_leave:
            held = replace(verdict, status=Status.WITHHELD_INSTRUCTION, reason=i_verdict.reason)
            plan = Plan((held,), i_verdict, (), frozenset())
            prepared = Prepared(ctx, sub.task, plan, None, NOTHING)
            return _outcome(await p.record_send_restore(prepared, pseudonyms), release)

        assert i_decision is not None
        r = redact(instruction.text, i_analysis.entities, i_decision, pseudonyms, p.hash_key)
        values = [(e.type, instruction.text[e.start : e.end]) for e in i_analysis.entities]
        plan = Plan(
            (verdict,),
            i_verdict,
            shared,
            release.forbidden | ctx.policy.forbidden_types(i_decision),
        )
        outbound = Outbound(
            sections=(RedactedUnit(verdict, release.outbound_text, release.redacted_types),),
            instruction=RedactedUnit(i_verdict, r.text, dict(r.replaced)),
            issued=release.issued | frozenset(r.replacements),
            known_values=(
                *release.originals,
                *(values if i_decision.action is not Action.ALLOW else ()),
            ),
        )
        gated = gate(ctx, sub.task, plan, outbound, p.egress)
        prepared = Prepared(ctx, sub.task, plan, outbound, gated)
        return _outcome(await p.record_send_restore(prepared, pseudonyms), release)


def _outcome(done: Done, release: Release) -> SendOutcome:
    section = done.units[0]
    sent = section.status.left  # SENT_NO_ANSWER left too: the caller must know
    return SendOutcome(
        sent=sent,
        status=section.status.value,
        reason=section.reason,
        destination=section.destinations[0] if section.destinations else None,
        bytes_sent=section.bytes_sent,
        sent_sha256=release.sent_sha256 if sent else "",
        answer=done.answer.answer if done.answer else "",
        audit_ids=done.audit_ids,
    )
