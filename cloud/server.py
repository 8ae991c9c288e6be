"""The gRPC face of the cloud tier: a thin servicer over ``Orchestrator``.

The servicer only converts protobuf to domain objects and back, and maps the error tree
to status codes (one table, ``STATUS_OF``). ``create_server(config)`` builds, binds and
starts the server - plus the standard health service and server reflection - and returns
``(server, port)`` so tests can listen on port 0. Plaintext is refused unless the listen
address is loopback (also checked by ``load_config``); with ``tls.client_ca`` set, clients
must present a certificate signed by it (mTLS).
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import start_http_server

from bastion.configfile import is_loopback
from bastion.errors import (
    BastionError,
    ConfigError,
    InvalidInput,
    LimitExceeded,
    PermissionDenied,
    PolicyError,
    Unauthenticated,
    UpstreamError,
)
from bastion.wire.v1 import cloud_pb2, cloud_pb2_grpc, common_pb2
from cloud.config import CloudConfig
from cloud.domain import (
    DataSection,
    Destination,
    Mode,
    OrchestrationRequest,
    Outcome,
    Strategy,
)
from cloud.orchestrator import Orchestrator, safe_id

log = logging.getLogger("bastion.cloud")

SERVICE_NAME: str = cloud_pb2.DESCRIPTOR.services_by_name["Orchestrator"].full_name

STATUS_OF: tuple[tuple[type[BastionError], grpc.StatusCode], ...] = (
    (InvalidInput, grpc.StatusCode.INVALID_ARGUMENT),
    (PolicyError, grpc.StatusCode.FAILED_PRECONDITION),
    (LimitExceeded, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (UpstreamError, grpc.StatusCode.UNAVAILABLE),
)


def status_for(exc: BastionError) -> grpc.StatusCode:
    for kind, code in STATUS_OF:
        if isinstance(exc, kind):
            return code
    return grpc.StatusCode.INTERNAL


def _enum_value(number: int, kind: type[Mode] | type[Strategy], field: str) -> Any:
    try:
        return kind(number)
    except ValueError:
        names = ", ".join(f"{m.value}={m.name}" for m in kind if m.value)
        raise InvalidInput(f"{field} {number} is not supported (expected one of {names})") from None


def to_request(msg: cloud_pb2.OrchestrateRequest) -> OrchestrationRequest:
    """Protobuf -> domain. Refuses an unspecified or unknown mode or resolution."""
    mode_number = int(msg.task.mode)
    if mode_number == common_pb2.ORCHESTRATION_MODE_UNSPECIFIED:
        raise InvalidInput("task.mode 0 (ORCHESTRATION_MODE_UNSPECIFIED): the caller must choose")
    mode: Mode = _enum_value(mode_number, Mode, "task.mode")
    strategy: Strategy = _enum_value(int(msg.task.resolution), Strategy, "task.resolution")
    return OrchestrationRequest(
        request_id=msg.request_id,
        tenant=msg.tenant,
        instruction=msg.task.instruction,
        mode=mode,
        strategy=strategy,
        sections=tuple(
            DataSection(index=s.index, heading=s.heading, text=s.text, category=s.category)
            for s in msg.sections
        ),
        allowed=tuple(
            Destination(
                name=d.name, provider=d.provider, region=d.region, jurisdiction=d.jurisdiction
            )
            for d in msg.allowed_destinations
        ),
        max_output_tokens=int(msg.task.max_output_tokens),
        token_budget=int(msg.token_budget),
    )


def to_response(outcome: Outcome) -> cloud_pb2.OrchestrateResponse:
    return cloud_pb2.OrchestrateResponse(
        request_id=outcome.request_id,
        answer=outcome.answer,
        outputs=[
            common_pb2.ModelOutput(
                provider=c.provider,
                model=c.model,
                role=c.role,
                output=c.output,
                confidence=c.confidence,
                prompt_tokens=c.prompt_tokens,
                completion_tokens=c.completion_tokens,
                latency_ms=c.latency_ms,
                cost_usd=c.cost_usd,
                error=c.error,
                round=c.round,
            )
            for c in outcome.calls
        ],
        agreement=outcome.agreement,
        strategy=common_pb2.Resolution.Name(int(outcome.strategy)),
        needs_review=outcome.needs_review,
        disagreement=outcome.disagreement,
        injection_findings=outcome.injection_findings,
        total_tokens=outcome.total_tokens,
        latency_ms=outcome.latency_ms,
        cost_usd=outcome.cost_usd,
    )


class OrchestratorService(cloud_pb2_grpc.OrchestratorServicer):
    def __init__(
        self,
        orchestrator: Orchestrator,
        max_in_flight: int,
        allowed_client_cns: tuple[str, ...] = (),
    ) -> None:
        self._orchestrator = orchestrator
        self._allowed_cns = frozenset(allowed_client_cns)
        self._metrics = orchestrator.metrics
        self._max_in_flight = max_in_flight
        self._metrics.in_flight_limit.set(max_in_flight)
        self._in_flight = 0

    async def Orchestrate(
        self, request: cloud_pb2.OrchestrateRequest, context: grpc.aio.ServicerContext
    ) -> cloud_pb2.OrchestrateResponse:
        mode = (
            common_pb2.OrchestrationMode.Name(request.task.mode)
            if (request.task.mode in common_pb2.OrchestrationMode.values())
            else "UNKNOWN"
        )
        if self._in_flight >= self._max_in_flight:
            self._metrics.requests.labels(mode, "RESOURCE_EXHAUSTED").inc()
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"the tier is serving its limit of {self._max_in_flight} requests; retry later",
            )
        self._in_flight += 1
        self._metrics.in_flight.inc()
        started = time.perf_counter()
        code, message = grpc.StatusCode.OK, ""
        try:
            self._check_client(context)
            domain_request = to_request(request)
            async with asyncio.timeout(context.time_remaining()):
                outcome = await self._orchestrator.run(domain_request)
        except BastionError as exc:
            code, message = status_for(exc), str(exc)
            log.warning(
                "orchestrate_refused",
                extra={
                    "request_id": safe_id(request.request_id),
                    "code": code.name,
                    "error": type(exc).__name__,
                },
            )
        except TimeoutError:
            code, message = grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded"
        except Exception as exc:
            # Frames only: an unexpected exception's message could quote request data.
            log.error(
                "orchestrate_internal_error",
                extra={
                    "request_id": safe_id(request.request_id),
                    "error": type(exc).__name__,
                    "frames": "".join(traceback.format_tb(exc.__traceback__)),
                },
            )
            code, message = grpc.StatusCode.INTERNAL, f"internal error ({type(exc).__name__})"
        finally:
            self._in_flight -= 1
            self._metrics.in_flight.dec()
            self._metrics.request_seconds.labels(mode).observe(time.perf_counter() - started)
        self._metrics.requests.labels(mode, code.name).inc()
        if code is not grpc.StatusCode.OK:
            await context.abort(code, message)
        return to_response(outcome)

    def _check_client(self, context: grpc.aio.ServicerContext) -> None:
        """With ``tls.allowed_client_cns``, only those certificate CNs may call."""
        if not self._allowed_cns:
            return
        presented = {
            cn.decode("utf-8", "replace")
            for cn in context.auth_context().get("x509_common_name", [])
        }
        if not presented & self._allowed_cns:
            raise PermissionDenied("the client certificate is not one allowed to call this tier")


class CloudServer:
    """The started ``grpc.aio.Server`` plus what must close with it (provider clients).

    Behaves like the server it wraps (attribute access is delegated); ``stop`` also marks
    the health service NOT_SERVING first and closes the provider connection pools.
    """

    def __init__(
        self,
        server: grpc.aio.Server,
        orchestrator: Orchestrator,
        health: Any,
        port: int,
        metrics_http: Any = None,
    ) -> None:
        self.grpc_server = server
        self.orchestrator = orchestrator
        self.health = health
        self.port = port
        self.metrics_http = metrics_http
        self.metrics_port: int | None = metrics_http.server_port if metrics_http else None

    async def stop(self, grace: float | None) -> None:
        await self.health.enter_graceful_shutdown()
        await self.grpc_server.stop(grace)
        await self.orchestrator.aclose()
        if self.metrics_http is not None:
            self.metrics_http.shutdown()
            self.metrics_http.server_close()

    async def wait_for_termination(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109 (grpc.aio.Server signature)
        return bool(await self.grpc_server.wait_for_termination(timeout))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.grpc_server, name)


def _credentials(config: CloudConfig) -> Any:
    tls = config.tls
    assert tls is not None
    ca = tls.client_ca.read_bytes() if tls.client_ca else None
    return grpc.ssl_server_credentials(
        [(tls.key.read_bytes(), tls.cert.read_bytes())],
        root_certificates=ca,
        require_client_auth=ca is not None,
    )


async def create_server(
    config: CloudConfig, *, orchestrator: Orchestrator | None = None
) -> tuple[CloudServer, int]:
    """Build, bind and start the tier's server; returns it and the bound port."""
    if config.tls is None and not is_loopback(config.listen_host):
        raise ConfigError(f"{config.path}: listen: plaintext is only allowed on loopback")
    orchestrator = orchestrator or Orchestrator(config)
    size = config.limits.max_message_bytes
    server = grpc.aio.server(
        options=[
            ("grpc.max_send_message_length", size),
            ("grpc.max_receive_message_length", size),
        ]
    )
    cloud_pb2_grpc.add_OrchestratorServicer_to_server(  # type: ignore[no-untyped-call]
        OrchestratorService(
            orchestrator,
            config.limits.max_in_flight,
            config.tls.allowed_client_cns if config.tls else (),
        ),
        server,
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    try:
        if config.tls is None:
            port = server.add_insecure_port(config.listen)
        else:
            port = server.add_secure_port(config.listen, _credentials(config))
    except RuntimeError:
        port = 0
    if not port:
        await orchestrator.aclose()
        raise ConfigError(f"{config.path}: listen: cannot bind {config.listen}")
    await server.start()
    for name in ("", SERVICE_NAME):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    metrics_http = None
    if config.metrics is not None:
        metrics_http, _ = start_http_server(
            config.metrics.port, addr=config.metrics.host, registry=orchestrator.metrics.registry
        )
    log.info(
        "cloud_server_started",
        extra={
            "host": config.listen_host,
            "port": port,
            "tls": config.tls is not None,
            "metrics_port": metrics_http.server_port if metrics_http else None,
        },
    )
    return CloudServer(server, orchestrator, health_servicer, port, metrics_http), port
