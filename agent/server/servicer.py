"""``EdgeAgentServicer``: thin. Convert protobuf to domain objects, call the pipeline,
convert back; the interceptor has already authenticated the caller and minted the id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from agent.config import Limits
from agent.domain import DocumentRequest
from agent.pipeline import Pipeline
from agent.server.decode import document_from_proto, task_from_proto
from agent.server.encode import analyze_response, route_response
from agent.server.interceptors import CURRENT_CALL
from bastion.errors import InvalidInput, LimitExceeded
from bastion.wire.v1 import agent_pb2, agent_pb2_grpc


def _document(request_doc: agent_pb2.Document, limits: Limits) -> DocumentRequest:
    """Validate and convert; the caller may act only for its own tenant."""
    call = CURRENT_CALL.get()
    doc = document_from_proto(
        request_doc,
        limits,
        caller=call.identity.caller,
        caller_request_id=call.caller_request_id,
    )
    call.identity.check_tenant(doc.tenant)
    return doc


class EdgeAgentServicer(agent_pb2_grpc.EdgeAgentServicer):
    def __init__(self, pipeline: Pipeline, limits: Limits) -> None:
        self.pipeline = pipeline
        self.limits = limits

    async def Analyze(
        self, request: agent_pb2.AnalyzeRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.AnalyzeResponse:
        doc = _document(request.document, self.limits)
        result = await self.pipeline.analyze(doc, request_id=CURRENT_CALL.get().request_id)
        return analyze_response(result)

    async def Route(
        self, request: agent_pb2.RouteRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.RouteResponse:
        return await self._route(request, context)

    async def RouteStream(
        self,
        request_iterator: AsyncIterator[agent_pb2.RouteChunk],
        context: grpc.aio.ServicerContext,
    ) -> agent_pb2.RouteResponse:
        request = await assemble_stream(
            request_iterator, self.limits.max_stream_chunks, self.limits.max_document_chars * 4
        )
        return await self._route(request, context)

    async def _route(
        self, request: agent_pb2.RouteRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.RouteResponse:
        doc = _document(request.document, self.limits)
        task = task_from_proto(request.task)
        result = await self.pipeline.route(
            doc,
            task,
            deadline_s=context.time_remaining(),
            request_id=CURRENT_CALL.get().request_id,
        )
        return route_response(result)


async def assemble_stream(
    chunks: AsyncIterator[agent_pb2.RouteChunk], max_chunks: int, max_bytes: int
) -> agent_pb2.RouteRequest:
    """Concatenate a RouteStream into one RouteRequest, refusing oversize streams early."""
    request = agent_pb2.RouteRequest()
    text = bytearray()
    count = 0
    size = 0
    async for chunk in chunks:
        count += 1
        if count > max_chunks:
            raise LimitExceeded(f"stream has more than {max_chunks} chunks")
        if count == 1:
            if not chunk.HasField("header"):
                raise InvalidInput("the first RouteStream chunk must carry the document header")
            request.document.CopyFrom(chunk.header)
            request.task.CopyFrom(chunk.task)
            text += request.document.text
            size += len(request.document.text)
            request.document.ClearField("text")
        elif chunk.HasField("header") or chunk.HasField("task"):
            raise InvalidInput(f"RouteStream chunk {count} repeats the header or task")
        size += len(chunk.text) + sum(len(s.text) for s in chunk.sections)
        if size > max_bytes:
            raise LimitExceeded(f"streamed document exceeds {max_bytes} bytes")
        text += chunk.text
        request.document.sections.extend(chunk.sections)
    if count == 0:
        raise InvalidInput("RouteStream received no chunks")
    request.document.text = bytes(text)
    return request
