"""The outbound request and the cloud tier's answer, in and out of protobuf.

The pipeline hands this stage an ``OutboundRequest`` built only from governed units and
values the agent itself mints or reads from configuration; ``encode`` turns it into the
exact bytes that the egress re-check passes and the client sends. ``decode`` turns the
tier's response into a ``CloudAnswer``. Nothing else in the agent's request path touches
the cloud tier's protobuf.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.domain import CloudAnswer, ModelCallRecord, Task
from agent.policy.base import Destination
from bastion.errors import UpstreamError
from bastion.wire.v1 import cloud_pb2, common_pb2


@dataclass(frozen=True, slots=True)
class OutboundSection:
    """A governed section as it leaves: its redacted unit text (heading included)."""

    index: int
    text: str
    category: str


@dataclass(frozen=True, slots=True)
class OutboundRequest:
    """Everything that leaves for one request. ``request_id`` is minted by the agent,
    ``tenant`` is a tenant the policy configures, ``task.instruction`` is the redacted
    instruction unit, ``destinations`` come from the policy."""

    request_id: str
    tenant: str
    task: Task
    sections: tuple[OutboundSection, ...]
    destinations: tuple[Destination, ...]


def encode(request: OutboundRequest) -> bytes:
    """The serialized ``OrchestrateRequest``: the bytes the egress re-check must pass."""
    message = cloud_pb2.OrchestrateRequest(
        request_id=request.request_id,
        tenant=request.tenant,
        task=common_pb2.Task(
            instruction=request.task.instruction,
            mode=request.task.mode,
            resolution=request.task.resolution,
            max_output_tokens=request.task.max_output_tokens,
        ),
        sections=[
            cloud_pb2.OutboundSection(index=s.index, text=s.text, category=s.category)
            for s in request.sections
        ],
        allowed_destinations=[destination_to_proto(d) for d in request.destinations],
    )
    payload: bytes = message.SerializeToString()
    return payload


def decode(data: bytes, request_id: str) -> CloudAnswer:
    """The tier's serialized response to ``request_id``; ``UpstreamError`` if it does not
    parse or answers another request."""
    try:
        response = cloud_pb2.OrchestrateResponse.FromString(data)
        strategy = common_pb2.Resolution.Name(response.strategy)
    except Exception:
        raise UpstreamError("the cloud tier's response does not parse") from None
    if response.request_id != request_id:
        raise UpstreamError("the cloud tier answered another request id")
    return CloudAnswer(
        answer=response.answer,
        calls=tuple(
            ModelCallRecord(
                provider=o.provider,
                model=o.model,
                role=o.role,
                output=o.output,
                confidence=o.confidence,
                prompt_tokens=o.prompt_tokens,
                completion_tokens=o.completion_tokens,
                latency_ms=o.latency_ms,
                cost_usd=o.cost_usd,
                error=o.error,
                round=o.round,
                destination=o.destination,
            )
            for o in response.outputs
        ),
        agreement=response.agreement,
        strategy=strategy,
        needs_review=response.needs_review,
        disagreement=response.disagreement,
        injection_findings=tuple(response.injection_findings),
        digest_input=data,
    )


def destination_to_proto(d: Destination) -> common_pb2.Destination:
    return common_pb2.Destination(
        name=d.name, provider=d.provider, region=d.region, jurisdiction=d.jurisdiction
    )


def called_destinations(
    answer: CloudAnswer, allowed: Sequence[Destination]
) -> tuple[Destination, ...]:
    """Every destination the tier reports having called: the allowed ones in the allowed
    order, then any it names that was not allowed (a misbehaving tier), by name only.

    A tier that names no destination for its calls (an older tier) is taken to have
    called every allowed one: the record must not claim fewer than may have seen the data.
    """
    named = {c.destination for c in answer.calls if c.destination}
    if not named:
        return tuple(allowed)
    known = {d.name for d in allowed}
    strays = sorted(named - known)
    return (
        *(d for d in allowed if d.name in named),
        *(Destination(name, "", "", "") for name in strays),
    )
