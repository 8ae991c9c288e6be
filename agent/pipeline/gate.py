"""Gate: build the exact outbound bytes once, re-check them independently, withhold culprits.

The request that would leave is encoded by the escalate stage from the redacted units and
values the agent mints (its own request id, the tenant, categories, destinations). The
egress checker (``agent.egress``, which shares no code with detection) looks at those
exact bytes - including its string fields joined end to end, since protobuf framing sits
between two sections' texts and a number cut across a section boundary is only whole when
joined. On a hit the culprits are found - the instruction alone (then nothing leaves),
each section alone, then each pair of neighbours joined - withheld, and the rebuilt
request is checked again; if it still fails, nothing leaves.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from agent.domain import Category, EntityType, Task
from agent.egress import KnownValues
from agent.escalate import OutboundRequest, OutboundSection, encode
from agent.pipeline.context import RequestContext
from agent.pipeline.decide import Plan
from agent.pipeline.outbound import Outbound, RedactedUnit


class OutboundChecker(Protocol):
    """What the gate needs of ``agent.egress.EgressChecker``: violations, empty if clean."""

    def known_values(self, values: Sequence[tuple[EntityType | None, str]]) -> KnownValues: ...

    def check(
        self,
        payload: bytes,
        forbidden: Collection[EntityType],
        known: KnownValues | Sequence[str] = (),
        *,
        issued_placeholders: Collection[str] = (),
        safe_strings: Collection[str] = (),
    ) -> Sequence[object]: ...


@dataclass(frozen=True, slots=True)
class Gated:
    """The outcome of the re-check. ``payload`` is empty when nothing may leave."""

    request: OutboundRequest | None
    payload: bytes
    sent: frozenset[int]  # section indices in the payload
    blocked: frozenset[int]  # section indices withheld by the re-check
    instruction_blocked: bool


NOTHING = Gated(None, b"", frozenset(), frozenset(), False)


def gate(
    ctx: RequestContext, task: Task, plan: Plan, outbound: Outbound, checker: OutboundChecker
) -> Gated:
    safe: list[str] = [ctx.tenant, ctx.request_id, *(c.value for c in Category)]
    for d in plan.destinations:
        safe += [d.name, d.provider, d.region, d.jurisdiction]

    known = checker.known_values(list(outbound.known_values))

    def dirty(data: bytes) -> bool:
        found = checker.check(
            data,
            plan.forbidden,
            known,
            safe_strings=safe,
            issued_placeholders=outbound.issued,
        )
        return bool(found)

    def joined(units: Sequence[RedactedUnit]) -> bytes:
        return "".join(u.text for u in units).encode("utf-8")

    def build(sections: Sequence[RedactedUnit]) -> tuple[OutboundRequest, bytes]:
        request = OutboundRequest(
            request_id=ctx.request_id,
            tenant=ctx.tenant,
            task=Task(
                outbound.instruction.text, task.mode, task.resolution, task.max_output_tokens
            ),
            sections=tuple(
                OutboundSection(u.index, u.text, u.verdict.analysis.category.value)
                for u in sections
            ),
            destinations=plan.destinations,
        )
        return request, encode(request)

    def clean(sections: Sequence[RedactedUnit]) -> tuple[OutboundRequest, bytes] | None:
        request, payload = build(sections)
        return None if dirty(payload) else (request, payload)

    everything = list(outbound.sections)
    passed = clean(everything)
    if passed is None:
        if dirty(outbound.instruction.text.encode("utf-8")):
            return Gated(None, b"", frozenset(), frozenset(u.index for u in everything), True)
        remaining = [u for u in everything if not dirty(u.text.encode("utf-8"))]
        chain = [outbound.instruction, *remaining]
        culprits: set[int] = set()
        for a, b in itertools.pairwise(chain):
            if dirty(joined([a, b])):  # a value cut across the boundary of a and b
                culprits.add(id(b))
                if a is not outbound.instruction:
                    culprits.add(id(a))
        remaining = [u for u in remaining if id(u) not in culprits]
        passed = clean(remaining) if remaining else None
        if passed is None:
            return Gated(None, b"", frozenset(), frozenset(u.index for u in everything), False)
    request, payload = passed
    sent = frozenset(s.index for s in request.sections)
    blocked = frozenset(u.index for u in everything) - sent
    return Gated(request, payload, sent, blocked, False)
