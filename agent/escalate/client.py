"""The agent's gRPC client to the cloud tier's ``Orchestrator``.

Two failures, told apart because the caller and the audit log must be told the truth:
``CloudUnavailable`` - the request never left (circuit open, no connection); and
``CloudNoAnswer`` - it may have reached the tier (a timeout, a refusal, a broken
connection or response after connecting), so it counts as sent.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

import grpc

from agent.config import CloudSettings
from agent.domain import CloudAnswer
from agent.escalate.breaker import CircuitBreaker
from agent.escalate.wire import decode
from bastion.errors import UpstreamError

# Only an outage is retried; RESOURCE_EXHAUSTED (a budget or the tier's in-flight bound) is
# an answer, and retrying it would only spend the deadline.
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE}


class CloudUnavailable(UpstreamError):
    """The cloud tier was not reached: the request did not leave."""


class CloudNoAnswer(UpstreamError):
    """The request may have reached the cloud tier, but no usable answer came back."""


def _never_connected(exc: grpc.aio.AioRpcError) -> bool:
    """UNAVAILABLE before a connection existed: the request bytes cannot have left."""
    details = (exc.details() or "").lower()
    return exc.code() == grpc.StatusCode.UNAVAILABLE and "failed to connect" in details


class CloudClient:
    def __init__(
        self,
        settings: CloudSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._rng = rng or random.Random()
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_reset_s, clock)
        options = [
            ("grpc.max_send_message_length", 64 * 1024 * 1024),
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
        ]
        if settings.tls is not None:
            creds = grpc.ssl_channel_credentials(
                root_certificates=settings.tls.ca.read_bytes() if settings.tls.ca else None,
                private_key=settings.tls.key.read_bytes(),
                certificate_chain=settings.tls.cert.read_bytes(),
            )
            self._channel = grpc.aio.secure_channel(settings.endpoint, creds, options=options)
        else:
            self._channel = grpc.aio.insecure_channel(settings.endpoint, options=options)
        self._call = self._channel.unary_unary(
            "/bastion.v1.Orchestrator/Orchestrate",
            # No serializer: the channel sends exactly the bytes the egress check passed.
            request_serializer=None,
            response_deserializer=None,  # decoded by agent.escalate.wire
        )

    async def orchestrate(
        self, payload: bytes, *, deadline_s: float | None, request_id: str
    ) -> CloudAnswer:
        """Send ``payload`` (a serialized OrchestrateRequest) and decode the answer.

        Raises ``CloudUnavailable`` if nothing left, ``CloudNoAnswer`` if it may have."""
        budget = (
            self._settings.timeout_s
            if deadline_s is None
            else min(deadline_s, self._settings.timeout_s)
        )
        end = self._clock() + budget
        attempt = 0
        last = "circuit open"
        may_have_left = False

        def failed(message: str) -> UpstreamError:
            return CloudNoAnswer(message) if may_have_left else CloudUnavailable(message)

        while True:
            remaining = end - self._clock()
            if remaining <= 0.01:
                raise failed(f"cloud tier did not answer within {budget:.1f}s ({last})")
            if not self.breaker.allow():
                raise failed("cloud tier circuit is open after repeated failures")
            try:
                data: bytes = await self._call(
                    payload, timeout=remaining, metadata=(("x-request-id", request_id),)
                )
            except grpc.aio.AioRpcError as exc:
                code = exc.code()
                last = f"{code.name}: {exc.details()}"  # the tier's own words (no content)
                may_have_left = may_have_left or not _never_connected(exc)
                if code not in _RETRYABLE:
                    # The tier refused the request itself (bad destination, invalid task):
                    # not an outage, so do not trip the breaker; do not retry.
                    raise CloudNoAnswer(f"cloud tier refused the request ({last})") from None
                self.breaker.record_failure()
                attempt += 1
                if attempt > self._settings.retries:
                    raise failed(f"cloud tier unavailable ({last})") from None
                backoff = min(2.0, 0.1 * 2**attempt) * self._rng.uniform(0.5, 1.0)
                await asyncio.sleep(min(backoff, max(0.0, end - self._clock() - 0.01)))
                continue
            self.breaker.record_success()
            try:
                return decode(data, request_id)
            except UpstreamError as exc:
                raise CloudNoAnswer(str(exc)) from None

    async def close(self) -> None:
        await self._channel.close()
