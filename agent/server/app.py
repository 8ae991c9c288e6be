"""The agent's gRPC composition root: the pipeline (``agent.wiring``), then the server.

- ``create_server(config) -> (AgentServer, port)`` starts the gRPC server on the shared
  kernel (``bastion.grpcserver``: status table, in-flight bound, health, reflection, TLS);
  bind ``127.0.0.1:0`` in tests.
- Secure by default: a listener off loopback refuses to start without authentication
  (``auth.tenants`` tokens or client-certificate names, with ``auth.required``) unless
  ``auth.allow_unauthenticated: true`` says otherwise, which is then logged as a warning at
  every start.
- Graceful stop drains in-flight requests and then closes the audit log (which signs a
  final tree head).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from prometheus_client import start_http_server

from agent.auth import Authenticator
from agent.config import AgentConfig
from agent.pipeline import Pipeline
from agent.pipeline.approved import ApprovedSectionSender
from agent.policy import PolicyEngine
from agent.policy.bundle import PolicyReloader
from agent.review import ReviewDesk, ReviewQueue
from agent.review.queue import queue_key
from agent.review.service import ReviewServicer
from agent.server.interceptors import CURRENT_CALL, GuardInterceptor
from agent.server.servicer import EdgeAgentServicer
from agent.wiring import build_pipeline, load_policy
from bastion.configfile import is_loopback
from bastion.errors import ConfigError
from bastion.grpcserver import InFlightLimiter, ServerSpec, ServerTLS, StartedServer, start_server
from bastion.wire.v1 import agent_pb2, agent_pb2_grpc, review_pb2, review_pb2_grpc

log = logging.getLogger("bastion.agent")

SERVICE_NAME: str = agent_pb2.DESCRIPTOR.services_by_name["EdgeAgent"].full_name
REVIEW_SERVICE_NAME: str = review_pb2.DESCRIPTOR.services_by_name["Review"].full_name


def review_desk(config: AgentConfig, pipeline: Pipeline) -> ReviewDesk:
    """The review queue of this agent, wired both ways: the pipeline holds sections the
    policy sends to review there, and an approval is sent by the pipeline's phases."""
    if pipeline.audit is None:
        raise ConfigError("a serving agent needs its audit log")
    desk = ReviewDesk(
        ReviewQueue(config.review_db, queue_key(config.vault.load_key()), pipeline.clock),
        pipeline.audit,
        lambda: pipeline.policy,
        pipeline.vault,
        pipeline.hash_key,
        ApprovedSectionSender(pipeline),
        pipeline.clock,
    )
    pipeline.review = desk
    return desk


