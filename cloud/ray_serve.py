"""The cloud tier on Ray Serve: the same ``Orchestrator`` gRPC contract, scaled out.

    agent ──gRPC (mTLS)──▶ grpc.aio front in this process (cloud.server.create_server:
                            TLS, client CNs, limits, health, reflection, status mapping)
                              │ DeploymentHandle
                              ▼
                           "orchestrator" deployment ── cloud.orchestrator.Orchestrator
                              │ (eligible panel, Dispatcher: destination check per call,
                              │  fallbacks, budgets - the single-process code, unchanged)
                              │ DeploymentHandle per provider
                              ▼
                           "provider-<name>" deployments ── cloud.providers.ChatProvider
                              │ httpx
                              ▼
                           OpenAI-compatible vendors

Nothing about residency is re-implemented here: the orchestrator replica runs the real
``Orchestrator`` over ``DeploymentProvider`` objects, which present the ``ChatProvider``
interface but forward ``complete`` to the provider's deployment, so every destination
check, fallback skip and budget reservation happens in ``cloud/dispatch.py`` exactly as in
the single-process tier. Failures cross Ray as values (``ProviderRefusal``, or the
``BastionError`` itself, or ``ReplicaFault`` for a bug) rather than as Ray-wrapped
exceptions, so each maps to the same status code and no exception message reaches Ray's
logs; anything Ray itself raises (a dead replica, an unhealthy deployment) becomes
UNAVAILABLE - the request fails closed.

API keys never enter Ray's control plane: the configuration handed to deployments has its
keys removed, and each provider replica reads its own key from the environment variable
the YAML names (``api_key_env``), in its own process.

``ray`` is imported only inside the functions below, so the default single-process tier
never imports it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bastion.errors import BastionError, ConfigError, UpstreamError
from cloud.config import CloudConfig, ProviderConfig
from cloud.domain import ChatMessage, Completion, OrchestrationRequest, Outcome
from cloud.errors import ProviderFailed
from cloud.metrics import CloudMetrics
from cloud.orchestrator import Orchestrator, safe_id
from cloud.providers import ChatProvider
from cloud.ray_config import RaySettings, Scaling
from cloud.server import CloudServer, create_server

log = logging.getLogger("bastion.cloud")

APP_NAME = "bastion-cloud"
ORCHESTRATOR_DEPLOYMENT = "orchestrator"
# Ray picks the node's outward address even for a single local node; with this set before
# ``import ray`` it uses 127.0.0.1, so its agents and gRPC servers bind to loopback.
_LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def provider_deployment_name(provider: str) -> str:
    return f"provider-{provider}"


async def _cancel_with_caller(response: Any) -> Any:
    """Await a ``DeploymentResponse``; if the caller is cancelled, cancel it in Ray too.

    Without this a caller's deadline stops only the wait: the replicas would go on
    calling vendors (sending data, spending tokens) for a request nobody awaits.
    """
    try:
        return await response
    except asyncio.CancelledError:
        response.cancel()
        raise


# -- provider adapters ------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderRefusal:
    """A failed provider call, returned as a value: Ray would wrap a raised exception."""

    message: str
    retryable: bool


@dataclass(frozen=True)
class ReplicaFault:
    """An unexpected exception inside a replica, reduced to its type name.

    Raised across Ray, its message (which might quote request data) would be logged by Ray
    and carried in the error; the replica logs frames only, as ``cloud.server`` does.
    """

    kind: str


class ReplicaError(Exception):
    """A replica failed unexpectedly (INTERNAL at the front, as in the single process)."""


def _fault(request_id: str, exc: Exception) -> ReplicaFault:
    log.error(
        "replica_internal_error",
        extra={
            "request_id": safe_id(request_id),
            "error": type(exc).__name__,
            "frames": "".join(traceback.format_tb(exc.__traceback__)),
        },
    )
    return ReplicaFault(type(exc).__name__)


class ProviderReplica:
    """One provider adapter (``ChatProvider``: pool, semaphore, retries) as a replica.

    ``max_concurrency`` applies per replica: a vendor sees at most ``max_concurrency x
    max_replicas`` calls in flight from the tier.
    """

    def __init__(self, config: ProviderConfig) -> None:
        if config.api_key_env:
            api_key = os.environ.get(config.api_key_env, "")
            if not api_key:
                raise ConfigError(
                    f"provider {config.name}: environment variable {config.api_key_env} is not "
                    "set in this Ray worker (set it before Ray starts, on every node)"
                )
            config = replace(config, api_key=api_key)
        self._provider = ChatProvider(config)

    async def complete(
        self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float | None
    ) -> Completion | ProviderRefusal | ReplicaFault:
        try:
            return await self._provider.complete(
                messages, max_tokens=max_tokens, temperature=temperature
            )
        except ProviderFailed as exc:
            return ProviderRefusal(str(exc), exc.retryable)
        except Exception as exc:
            return _fault("-", exc)


class DeploymentProvider(ChatProvider):
    """The orchestrator's view of a provider deployment, with ``ChatProvider``'s interface.

    ``Dispatcher`` reads ``config`` (destination checks, fallbacks, cost) and calls
    ``complete``; the HTTP pool lives in the provider replica, so ``ChatProvider.__init__``
    (which would open one here) is deliberately not called.
    """

    def __init__(self, config: ProviderConfig, handle: Any) -> None:
        self.config = config
        self._handle = handle

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int,
        temperature: float | None = None,
    ) -> Completion:
        try:
            reply = await _cancel_with_caller(
                self._handle.complete.remote(list(messages), max_tokens, temperature)
            )
        except Exception as exc:  # a dead replica, an unhealthy deployment: fail this call
            raise ProviderFailed(
                f"provider {self.name}: its deployment is unavailable ({type(exc).__name__})"
            ) from None
        if isinstance(reply, ProviderRefusal):
            raise ProviderFailed(reply.message, retryable=reply.retryable)
        if isinstance(reply, ReplicaFault):
            raise ReplicaError(f"provider {self.name}: internal error ({reply.kind})")
        if not isinstance(reply, Completion):
            raise ProviderFailed(f"provider {self.name}: unexpected reply from its deployment")
        return reply

    async def aclose(self) -> None:
        return None  # the provider replica owns the connection pool


# -- the orchestrator -------------------------------------------------------------------


class OrchestratorReplica:
    """The real ``Orchestrator`` over provider deployments (the Serve ingress)."""

    def __init__(self, config: CloudConfig, provider_handles: dict[str, Any]) -> None:
        providers = {
            p.name: DeploymentProvider(p, provider_handles[p.name]) for p in config.providers
        }
        self._orchestrator = Orchestrator(config, providers=providers)

    async def run(self, request: OrchestrationRequest) -> Outcome | BastionError | ReplicaFault:
        try:
            return await self._orchestrator.run(request)
        except BastionError as exc:  # a refusal, returned whole so its status survives
            return exc
        except Exception as exc:
            return _fault(request.request_id, exc)


class ServeOrchestrator(Orchestrator):
    """Stands in for ``Orchestrator`` in ``cloud.server``: ``run`` goes to the deployment.

    The gRPC servicer calls only ``run``, ``metrics`` and ``aclose``, so the front keeps
    every guard of the single-process server (TLS, client CNs, limits, in-flight cap).
    ``Orchestrator.__init__`` is not called: the providers live in their deployments.
    """

    def __init__(self, config: CloudConfig, handle: Any) -> None:
        self.config = config
        self.metrics = CloudMetrics()
        self._handle = handle

    async def run(self, request: OrchestrationRequest) -> Outcome:
        try:
            reply = await _cancel_with_caller(self._handle.run.remote(request))
        except Exception as exc:  # replica died, deployment unhealthy: nothing answered
            raise UpstreamError(
                f"the orchestrator deployment is unavailable ({type(exc).__name__})"
            ) from None
        if isinstance(reply, BastionError):
            raise reply
        if isinstance(reply, ReplicaFault):
            raise ReplicaError(f"orchestrator replica: internal error ({reply.kind})")
        if not isinstance(reply, Outcome):
            raise UpstreamError("unexpected reply from the orchestrator deployment")
        self.metrics.record_calls(reply.calls)  # the replicas' own registries are not scraped
        return reply

    async def aclose(self) -> None:
        return None


# -- Ray and Serve lifecycle ------------------------------------------------------------


def _import_ray(*, loopback: bool) -> Any:
    """``import ray``; with ``loopback``, first make a cluster started here bind to loopback.

    Ray reads the setting at import, so it only takes effect if nothing imported ray yet.
    """
    if loopback and "ray" not in sys.modules:
        os.environ.setdefault(_LOOPBACK_ENV, "0")
    import ray

    return ray


def start_local_ray(num_cpus: int | None = None, object_store_mb: int = 256) -> None:
    """Start a private single-node Ray cluster on loopback, dashboard off.

    Call it before anything else imports ray in this process, or Ray binds its agents to
    the machine's outward address instead of 127.0.0.1.
    """
    ray = _import_ray(loopback=True)
    ray.init(
        num_cpus=num_cpus,
        include_dashboard=False,
        object_store_memory=object_store_mb * 1024 * 1024,
        configure_logging=False,
    )


def _connect(settings: RaySettings) -> bool:
    """Connect to (or start) Ray; True when this process started it and must stop it."""
    ray = _import_ray(loopback=settings.starts_local_cluster)
    if ray.is_initialized():
        return False
    if settings.starts_local_cluster:
        start_local_ray(settings.num_cpus, settings.object_store_mb)
    else:
        ray.init(address=settings.address, configure_logging=False)
    return True


def _options(scaling: Scaling, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "autoscaling_config": scaling.autoscaling_config(),
        "max_ongoing_requests": scaling.max_ongoing_requests,
        "ray_actor_options": {"num_cpus": scaling.num_cpus},
        # The front drains first (``stop(grace)``), so a stopping replica rarely has work
        # left: poll for it every 0.5 s instead of Serve's default 2 s.
        "graceful_shutdown_wait_loop_s": 0.5,
    }


def without_keys(config: CloudConfig) -> CloudConfig:
    """The config with every API key removed: what may be stored in Ray's control plane."""
    return replace(config, providers=tuple(replace(p, api_key=None) for p in config.providers))


