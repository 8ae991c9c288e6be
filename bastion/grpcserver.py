"""The gRPC server kernel shared by the agent and the cloud tier.

One error-to-status table, one in-flight bound, and one way to build, bind and start a
``grpc.aio`` server with the standard health service, server reflection and (m)TLS:

    server = await start_server(ServerSpec(listen="127.0.0.1:0", services=[...], ...))
    server.port, server.grpc, server.health

Each tier adds its own servicers and interceptors; neither repeats this plumbing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from bastion.errors import (
    BastionError,
    ConfigError,
    InvalidInput,
    LimitExceeded,
    PermissionDenied,
    Unauthenticated,
    UpstreamError,
)

# Domain errors -> status codes, first match wins. Any other ``BastionError`` (policy,
# model, audit, egress, configuration) means the server cannot serve this safely right
# now: FAILED_PRECONDITION. An exception outside the tree is INTERNAL, with no message.
STATUS_OF: tuple[tuple[type[BastionError], grpc.StatusCode], ...] = (
    (InvalidInput, grpc.StatusCode.INVALID_ARGUMENT),
    (LimitExceeded, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (UpstreamError, grpc.StatusCode.UNAVAILABLE),
)


def status_for(exc: BastionError) -> grpc.StatusCode:
    for kind, code in STATUS_OF:
        if isinstance(exc, kind):
            return code
    return grpc.StatusCode.FAILED_PRECONDITION


class InFlightLimiter:
    """Refuses work beyond a bound instead of queueing it without limit.

    ``with limiter:`` raises ``LimitExceeded`` (RESOURCE_EXHAUSTED) at the bound."""

    def __init__(self, limit: int, what: str = "server") -> None:
        self.limit = limit
        self.current = 0
        self._what = what

    def __enter__(self) -> None:
        if self.current >= self.limit:
            raise LimitExceeded(
                f"{self._what} is at its in-flight limit ({self.limit}); retry later"
            )
        self.current += 1

    def __exit__(self, *exc: object) -> None:
        self.current -= 1


class ParseInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """A request message that does not parse is INVALID_ARGUMENT with a clear message.

    gRPC deserializes before any servicer runs and answers a corrupt message with UNKNOWN
    (and a logged traceback); this interceptor deserializes inside the handler instead.
    (The agent's guard interceptor does the same as part of its own wrapping.)"""

    MESSAGE = "the request message does not parse (corrupt protobuf)"

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Any],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None or handler.request_deserializer is None:
            return handler
        parse, behavior = handler.request_deserializer, handler.unary_unary

        async def parsed(raw: bytes, context: grpc.aio.ServicerContext) -> Any:
            try:
                request = parse(raw)
            except Exception:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, self.MESSAGE)
            return await behavior(request, context)

        return grpc.unary_unary_rpc_method_handler(
            parsed, request_deserializer=None, response_serializer=handler.response_serializer
        )


@dataclass(frozen=True)
class ServerTLS:
    """PEM bytes. With ``client_ca`` clients must present a certificate it signed (mTLS)."""

    cert: bytes
    key: bytes
    client_ca: bytes | None = None


@dataclass(frozen=True)
class ServerSpec:
    listen: str
    # (registers a servicer on the server, the service's full name)
    services: Sequence[tuple[Callable[[grpc.aio.Server], None], str]]
    tls: ServerTLS | None = None
    max_message_bytes: int = 16 * 1024 * 1024
    interceptors: Sequence[grpc.aio.ServerInterceptor] = field(default_factory=tuple)


@dataclass
class StartedServer:
    grpc: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer

    async def stop(self, grace: float | None) -> None:
        """NOT_SERVING first (load balancers stop sending), then drain."""
        await self.health.enter_graceful_shutdown()
        await self.grpc.stop(grace)


async def start_server(spec: ServerSpec) -> StartedServer:
    """Build, bind and start; every service and the overall health are SERVING on return.

    ``ConfigError`` if the address cannot be bound."""
    server = grpc.aio.server(
        interceptors=list(spec.interceptors),
        options=[
            ("grpc.max_receive_message_length", spec.max_message_bytes),
            ("grpc.max_send_message_length", spec.max_message_bytes),
            ("grpc.so_reuseport", 0),
        ],
    )
    names = []
    for register, name in spec.services:
        register(server)
        names.append(name)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [*names, health.SERVICE_NAME, reflection.SERVICE_NAME], server
    )
    try:
        if spec.tls is None:
            port = server.add_insecure_port(spec.listen)
        else:
            creds = grpc.ssl_server_credentials(
                [(spec.tls.key, spec.tls.cert)],
                root_certificates=spec.tls.client_ca,
                require_client_auth=spec.tls.client_ca is not None,
            )
            port = server.add_secure_port(spec.listen, creds)
    except RuntimeError:
        port = 0
    if not port:
        raise ConfigError(f"cannot listen on {spec.listen}")
    await server.start()
    for name in ("", *names):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return StartedServer(server, port, health_servicer)


def peer_cert_names(context: Any) -> list[bytes]:
    """The client certificate common names of an mTLS call (empty without one)."""
    return list(context.auth_context().get("x509_common_name", []))