class AgentServer:
    """A started agent: the gRPC server plus the resources to close after draining."""

    def __init__(
        self,
        server: StartedServer,
        pipeline: Pipeline,
        metrics_server: Any = None,
        policy_watch: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self.started = server
        self.server = server.grpc
        self.pipeline = pipeline
        self._metrics_server = metrics_server
        loop = asyncio.get_running_loop()
        # An idle agent still signs waiting entries every audit.sign_every_s seconds.
        audit = pipeline.audit
        self._signer = loop.create_task(audit.sign_periodically()) if audit else None
        # A signed policy bundle is re-read when it changes (the last good one is kept).
        self._policy_watch = loop.create_task(policy_watch()) if policy_watch else None
        # Expired pseudonyms are deleted from the vault, not only left unusable.
        self._purger = loop.create_task(_purge_vault_periodically(pipeline))

    async def stop(self, grace: float | None = 10.0) -> None:
        await self.started.stop(grace)  # in-flight requests finish and are audited
        for task in (self._signer, self._policy_watch, self._purger):
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


VAULT_PURGE_EVERY_S = 3600.0


async def _purge_vault_periodically(
    pipeline: Pipeline, every_s: float = VAULT_PURGE_EVERY_S
) -> None:
    """Delete expired pseudonym entries of every tenant this agent opened, hourly."""
    while True:
        await asyncio.sleep(every_s)
        try:
            purged = await asyncio.to_thread(pipeline.vault.purge_expired)
        except Exception as exc:  # keep serving; the next round tries again
            log.error("vault_purge_failed", extra={"error": type(exc).__name__})
            continue
        if purged:
            log.info("vault_purged", extra={"entries": purged})


def check_authentication(config: AgentConfig) -> None:
    """Refuse a non-loopback listener that would let any peer act for any tenant."""
    if is_loopback(config.listen_host):
        return
    if config.auth_required and config.tenants_auth:
        return
    if config.allow_unauthenticated:
        log.warning(
            "unauthenticated_listener",
            extra={
                "listen": config.listen,
                "detail": "auth.allow_unauthenticated is set: any peer may act for any tenant",
            },
        )
        return
    raise ConfigError(
        f"{config.path}: auth: the agent listens on {config.listen_host} (not loopback) without "
        "authentication; configure auth.tenants (bearer tokens or client certificate names) "
        "with auth.required, or set auth.allow_unauthenticated: true to accept the risk"
    )


async def create_server(
    config: AgentConfig, pipeline: Pipeline | None = None
) -> tuple[AgentServer, int]:
    check_authentication(config)
    policy, reloader = load_policy(config)
    pipeline = pipeline or build_pipeline(config, policy=policy)
    desk = review_desk(config, pipeline)
    policy_watch = _policy_watch(config, reloader, pipeline)
    metrics_server = None
    if config.metrics_port is not None:
        metrics_server, _ = start_http_server(
            config.metrics_port,
            addr=config.metrics_host,
            registry=pipeline.metrics.with_state(pipeline, config.limits.max_in_flight),
        )
    guard = GuardInterceptor(
        Authenticator(config.tenants_auth, config.auth_required),
        InFlightLimiter(config.limits.max_in_flight, "agent"),
        pipeline.metrics,
    )
    servicer = EdgeAgentServicer(pipeline, config.limits)
    review_servicer = ReviewServicer(desk, lambda: CURRENT_CALL.get().identity)
    tls = None
    if config.tls is not None:
        tls = ServerTLS(
            config.tls.cert.read_bytes(),
            config.tls.key.read_bytes(),
            config.tls.ca.read_bytes() if config.tls.ca else None,
        )
    try:
        started = await start_server(
            ServerSpec(
                listen=config.listen,
                services=[
                    (
                        lambda server: agent_pb2_grpc.add_EdgeAgentServicer_to_server(  # type: ignore[no-untyped-call]
                            servicer, server
                        ),
                        SERVICE_NAME,
                    ),
                    (
                        lambda server: review_pb2_grpc.add_ReviewServicer_to_server(  # type: ignore[no-untyped-call]
                            review_servicer, server
                        ),
                        REVIEW_SERVICE_NAME,
                    ),
                ],
                tls=tls,
                max_message_bytes=config.limits.max_message_bytes,
                interceptors=[guard],
            )
        )
    except BaseException:
        await pipeline.close()
        if metrics_server is not None:
            metrics_server.shutdown()
            metrics_server.server_close()
        raise
    return AgentServer(started, pipeline, metrics_server, policy_watch), started.port


def _policy_watch(
    config: AgentConfig, reloader: PolicyReloader | None, pipeline: Pipeline
) -> Callable[[], Coroutine[Any, Any, None]] | None:
    """With a signed bundle: a watcher that swaps a good update into the pipeline."""
    if reloader is None or config.policy_bundle is None:
        return None

    def swap(engine: PolicyEngine) -> None:
        pipeline.policy = engine
        log.info("policy_updated", extra={"policy_version": engine.version})

    def refused(message: str) -> None:
        log.error(
            "policy_update_refused",
            extra={"policy_version": pipeline.policy.version, "detail": message},
        )

    reloader.on_change, reloader.on_refused = swap, refused
    reloader.metrics = pipeline.metrics
    pipeline.policy = reloader.engine
    return functools.partial(reloader.watch, config.policy_bundle.poll_s)
