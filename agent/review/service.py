"""The ``Review`` gRPC service: a thin servicer over ``ReviewDesk``.

Authentication, error mapping and the in-flight bound come from the agent's guard
interceptor (``agent.server.interceptors.GuardInterceptor``), which sets the caller's
identity; the servicer reads it through the injected ``identity`` callable, so this module
does not import the agent's server. ``agent.server.app`` wires it with::

    ReviewServicer(desk, lambda: CURRENT_CALL.get().identity)
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

from agent.auth import Identity
from agent.policy.base import Destination
from agent.review.base import ReviewItem, ReviewState
from agent.review.desk import ReviewDesk
from bastion.errors import InvalidInput
from bastion.wire.v1 import common_pb2, review_pb2, review_pb2_grpc


def _ms(t: float | None) -> int:
    return 0 if t is None else round(t * 1000)


def summary_to_proto(item: ReviewItem) -> review_pb2.ReviewSummary:
    sub = item.submission
    return review_pb2.ReviewSummary(
        id=item.id,
        tenant=sub.tenant,
        state=item.state.value,
        created_unix_ms=_ms(item.created),
        decided_unix_ms=_ms(item.decided),
        request_id=sub.request_id,
        section_index=sub.section.index,
        category=sub.analysis.category.value,
        entity_counts=sub.analysis.entity_counts(),
        rule_ids=list(sub.decision.rule_ids),
        policy_version=sub.decision.policy_version,
        section_sha256=_sha(sub.section.text),
        reviewer=item.reviewer,
        deny_reason=item.deny_reason,
        send_status=item.outcome.status if item.outcome else "",
    )


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _dest(d: Destination | None) -> common_pb2.Destination | None:
    if d is None:
        return None
    return common_pb2.Destination(
        name=d.name, provider=d.provider, region=d.region, jurisdiction=d.jurisdiction
    )


def _state(text: str) -> ReviewState | None:
    if not text:
        return None
    try:
        return ReviewState(text)
    except ValueError:
        raise InvalidInput(f"state must be one of {[s.value for s in ReviewState]}") from None


class ReviewServicer(review_pb2_grpc.ReviewServicer):
    def __init__(self, desk: ReviewDesk, identity: Callable[[], Identity]) -> None:
        self.desk = desk
        self._identity = identity

    async def List(
        self, request: review_pb2.ListReviewsRequest, context: grpc.aio.ServicerContext
    ) -> review_pb2.ListReviewsResponse:
        items = self.desk.list(self._identity(), request.tenant or None, _state(request.state))
        return review_pb2.ListReviewsResponse(items=[summary_to_proto(i) for i in items])

    async def Get(
        self, request: review_pb2.GetReviewRequest, context: grpc.aio.ServicerContext
    ) -> review_pb2.ReviewDetail:
        view = self.desk.view(self._identity(), request.tenant, request.id)
        item, release = view.item, view.release
        sub = item.submission
        out = review_pb2.ReviewDetail(
            summary=summary_to_proto(item),
            heading=sub.section.heading,
            text=sub.section.text,
            entities=[
                review_pb2.EntityMark(type=e.type.value, start=e.start, end=e.end)
                for e in sub.analysis.entities
            ],
            approvable=release is not None and item.state is ReviewState.PENDING,
            why_not=view.why_not,
            current_action=view.current_action,
            note=item.note,
        )
        if release is not None:
            out.preview = release.outbound_text
            out.preview_sha256 = release.sent_sha256
            out.destinations.extend(d for d in map(_dest, release.destinations) if d)
            out.release_rule_ids.extend(release.decision.rule_ids)
            for k, v in release.redacted_types.items():
                out.redacted_types[k] = v
        return out

    async def Decide(
        self, request: review_pb2.DecideRequest, context: grpc.aio.ServicerContext
    ) -> review_pb2.DecideResponse:
        item = await self.desk.decide(
            self._identity(),
            request.tenant,
            request.id,
            approve=request.approve,
            reviewer=request.reviewer,
            preview_sha256=request.preview_sha256,
            deny_reason=request.deny_reason,
            note=request.note,
        )
        out = review_pb2.DecideResponse(summary=summary_to_proto(item))
        if item.outcome is None:
            out.status, out.reason = "DENIED", f"kept local: {item.deny_reason}"
        else:
            out.status, out.reason = item.outcome.status, item.outcome.reason
            out.bytes_sent = item.outcome.bytes_sent
            dest = _dest(item.outcome.destination)
            if dest is not None:
                out.destination.CopyFrom(dest)
        return out

    async def GetResult(
        self, request: review_pb2.GetReviewResultRequest, context: grpc.aio.ServicerContext
    ) -> review_pb2.ReviewResult:
        item = self.desk.result(self._identity(), request.tenant, request.id)
        out = review_pb2.ReviewResult(summary=summary_to_proto(item))
        if item.outcome is not None:
            out.status, out.reason = item.outcome.status, item.outcome.reason
            out.answer = item.outcome.answer
            out.bytes_sent = item.outcome.bytes_sent
            dest = _dest(item.outcome.destination)
            if dest is not None:
                out.destination.CopyFrom(dest)
        elif item.state is ReviewState.DENIED:
            out.status, out.reason = "DENIED", f"kept local by a reviewer: {item.deny_reason}"
        else:
            out.status, out.reason = "WITHHELD_REVIEW", "waiting for a reviewer"
        return out
