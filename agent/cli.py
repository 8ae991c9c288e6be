"""``bastion agent serve`` and ``bastion route`` (a client that prints per-section decisions)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from bastion.errors import InvalidInput, UpstreamError

log = logging.getLogger("bastion.agent")

MODES = ["sequential", "fusion", "debate", "red_team", "research"]
RESOLUTIONS = [
    "default",
    "majority_vote",
    "confidence_weighted",
    "hierarchical",
    "human_arbitration",
]


def register(sub: Any) -> None:
    agent = sub.add_parser("agent", help="run the on-prem agent")
    agent_sub = agent.add_subparsers(dest="agent_command", required=True, metavar="COMMAND")
    serve = agent_sub.add_parser("serve", help="serve the EdgeAgent gRPC API")
    serve.add_argument("--config", required=True, type=Path, help="agent YAML config")
    serve.set_defaults(func=_serve)
    check = agent_sub.add_parser(
        "check-config",
        help="report every problem of an agent config at once (exit 2 if any, 0 if fine)",
        description="Parse every section of the config and check what it points at: TLS "
        "files (PEM, dates, key pairs), the model artifacts, the policy or signed bundle, "
        "audit and vault state paths and keys, ports. Starts nothing and writes nothing.",
    )
    check.add_argument("--config", required=True, type=Path, help="agent YAML config")
    check.set_defaults(func=_check_config)
    hash_token = agent_sub.add_parser(
        "hash-token",
        help="print the sha256 digest of a bearer token (read from stdin) for auth.tenants",
    )
    hash_token.set_defaults(func=_hash_token)

    route = sub.add_parser(
        "route",
        help="send documents to a running agent and print the per-section decisions",
        description="A client: send each DOCUMENT (a UTF-8 text file) through Route and print "
        "what left, what was withheld and why.",
    )
    route.add_argument(
        "--config",
        required=True,
        type=Path,
        help="agent YAML config (its listen address and TLS are used to connect)",
    )
    route.add_argument("documents", nargs="+", type=Path, metavar="DOCUMENT")
    route.add_argument("--tenant", required=True)
    route.add_argument("--jurisdiction", required=True, help="source jurisdiction, e.g. EU, UK, US")
    route.add_argument("--instruction", default="Summarise the key points of these sections.")
    route.add_argument("--mode", choices=MODES, default="fusion")
    route.add_argument("--resolution", choices=RESOLUTIONS, default="default")
    route.add_argument("--timeout", type=float, default=300.0, help="deadline in seconds")
    route.add_argument("--json", action="store_true", help="print one JSON object per document")
    route.add_argument("--token", default=None, help="bearer token (else $BASTION_TOKEN)")
    route.add_argument(
        "--local",
        action="store_true",
        help="run the agent's pipeline in this process (no agent server; same config, "
        "models, policy, vault, audit log and cloud tier) - not beside a running agent "
        "that owns the same vault",
    )
    route.set_defaults(func=_route)


def _serve(args: argparse.Namespace) -> int:
    from agent.config import load_agent_config
    from agent.server import create_server

    config = load_agent_config(args.config)

    async def run() -> None:
        server, port = await create_server(config)
        log.info("agent_listening", extra={"host": config.listen_host, "port": port})
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("agent_draining", extra={"grace_s": 10.0})
        await server.stop(grace=10.0)
        log.info("agent_stopped")

    asyncio.run(run())
    return 0


def _check_config(args: argparse.Namespace) -> int:
    import time

    from agent.checkconfig import check_agent_config

    problems = check_agent_config(args.config, now=time.time())
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"bastion: {args.config}: {len(problems)} problem(s)", file=sys.stderr)
        return 2
    print(f"{args.config}: ok")
    return 0


def _hash_token(args: argparse.Namespace) -> int:
    from agent.auth import hash_token

    token = sys.stdin.readline().strip()
    if len(token) < 16:
        raise InvalidInput("a bearer token must be at least 16 characters")
    print(hash_token(token))
    return 0


def _route(args: argparse.Namespace) -> int:
    import os

    import grpc

    from agent.config import load_agent_config
    from bastion.wire.v1 import agent_pb2, agent_pb2_grpc, common_pb2

    config = load_agent_config(args.config)
    # A wildcard listen address is reached through localhost.
    wildcard = config.listen_host in ("0.0.0.0", "::")  # noqa: S104
    target = f"{'localhost' if wildcard else config.listen_host}:{config.listen_port}"
    token = args.token or os.environ.get("BASTION_TOKEN")
    mode = args.mode.upper()  # enum value names, as protobuf accepts them
    resolution = (
        "RESOLUTION_UNSPECIFIED" if args.resolution == "default" else args.resolution.upper()
    )

    def request_for(path: Path) -> Any:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
        return agent_pb2.RouteRequest(
            document=agent_pb2.Document(
                tenant=args.tenant,
                document_id=path.stem,
                source_jurisdiction=args.jurisdiction,
                text=data,
            ),
            task=common_pb2.Task(instruction=args.instruction, mode=mode, resolution=resolution),
        )

    async def run_local() -> int:
        from agent.server.decode import document_from_proto, task_from_proto
        from agent.server.encode import route_response
        from agent.wiring import build_pipeline

        pipeline = build_pipeline(config)
        try:
            for path in args.documents:
                request = request_for(path)
                doc = document_from_proto(request.document, config.limits, caller="cli:local")
                result = await pipeline.route(
                    doc, task_from_proto(request.task), deadline_s=args.timeout
                )
                print_route(path.name, route_response(result), as_json=args.json)
        finally:
            await pipeline.close()
        return 0

    async def run() -> int:
        if config.tls is not None:
            creds = grpc.ssl_channel_credentials(
                root_certificates=config.tls.ca.read_bytes() if config.tls.ca else None
            )
            channel = grpc.aio.secure_channel(target, creds)
        else:
            channel = grpc.aio.insecure_channel(target)
        stub = agent_pb2_grpc.EdgeAgentStub(channel)  # type: ignore[no-untyped-call]
        metadata = (("authorization", f"Bearer {token}"),) if token else ()
        async with channel:
            for path in args.documents:
                request = request_for(path)
                try:
                    response = await stub.Route(request, timeout=args.timeout, metadata=metadata)
                except grpc.aio.AioRpcError as exc:
                    raise UpstreamError(
                        f"{path.name}: {exc.code().name}: {exc.details()}"
                    ) from None
                print_route(path.name, response, as_json=args.json)
        return 0

    if args.local:
        return asyncio.run(run_local())
    return asyncio.run(run())


def print_route(name: str, r: Any, *, as_json: bool) -> None:
    """One RouteResponse: a JSON line, or a table of per-section decisions and the answer."""
    from google.protobuf.json_format import MessageToDict

    if as_json:
        print(json.dumps({"document": name, **MessageToDict(r)}, sort_keys=True))
        return
    from rich.console import Console
    from rich.table import Table

    # not a terminal (a pipe, the demo, a log): wide enough for the table not to wrap
    console = Console(width=None if sys.stdout.isatty() else 140)
    table = Table(
        title=f"{name}  ->  {r.status}   policy {r.policy_version[:19]}", title_justify="left"
    )
    for col in ("#", "heading", "category", "entities", "action", "rules", "status", "destination"):
        table.add_column(col, overflow="fold")
    for s in r.sections:
        entities = ", ".join(f"{k}:{v}" for k, v in sorted(s.entity_counts.items())) or "-"
        table.add_row(
            str(s.index),
            (s.heading or "")[:28],
            s.category,
            entities,
            s.action,
            ",".join(s.rule_ids),
            s.status,
            f"{s.destination.name} ({s.destination.region})" if s.destination.name else "-",
        )
    console.print(table)
    i = r.instruction
    if i.status:
        console.print(
            f"instruction: {i.category}, {i.action} by {','.join(i.rule_ids)} -> {i.status}",
            markup=False,
            highlight=False,
        )
    if r.answer:
        console.print(f"[bold]answer[/bold] (agreement {r.agreement:.2f}):")
        console.print(r.answer.strip()[:1200], markup=False, highlight=False)
    if r.injection_findings:
        console.print(f"[yellow]injection findings:[/yellow] {len(r.injection_findings)}")
    console.print(f"audit entries: {len(r.audit_entry_ids)}\n")
