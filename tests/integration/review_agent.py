"""A real agent (gRPC on loopback, the real models, policy, vault and audit log) that also
serves the Review service and hands review sections to the review queue.

Until the pipeline refactor (issue 20) wires ``ReviewSink`` into ``Pipeline.route`` and
``Review`` into ``agent.service.create_server``, this harness does exactly that wiring
from the outside: the same guard interceptor, the same EdgeAgent servicer, and after
each Route the sections whose status is WITHHELD_REVIEW are enqueued, as the pipeline
will do. The sender is the explicit test implementation (tests/fakes/review_sender.py).
"""

from __future__ import annotations

import asyncio
import contextlib

import grpc

from agent.auth import Authenticator
from agent.config import AgentConfig
from agent.pipeline import WITHHELD_REVIEW, Pipeline
from agent.requests import task_from_proto
from agent.review import ReviewDesk, ReviewQueue, ReviewSubmission, ReviewTask
from agent.review.queue import queue_key
from agent.review.service import add_review_service
from agent.service import (
    CURRENT_IDENTITY,
    EdgeAgentServicer,
    GuardInterceptor,
    InFlightLimiter,
    _document,
    build_pipeline,
    route_to_proto,
)
from bastion.wire.v1 import agent_pb2, agent_pb2_grpc
from tests.fakes.review_sender import RecordingSender


class ReviewingEdgeAgent(EdgeAgentServicer):
    def __init__(self, pipeline: Pipeline, config: AgentConfig, desk: ReviewDesk) -> None:
        super().__init__(pipeline, config.limits)
        self.desk = desk
        self.review_ids: list[str] = []

    async def Route(
        self, request: agent_pb2.RouteRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.RouteResponse:
        doc = _document(request.document, self.limits)
        task = task_from_proto(request.task)
        result = await self.pipeline.route(doc, task, deadline_s=context.time_remaining())
        for o in result.outcomes:
            if o.status != WITHHELD_REVIEW or o.decision is None:
                continue
            sub = ReviewSubmission(
                tenant=doc.tenant,
                request_id=doc.request_id,
                document_id=doc.document_id,
                source_jurisdiction=doc.source_jurisdiction,
                caller=doc.caller,
                section=o.section,
                analysis=o.analysis,
                decision=o.decision,
                task=ReviewTask(
                    task.instruction,
                    int(task.mode),
                    int(task.resolution),
                    task.max_output_tokens,
                    task.mode_name,
                ),
            )
            self.review_ids.append(await self.desk.enqueue(sub))
        return route_to_proto(result)


class ReviewingAgent:
    def __init__(self, server: grpc.aio.Server, pipeline: Pipeline, servicer: ReviewingEdgeAgent):
        self.server = server
        self.pipeline = pipeline
        self.servicer = servicer
        # As AgentServer does: an idle agent signs waiting entries every sign_every_s.
        self._signer = asyncio.get_running_loop().create_task(pipeline.audit.sign_periodically())

    async def stop(self, grace: float | None) -> None:
        await self.server.stop(grace)
        self._signer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._signer
        await self.pipeline.close()


async def create_reviewing_agent(
    config: AgentConfig,
) -> tuple[ReviewingAgent, int]:
    pipeline = build_pipeline(config)
    vault_key = config.vault.load_key()
    sender = RecordingSender(pipeline.audit)
    desk = ReviewDesk(
        ReviewQueue(config.review_db, queue_key(vault_key), pipeline.clock),
        pipeline.audit,
        lambda: pipeline.policy,
        pipeline.vault,
        pipeline.hash_key,
        sender,
        pipeline.clock,
    )
    guard = GuardInterceptor(
        Authenticator(config.tenants_auth, config.auth_required),
        InFlightLimiter(config.limits.max_in_flight),
        pipeline.metrics,
    )
    server = grpc.aio.server(interceptors=[guard])
    servicer = ReviewingEdgeAgent(pipeline, config, desk)
    agent_pb2_grpc.add_EdgeAgentServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    add_review_service(server, desk, CURRENT_IDENTITY.get)
    port = server.add_insecure_port(config.listen)
    await server.start()
    return ReviewingAgent(server, pipeline, servicer), port
