"""The agent's gRPC server: thin servicers over the pipeline, plus cross-cutting concerns.

- ``create_server(config) -> (server, port)`` builds the pipeline and a started server;
  bind ``127.0.0.1:0`` in tests.
- One interceptor maps domain errors to status codes with a message naming the problem.
- Bounded in-flight work: past ``limits.max_in_flight`` a call gets RESOURCE_EXHAUSTED at once.
- Standard health service and server reflection; graceful stop drains in-flight requests
  and then closes the audit log (which signs a final tree head).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import start_http_server

from agent.auth import Authenticator, Identity
from agent.batching import MicroBatcher
from agent.config import AgentConfig, Limits
from agent.domain import DocumentRequest
from agent.metrics import AgentMetrics
from agent.pipeline import AnalyzeResult, Pipeline, RouteResult, destination_to_proto
from agent.policy import PolicyEngine
from agent.requests import document_from_proto, task_from_proto
from bastion.errors import (
    BastionError,
    InvalidInput,
    LimitExceeded,
    PermissionDenied,
    Unauthenticated,
    UpstreamError,
)
from bastion.wire.v1 import agent_pb2, agent_pb2_grpc

log = logging.getLogger("bastion.agent")

_STATUS: list[tuple[type[BastionError], grpc.StatusCode]] = [
    (InvalidInput, grpc.StatusCode.INVALID_ARGUMENT),
    (LimitExceeded, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (UpstreamError, grpc.StatusCode.UNAVAILABLE),
]
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def status_for(exc: BastionError) -> grpc.StatusCode:
    for kind, code in _STATUS:
        if isinstance(exc, kind):
            return code
    # Policy, model, audit or egress failures: the agent cannot serve safely right now.
    return grpc.StatusCode.FAILED_PRECONDITION


CURRENT_IDENTITY: contextvars.ContextVar[Identity] = contextvars.ContextVar("identity")
CURRENT_REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id")


class GuardInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Every EdgeAgent call passes here: request id, authentication, the in-flight bound,
    metrics and one structured log line; ``BastionError`` maps to a status code with its
    message; anything else becomes INTERNAL with no content, so no document text can escape
    through an exception message."""

    def __init__(
        self, authenticator: Authenticator, limiter: InFlightLimiter, metrics: AgentMetrics
    ) -> None:
        self._auth = authenticator
        self._limiter = limiter
        self._metrics = metrics

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or not method.startswith("/bastion."):
            return handler
        short = method.rsplit("/", 1)[-1]

        def wrap(behavior: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            async def guarded(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started = time.perf_counter()
                code = grpc.StatusCode.OK
                request_id = request_id_of(context)
                CURRENT_REQUEST_ID.set(request_id)
                try:
                    auth = context.auth_context()
                    identity = self._auth.identify(
                        context.invocation_metadata() or (),
                        list(auth.get("x509_common_name", [])),
                        context.peer(),
                    )
                    CURRENT_IDENTITY.set(identity)
                    with self._limiter, _gauge(self._metrics):
                        return await behavior(request, context)
                except BastionError as exc:
                    code = status_for(exc)
                    await context.abort(code, str(exc))
                except asyncio.CancelledError:
                    code = grpc.StatusCode.CANCELLED
                    raise
                except Exception as exc:
                    if isinstance(exc, grpc.aio.AbortError):
                        code = context.code() or grpc.StatusCode.UNKNOWN
                        raise
                    code = grpc.StatusCode.INTERNAL
                    log.error(
                        json.dumps(
                            {
                                "event": "internal_error",
                                "method": short,
                                "request_id": request_id,
                                "error": type(exc).__name__,
                            }
                        )
                    )
                    await context.abort(code, "internal error; nothing was sent")
                finally:
                    elapsed = time.perf_counter() - started
                    self._metrics.request_seconds.labels(short, code.name).observe(elapsed)
                    log.info(
                        json.dumps(
                            {
                                "event": "rpc",
                                "method": short,
                                "code": code.name,
                                "request_id": request_id,
                                "ms": round(elapsed * 1000, 2),
                            }
                        )
                    )

            return guarded

        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                wrap(handler.unary_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary is not None:
            return grpc.stream_unary_rpc_method_handler(
                wrap(handler.stream_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler


@contextlib.contextmanager
def _gauge(metrics: AgentMetrics) -> Iterator[None]:
    metrics.in_flight.inc()
    try:
        yield
    finally:
        metrics.in_flight.dec()


def request_id_of(context: grpc.aio.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "x-request-id" and isinstance(value, str) and _REQUEST_ID.fullmatch(value):
            return value
    return uuid.uuid4().hex


class InFlightLimiter:
    """Refuses work beyond a bound instead of queueing it without limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.current = 0

    def __enter__(self) -> None:
        if self.current >= self.limit:
            raise LimitExceeded(f"agent is at its in-flight limit ({self.limit}); retry later")
        self.current += 1

    def __exit__(self, *exc: object) -> None:
        self.current -= 1


def _document(request_doc: agent_pb2.Document, limits: Limits) -> DocumentRequest:
    """Validate and convert; the caller may act only for its own tenant."""
    identity = CURRENT_IDENTITY.get()
    doc = document_from_proto(
        request_doc, limits, caller=identity.caller, request_id=CURRENT_REQUEST_ID.get()
    )
    identity.check_tenant(doc.tenant)
    return doc


class EdgeAgentServicer(agent_pb2_grpc.EdgeAgentServicer):
    """Thin: convert protobuf to domain objects, call the pipeline, convert back."""

    def __init__(self, pipeline: Pipeline, limits: Limits) -> None:
        self.pipeline = pipeline
        self.limits = limits

    async def Analyze(
        self, request: agent_pb2.AnalyzeRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.AnalyzeResponse:
        doc = _document(request.document, self.limits)
        return analyze_to_proto(await self.pipeline.analyze(doc))

    async def Route(
        self, request: agent_pb2.RouteRequest, context: grpc.aio.ServicerContext
    ) -> agent_pb2.RouteResponse:
        doc = _document(request.document, self.limits)
        task = task_from_proto(request.task)
        result = await self.pipeline.route(doc, task, deadline_s=context.time_remaining())
        return route_to_proto(result)

    async def RouteStream(
        self,
        request_iterator: AsyncIterator[agent_pb2.RouteChunk],
        context: grpc.aio.ServicerContext,
    ) -> agent_pb2.RouteResponse:
        request = await assemble_stream(
            request_iterator, self.limits.max_stream_chunks, self.limits.max_document_chars * 4
        )
        doc = _document(request.document, self.limits)
        task = task_from_proto(request.task)
        result = await self.pipeline.route(doc, task, deadline_s=context.time_remaining())
        return route_to_proto(result)


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


def analyze_to_proto(result: AnalyzeResult) -> agent_pb2.AnalyzeResponse:
    out = agent_pb2.AnalyzeResponse(
        request_id=result.request_id,
        document_id=result.document_id,
        model_versions=result.model_versions,
        audit_entry_ids=result.audit_ids,
    )
    for section, analysis in zip(result.sections, result.analyses, strict=True):
        out.sections.append(
            agent_pb2.SectionAnalysis(
                index=section.index,
                heading=section.heading,
                start=section.start,
                end=section.end,
                category=analysis.category.value,
                category_scores={c.value: float(v) for c, v in analysis.category_scores.items()},
                entities=[
                    agent_pb2.EntitySpan(
                        type=e.type.value,
                        start=section.start + e.start,
                        end=section.start + e.end,
                        score=e.score,
                    )
                    for e in analysis.entities
                ],
                entity_counts=analysis.entity_counts(),
            )
        )
    return out


def route_to_proto(result: RouteResult) -> agent_pb2.RouteResponse:
    out = agent_pb2.RouteResponse(
        request_id=result.request_id,
        document_id=result.document_id,
        policy_version=result.policy_version,
        status=result.status,
        answer=result.answer,
        model_outputs=result.model_outputs,
        audit_entry_ids=result.audit_ids,
    )
    if result.cloud is not None:
        out.agreement = result.cloud.agreement
        out.strategy = result.cloud.strategy
        out.needs_review = result.cloud.needs_review
        out.injection_findings.extend(result.cloud.injection_findings)
    for o in result.outcomes:
        s = agent_pb2.SectionOutcome(
            index=o.section.index,
            heading=o.section.heading,
            start=o.section.start,
            end=o.section.end,
            category=o.analysis.category.value,
            entity_counts=o.analysis.entity_counts(),
            action=o.decision.action.value if o.decision else "local_only",
            rule_ids=list(o.decision.rule_ids) if o.decision else ["policy-error"],
            status=o.status,
            reason=o.reason,
            redacted_types=sorted(o.redacted_types),
            bytes_sent=o.bytes_sent,
            audit_entry_ids=o.audit_ids,
        )
        if o.destination is not None:
            s.destination.CopyFrom(destination_to_proto(o.destination))
        out.sections.append(s)
    return out


class AgentServer:
    """A started agent: the gRPC server plus the resources to close after draining."""

    def __init__(
        self,
        server: grpc.aio.Server,
        pipeline: Pipeline,
        health_servicer: health.aio.HealthServicer,
        metrics_server: Any = None,
        policy_watch: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self.server = server
        self.pipeline = pipeline
        self._health = health_servicer
        self._metrics_server = metrics_server
        loop = asyncio.get_running_loop()
        # An idle agent still signs waiting entries every audit.sign_every_s seconds.
        self._signer = loop.create_task(pipeline.audit.sign_periodically())
        # A signed policy bundle is re-read when it changes (the last good one is kept).
        self._policy_watch = loop.create_task(policy_watch()) if policy_watch else None

    async def stop(self, grace: float | None = 10.0) -> None:
        await self._health.enter_graceful_shutdown()
        await self.server.stop(grace)  # in-flight requests finish and are audited
        for task in (self._signer, self._policy_watch):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.pipeline.close()  # the audit log signs a final head
        if self._metrics_server is not None:
            self._metrics_server.shutdown()
            self._metrics_server.server_close()

    async def wait_for_termination(self) -> None:
        await self.server.wait_for_termination()


def build_pipeline(config: AgentConfig, clock: Callable[[], float] = time.time) -> Pipeline:
    """Load every stage; any failure raises before the server accepts a request."""
    from agent.audit import AuditConfig, AuditLog
    from agent.detect import load_engine
    from agent.egress import EgressChecker
    from agent.escalate import CloudClient
    from agent.policy import PolicyEngine
    from agent.recognize import PatternEngine
    from agent.vault import Vault

    engine = load_engine(backend=config.backend, models_dir=config.models_dir)
    if config.policy_bundle is not None:
        from agent.policy.bundle import load_bundle

        policy = load_bundle(config.policy_path, config.policy_bundle.public_keys)
    else:
        policy = PolicyEngine.load(config.policy_path)
    vault_key = config.vault.load_key()
    vault = Vault.open(config.vault.dir, vault_key, clock=clock, ttl_s=config.vault.ttl_s)
    egress = EgressChecker(scan=PatternEngine.default().analyze)
    audit = AuditLog.open(
        AuditConfig(
            db_path=config.audit.path,
            key_path=config.audit.key,
            witness_path=config.audit.witness,
            sign_every_n=config.audit.sign_every_n,
            sign_every_s=config.audit.sign_every_s,
        ),
        clock=clock,
    )
    cloud = CloudClient(config.cloud) if config.cloud is not None else None
    metrics = AgentMetrics()
    # The hash method's key: derived from the vault key so hashed values stay stable per
    # deployment without another secret to manage.
    hash_key = hashlib.sha256(b"bastion-hash-redaction\x00" + vault_key).digest()
    return Pipeline(
        engine=engine,
        policy=policy,
        vault=vault,
        egress=egress,
        audit=audit,
        cloud=cloud,
        hash_key=hash_key,
        section_target_chars=config.limits.section_target_chars,
        clock=clock,
        metrics=metrics,
        batcher=MicroBatcher(engine.analyze, metrics=metrics),
    )


async def create_server(
    config: AgentConfig, pipeline: Pipeline | None = None
) -> tuple[AgentServer, int]:
    pipeline = pipeline or build_pipeline(config)
    policy_watch = _policy_watch(config, pipeline)
    metrics_server = None
    if config.metrics_port is not None:
        metrics_server, _ = start_http_server(
            config.metrics_port,
            addr=config.metrics_host,
            registry=pipeline.metrics.with_state(pipeline, config.limits.max_in_flight),
        )
    options = [
        ("grpc.max_receive_message_length", config.limits.max_message_bytes),
        ("grpc.max_send_message_length", config.limits.max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    guard = GuardInterceptor(
        Authenticator(config.tenants_auth, config.auth_required),
        InFlightLimiter(config.limits.max_in_flight),
        pipeline.metrics,
    )
    server = grpc.aio.server(interceptors=[guard], options=options)
    agent_pb2_grpc.add_EdgeAgentServicer_to_server(  # type: ignore[no-untyped-call]
        EdgeAgentServicer(pipeline, config.limits), server
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    service_name = agent_pb2.DESCRIPTOR.services_by_name["EdgeAgent"].full_name
    reflection.enable_server_reflection(
        [service_name, health.SERVICE_NAME, reflection.SERVICE_NAME], server
    )
    if config.tls is not None:
        creds = grpc.ssl_server_credentials(
            [(config.tls.key.read_bytes(), config.tls.cert.read_bytes())],
            root_certificates=config.tls.ca.read_bytes() if config.tls.ca else None,
            require_client_auth=config.tls.ca is not None,
        )
        port = server.add_secure_port(config.listen, creds)
    else:
        port = server.add_insecure_port(config.listen)
    if port == 0:
        raise BastionError(f"cannot listen on {config.listen}")
    await server.start()
    await health_servicer.set(service_name, health_pb2.HealthCheckResponse.SERVING)
    await health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    return AgentServer(server, pipeline, health_servicer, metrics_server, policy_watch), port


def _policy_watch(
    config: AgentConfig, pipeline: Pipeline
) -> Callable[[], Coroutine[Any, Any, None]] | None:
    """With a signed bundle: a watcher that swaps a good update into the pipeline."""
    if config.policy_bundle is None:
        return None
    from agent.policy.bundle import PolicyReloader

    def swap(engine: PolicyEngine) -> None:
        pipeline.policy = engine
        log.info("policy bundle updated: now enforcing %s", engine.version)

    def refused(message: str) -> None:
        log.error("policy bundle update refused, keeping %s: %s", pipeline.policy.version, message)

    reloader = PolicyReloader(
        config.policy_path, config.policy_bundle.public_keys, on_change=swap, on_refused=refused
    )
    pipeline.policy = reloader.engine
    return functools.partial(reloader.watch, config.policy_bundle.poll_s)
