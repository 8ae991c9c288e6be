"""The gRPC face of the cloud tier: a thin servicer over ``Orchestrator``.

The servicer only converts protobuf to domain objects and back, and maps the error tree
to status codes (the table shared with the agent, ``bastion.grpcserver.STATUS_OF``).
``create_server(config)`` builds, binds and starts the server on the shared kernel - with
the standard health service and server reflection - and returns ``(server, port)`` so
tests can listen on port 0. Plaintext is refused unless the listen
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
from prometheus_client import start_http_server

from bastion.configfile import is_loopback
from bastion.errors import BastionError, ConfigError, InvalidInput, PermissionDenied
from bastion.grpcserver import (
    InFlightLimiter,
    ParseInterceptor,
    ServerSpec,
    ServerTLS,
    StartedServer,
    peer_cert_names,
    start_server,
    status_for,
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
                destination=c.destination,
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
        self._limiter = InFlightLimiter(max_in_flight, "the cloud tier")
        self._metrics.in_flight_limit.set(max_in_flight)

    async def Orchestrate(
        self, request: cloud_pb2.OrchestrateRequest, context: grpc.aio.ServicerContext
    ) -> cloud_pb2.OrchestrateResponse:
        mode = (
            common_pb2.OrchestrationMode.Name(request.task.mode)
            if (request.task.mode in common_pb2.OrchestrationMode.values())
            else "UNKNOWN"
        )
        started = time.perf_counter()
        code, message = grpc.StatusCode.OK, ""
        try:
            with self._limiter:
                self._metrics.in_flight.inc()
                try:
                    self._check_client(context)
                    domain_request = to_request(request)
                    async with asyncio.timeout(context.time_remaining()):
                        outcome = await self._orchestrator.run(domain_request)
                finally:
                    self._metrics.in_flight.dec()
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
            self._metrics.request_seconds.labels(mode).observe(time.perf_counter() - started)
        self._metrics.requests.labels(mode, code.name).inc()
        if code is not grpc.StatusCode.OK:
            await context.abort(code, message)
        return to_response(outcome)

    def _check_client(self, context: grpc.aio.ServicerContext) -> None:
        """With ``tls.allowed_client_cns``, only those certificate CNs may call."""
        if not self._allowed_cns:
            return
        presented = {cn.decode("utf-8", "replace") for cn in peer_cert_names(context)}
        if not presented & self._allowed_cns:
            raise PermissionDenied("the client certificate is not one allowed to call this tier")


class CloudServer:
    """The started server plus what must close with it (provider clients).

    Behaves like the ``grpc.aio.Server`` it wraps (attribute access is delegated); ``stop``
    also marks the health service NOT_SERVING first and closes the provider pools.
    """

    def __init__(
        self, started: StartedServer, orchestrator: Orchestrator, metrics_http: Any = None
    ) -> None:
        self.started = started
        self.grpc_server = started.grpc
        self.orchestrator = orchestrator
        self.health = started.health
        self.port = started.port
        self.metrics_http = metrics_http
        self.metrics_port: int | None = metrics_http.server_port if metrics_http else None

    async def stop(self, grace: float | None) -> None:
        await self.started.stop(grace)
        await self.orchestrator.aclose()
        if self.metrics_http is not None:
            self.metrics_http.shutdown()
            self.metrics_http.server_close()

    async def wait_for_termination(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109 (grpc.aio.Server signature)
        return bool(await self.grpc_server.wait_for_termination(timeout))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.grpc_server, name)


async def create_server(
    config: CloudConfig, *, orchestrator: Orchestrator | None = None
) -> tuple[CloudServer, int]:
    """Build, bind and start the tier's server; returns it and the bound port."""
    if config.tls is None and not is_loopback(config.listen_host):
        raise ConfigError(f"{config.path}: listen: plaintext is only allowed on loopback")
    orchestrator = orchestrator or Orchestrator(config)
    servicer = OrchestratorService(
        orchestrator,
        config.limits.max_in_flight,
        config.tls.allowed_client_cns if config.tls else (),
    )
    tls = None
    if config.tls is not None:
        tls = ServerTLS(
            config.tls.cert.read_bytes(),
            config.tls.key.read_bytes(),
            config.tls.client_ca.read_bytes() if config.tls.client_ca else None,
        )
    try:
        started = await start_server(
            ServerSpec(
                listen=config.listen,
                services=[
                    (
                        lambda server: cloud_pb2_grpc.add_OrchestratorServicer_to_server(  # type: ignore[no-untyped-call]
                            servicer, server
                        ),
                        SERVICE_NAME,
                    )
                ],
                tls=tls,
                max_message_bytes=config.limits.max_message_bytes,
                interceptors=[ParseInterceptor()],
            )
        )
    except ConfigError:
        await orchestrator.aclose()
        raise ConfigError(f"{config.path}: listen: cannot bind {config.listen}") from None
    metrics_http = None
    if config.metrics is not None:
        metrics_http, _ = start_http_server(
            config.metrics.port, addr=config.metrics.host, registry=orchestrator.metrics.registry
        )
    log.info(
        "cloud_server_started",
        extra={
            "host": config.listen_host,
            "port": started.port,
            "tls": config.tls is not None,
            "metrics_port": metrics_http.server_port if metrics_http else None,
        },
    )
    return CloudServer(started, orchestrator, metrics_http), started.port