def build_application(config: CloudConfig) -> Any:
    """The Serve application: the orchestrator ingress bound to one deployment per provider."""
    from ray import serve

    settings = config.ray or RaySettings()
    clean = without_keys(config)
    providers = {
        p.name: serve.deployment(
            **_options(settings.for_provider(p.name), provider_deployment_name(p.name))
        )(ProviderReplica).bind(p)
        for p in clean.providers
    }
    orchestrator = serve.deployment(**_options(settings.orchestrator, ORCHESTRATOR_DEPLOYMENT))(
        OrchestratorReplica
    )
    return orchestrator.bind(clean, providers)


def _deploy(config: CloudConfig, app_name: str) -> Any:
    from ray import serve

    # No Serve HTTP or gRPC proxy: the grpc.aio front in this process is the only ingress.
    serve.start(proxy_location="Disabled")
    try:
        return serve.run(build_application(config), name=app_name, route_prefix=None)
    except Exception as exc:
        reasons = "; ".join(_failed_deployments(app_name)) or type(exc).__name__
        raise ConfigError(
            f"{config.path}: ray: the Ray Serve application did not start: {reasons}"
        ) from None


def _failed_deployments(app_name: str) -> list[str]:
    """``name: last line of its error`` per unhealthy deployment (our errors name no secret)."""
    from ray import serve

    try:
        app = serve.status().applications.get(app_name)
    except Exception:  # status is best effort: the start already failed
        return []
    reasons = []
    for name, deployment in (app.deployments if app else {}).items():
        if deployment.status == "HEALTHY":
            continue
        lines = [line.strip() for line in deployment.message.splitlines() if line.strip()]
        reasons.append(f"{name}: {(lines[-1] if lines else deployment.status)[:300]}")
    return reasons


