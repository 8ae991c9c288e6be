"""``bastion cloud serve --config FILE``: run the orchestration tier until SIGTERM/SIGINT.

If any provider says ``base_url: local``, the bundled local model server is started first
and stopped after the gRPC server has drained (graceful stop: ``--grace`` seconds).
``--ray`` serves the same contract from Ray Serve deployments (``cloud.ray_serve``, the
``ray`` extra, settings in the config's ``ray:`` section); without it ray is never imported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from typing import Any

from cloud.config import CloudConfig, load_config


def register(sub: Any) -> None:
    cloud = sub.add_parser("cloud", help="the cloud orchestration tier")
    cloud_sub = cloud.add_subparsers(dest="cloud_command", required=True, metavar="COMMAND")
    serve = cloud_sub.add_parser("serve", help="serve the Orchestrator gRPC API")
    serve.add_argument("--config", required=True, help="cloud tier YAML (see examples/cloud.yaml)")
    serve.add_argument(
        "--grace", type=float, default=10.0, help="seconds to finish in-flight calls on stop"
    )
    serve.add_argument(
        "--ray",
        action="store_true",
        help="run the orchestrator and providers as Ray Serve deployments (see the ray: section)",
    )
    serve.set_defaults(func=_serve)


log = logging.getLogger("bastion.cloud")


def _serve(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not config.needs_local_model:
        asyncio.run(serve(config, grace=args.grace, ray=args.ray))
        return 0
    from cloud.localmodel import LocalLLM

    # Until the event loop takes over SIGTERM, turn it into SystemExit so that the
    # ``with`` below still stops the model server (no orphaned llama.cpp process).
    signal.signal(signal.SIGTERM, _exit_on_signal)
    local = config.local_model
    with LocalLLM.start(
        threads=local.threads,
        model_path=local.model_path,
        startup_timeout_s=local.startup_timeout_s,
        context_tokens=local.context_tokens,
    ) as llm:
        log.info("local_model_ready", extra={"base_url": llm.base_url})
        local_config = config.with_local_base_url(llm.base_url)
        asyncio.run(serve(local_config, grace=args.grace, ray=args.ray))
    return 0


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


async def serve(config: CloudConfig, *, grace: float = 10.0, ray: bool = False) -> None:
    """Serve until SIGTERM or SIGINT, then stop gracefully (``await server.stop(grace)``)."""
    server: Any
    if ray:
        from cloud.ray_serve import create_ray_server

        server, port = await create_ray_server(config)
    else:
        from cloud.server import create_server

        server, port = await create_server(config)
    runtime = " (Ray Serve)" if ray else ""
    # stdout, for whoever waits for the port (tests bind port 0); the log line is on stderr
    print(f"bastion cloud: listening on {config.listen_host}:{port}{runtime}", flush=True)
    log.info("cloud_listening", extra={"host": config.listen_host, "port": port, "ray": ray})
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    log.info("cloud_draining", extra={"grace_s": grace})
    await server.stop(grace)
    log.info("cloud_stopped")
