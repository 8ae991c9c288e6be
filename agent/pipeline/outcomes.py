"""Settle: each unit's status and account, before the send and after it.

Pure functions over the phases' values. Before the send a unit the gate passed is
``SENT`` (cleared to leave, and recorded so before anything leaves); after the send it is
``SENT`` if the tier answered, ``SENT_NO_ANSWER`` if the bytes may have reached the tier
without an answer, or ``WITHHELD_CLOUD_UNAVAILABLE`` if they never left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from agent.domain import RouteStatus, Status, UnitOutcome
from agent.pipeline.decide import Plan, Verdict
from agent.pipeline.gate import Gated
from agent.pipeline.outbound import Outbound, RedactedUnit
from agent.policy.base import Destination

_EGRESS_REASON = "egress re-check found forbidden content"


def _outcome(
    verdict: Verdict,
    status: Status,
    reason: str,
    redacted: RedactedUnit | None = None,
    destinations: Sequence[Destination] = (),
) -> UnitOutcome:
    sent = redacted is not None and status is Status.SENT
    return UnitOutcome(
        unit=verdict.unit,
        analysis=verdict.analysis,
        decision=verdict.decision,
        status=status,
        reason=reason,
        destinations=tuple(destinations) if sent else (),
        redacted_types=dict(redacted.replaced) if sent and redacted else {},
        bytes_sent=len(redacted.text.encode("utf-8")) if sent and redacted else 0,
        sent_text=redacted.text if sent and redacted else "",
    )


def before_send(
    plan: Plan, outbound: Outbound | None, gated: Gated
) -> tuple[tuple[UnitOutcome, ...], UnitOutcome]:
    """Section outcomes and the instruction's, as they stand when the send begins."""
    redacted = {u.index: u for u in outbound.sections} if outbound else {}
    sections: list[UnitOutcome] = []
    for v in plan.sections:
        if not v.may_leave:
            sections.append(_outcome(v, v.status, v.reason))
        elif gated.instruction_blocked:
            sections.append(
                _outcome(
                    v,
                    Status.WITHHELD_INSTRUCTION,
                    "the task instruction failed the egress re-check; nothing was sent",
                )
            )
        elif v.unit.index in gated.blocked:
            sections.append(_outcome(v, Status.WITHHELD_EGRESS, _EGRESS_REASON))
        else:
            sections.append(_outcome(v, Status.SENT, "", redacted[v.unit.index], plan.destinations))
    iv = plan.instruction
    if not iv.may_leave:
        instruction = _outcome(iv, iv.status, iv.reason)
    elif gated.instruction_blocked:
        instruction = _outcome(iv, Status.WITHHELD_EGRESS, _EGRESS_REASON)
    elif not gated.payload:
        instruction = _outcome(
            iv,
            Status.WITHHELD_EGRESS,
            "every section failed the egress re-check, so the instruction stays local too",
        )
    else:
        assert outbound is not None
        instruction = _outcome(iv, Status.SENT, "", outbound.instruction, plan.destinations)
    return tuple(sections), instruction


def after_send(
    outcome: UnitOutcome, *, answered: bool, left: bool, called: Sequence[Destination], why: str
) -> UnitOutcome:
    """A unit that was cleared to leave, once the send is over."""
    if outcome.status is not Status.SENT:
        return outcome
    if answered:
        return replace(outcome, destinations=tuple(called))
    if left:
        return replace(outcome, status=Status.SENT_NO_ANSWER, reason=why)
    return replace(
        outcome,
        status=Status.WITHHELD_CLOUD_UNAVAILABLE,
        reason=why,
        destinations=(),
        redacted_types={},
        bytes_sent=0,
        sent_text="",
    )


def route_status(sections: Sequence[UnitOutcome]) -> RouteStatus:
    sent = [o for o in sections if o.status.left]
    if sent and len(sent) == len(sections) and all(o.status is Status.SENT for o in sent):
        return RouteStatus.COMPLETE
    return RouteStatus.PARTIAL if sent else RouteStatus.LOCAL_ONLY


def with_audit_ids(outcome: UnitOutcome, ids: Sequence[int]) -> UnitOutcome:
    return replace(outcome, audit_ids=(*outcome.audit_ids, *ids))
