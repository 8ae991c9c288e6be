"""Cross-cutting concerns of every EdgeAgent call, as one ``grpc.aio`` interceptor.

In order: mint the request id (the only one that is logged, audited or sent), validate
the caller's ``x-request-id`` (kept for the audit log's keyed digest only), identify the
caller (mTLS certificate or bearer token; ``agent.auth``), bound the in-flight work, then
run the handler. A ``BastionError`` becomes its status code (``bastion.grpcserver``) with
its message; anything else becomes INTERNAL with no content, so no document text can
escape through an exception message. One structured log line per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc

from agent.auth import Authenticator, Identity
from agent.metrics import AgentMetrics
from agent.server.decode import caller_request_id
from bastion.errors import BastionError, InvalidInput
from bastion.grpcserver import InFlightLimiter, peer_cert_names, status_for

log = logging.getLogger("bastion.agent")


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What the interceptor learnt about the current call, for the servicer."""

    identity: Identity
    request_id: str  # minted here
    caller_request_id: str  # the caller's own, validated; "" if none


CURRENT_CALL: contextvars.ContextVar[CallInfo] = contextvars.ContextVar("bastion_call")


@contextlib.contextmanager
def _gauge(metrics: AgentMetrics) -> Iterator[None]:
    metrics.in_flight.inc()
    try:
        yield
    finally:
        metrics.in_flight.dec()


class GuardInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    def __init__(
        self,
        authenticator: Authenticator,
        limiter: InFlightLimiter,
        metrics: AgentMetrics,
        new_request_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._auth = authenticator
        self._limiter = limiter
        self._metrics = metrics
        self._new_id = new_request_id

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
        parse = handler.request_deserializer

        def decode(raw: bytes) -> Any:
            """Deserialize here, not in gRPC: a corrupt message is INVALID_ARGUMENT with a
            clear message (gRPC itself would answer UNKNOWN and log a traceback)."""
            try:
                return parse(raw) if parse is not None else raw
            except Exception:
                raise InvalidInput(
                    "the request message does not parse (corrupt protobuf)"
                ) from None

        async def decoded_stream(chunks: AsyncIterator[bytes]) -> AsyncIterator[Any]:
            async for raw in chunks:
                yield decode(raw)

        def wrap(
            behavior: Callable[..., Awaitable[Any]], streaming: bool
        ) -> Callable[..., Awaitable[Any]]:
            async def guarded(raw: Any, context: grpc.aio.ServicerContext) -> Any:
                started = time.perf_counter()
                code = grpc.StatusCode.OK
                request_id = self._new_id()
                try:
                    metadata = context.invocation_metadata() or ()
                    identity = self._auth.identify(
                        metadata, peer_cert_names(context), context.peer()
                    )
                    CURRENT_CALL.set(CallInfo(identity, request_id, caller_request_id(metadata)))
                    request = decoded_stream(raw) if streaming else decode(raw)
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
                        "internal_error",
                        extra={
                            "method": short,
                            "request_id": request_id,
                            "error": type(exc).__name__,
                        },
                    )
                    await context.abort(
                        code,
                        f"internal error (request {request_id}; the audit log has what was sent)",
                    )
                finally:
                    elapsed = time.perf_counter() - started
                    self._metrics.request_seconds.labels(short, code.name).observe(elapsed)
                    log.info(
                        "rpc",
                        extra={
                            "method": short,
                            "code": code.name,
                            "request_id": request_id,
                            "ms": round(elapsed * 1000, 2),
                        },
                    )

            return guarded

        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                wrap(handler.unary_unary, streaming=False),
                request_deserializer=None,  # decode() above
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary is not None:
            return grpc.stream_unary_rpc_method_handler(
                wrap(handler.stream_unary, streaming=True),
                request_deserializer=None,
                response_serializer=handler.response_serializer,
            )
        return handler