def _teardown(app_name: str, owns_ray: bool) -> None:
    import ray
    from ray import serve

    if not ray.is_initialized():
        return
    if owns_ray:
        serve.shutdown()  # type: ignore[no-untyped-call]
        ray.shutdown()
    else:
        serve.delete(app_name)


class RayCloudServer:
    """The started front plus the Serve application behind it; ``stop`` removes both.

    When this process started Ray (``ray.address: local`` and no ``ray.init`` before),
    ``stop`` also shuts Serve and Ray down; otherwise it deletes only its application.
    """

    def __init__(self, front: CloudServer, port: int, app_name: str, owns_ray: bool) -> None:
        self.front = front
        self.port = port
        self.app_name = app_name
        self.owns_ray = owns_ray

    async def stop(self, grace: float | None) -> None:
        try:
            await self.front.stop(grace)
        finally:
            await asyncio.to_thread(_teardown, self.app_name, self.owns_ray)

    async def wait_for_termination(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109 (grpc.aio.Server signature)
        return await self.front.wait_for_termination(timeout)


async def create_ray_server(
    config: CloudConfig, *, app_name: str = APP_NAME
) -> tuple[RayCloudServer, int]:
    """Deploy the tier on Ray Serve and start its gRPC front; returns it and the bound port.

    Uses the Ray connection of this process if there is one, else connects as
    ``ray.address`` says (by default: starts a local cluster on loopback).
    """
    settings = config.ray or RaySettings()
    owns_ray = await asyncio.to_thread(_connect, settings)
    try:
        handle = await asyncio.to_thread(_deploy, config, app_name)
        front, port = await create_server(config, orchestrator=ServeOrchestrator(config, handle))
    except BaseException:
        await asyncio.to_thread(_teardown, app_name, owns_ray)
        raise
    log.info(
        "ray_serve_deployed",
        extra={"application": app_name, "provider_deployments": len(config.providers)},
    )
    return RayCloudServer(front, port, app_name, owns_ray), port
