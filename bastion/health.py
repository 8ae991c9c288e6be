"""``bastion health [TARGET]``: ask a Bastion server's gRPC health service if it serves.

For container health checks and load balancers, without extra binaries. Exit codes:
0 SERVING; 1 the server answered but is not serving (NOT_SERVING, draining, unknown
service); 2 usage or connection error (no target, unreadable TLS file, nothing listening,
TLS handshake failure, deadline). Every option has an environment default
(``BASTION_HEALTH_TARGET``, ``_SERVICE``, ``_CA``, ``_CERT``, ``_KEY``, ``_SERVER_NAME``),
so an image can say ``HEALTHCHECK CMD ["bastion", "health"]`` and a deployment set the
target and TLS files.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from bastion.errors import CheckFailed, InvalidInput, UpstreamError

_ENV = "BASTION_HEALTH_"


def _read(path: str | None, what: str) -> bytes | None:
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{what} {path}: cannot read ({exc.strerror})") from None


def check(
    target: str,
    *,
    service: str = "",
    timeout_s: float = 5.0,
    ca: str | None = None,
    cert: str | None = None,
    key: str | None = None,
    server_name: str | None = None,
) -> str:
    """The serving status name; ``CheckFailed`` when not serving, ``UpstreamError`` when
    the server cannot be reached."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    if bool(cert) != bool(key):
        raise InvalidInput("--tls-cert and --tls-key go together")
    options: list[tuple[str, Any]] = []
    if server_name:
        options.append(("grpc.ssl_target_name_override", server_name))
    if ca or cert:
        creds = grpc.ssl_channel_credentials(
            root_certificates=_read(ca, "--tls-ca"),
            private_key=_read(key, "--tls-key"),
            certificate_chain=_read(cert, "--tls-cert"),
        )
        channel = grpc.secure_channel(target, creds, options=options)
    else:
        channel = grpc.insecure_channel(target, options=options)
    with channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout_s)
        except grpc.RpcError as exc:
            code = exc.code()
            if code == grpc.StatusCode.NOT_FOUND:
                raise CheckFailed(
                    f"{target}: the server does not know service {service!r}"
                ) from None
            raise UpstreamError(f"{target}: {code.name}") from None
    status: str = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        raise CheckFailed(f"{target}: {status}")
    return status


def _handle(args: argparse.Namespace) -> int:
    if not args.target:
        raise InvalidInput(f"health: give TARGET (host:port) or set {_ENV}TARGET")
    if args.timeout <= 0:
        raise InvalidInput("--timeout must be positive")
    status = check(
        args.target,
        service=args.service,
        timeout_s=args.timeout,
        ca=args.tls_ca,
        cert=args.tls_cert,
        key=args.tls_key,
        server_name=args.server_name,
    )
    print(f"{args.target}: {status}")
    return 0


def register(sub: Any) -> None:
    env = os.environ.get
    p: argparse.ArgumentParser = sub.add_parser(
        "health",
        help="check a server's gRPC health (exit 0 serving, 1 not serving, 2 cannot connect)",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    p.add_argument(
        "target",
        nargs="?",
        default=env(f"{_ENV}TARGET"),
        metavar="TARGET",
        help=f"host:port of an agent or cloud tier (default ${_ENV}TARGET)",
    )
    p.add_argument(
        "--service",
        default=env(f"{_ENV}SERVICE", ""),
        help="health service name (default: the whole server)",
    )
    p.add_argument("--timeout", type=float, default=5.0, help="seconds (default 5)")
    p.add_argument("--tls-ca", default=env(f"{_ENV}CA"), metavar="FILE", help="server CA (TLS)")
    p.add_argument(
        "--tls-cert", default=env(f"{_ENV}CERT"), metavar="FILE", help="client certificate (mTLS)"
    )
    p.add_argument("--tls-key", default=env(f"{_ENV}KEY"), metavar="FILE", help="client key (mTLS)")
    p.add_argument(
        "--server-name",
        default=env(f"{_ENV}SERVER_NAME"),
        metavar="NAME",
        help="name to expect in the server certificate (when TARGET is an address)",
    )
    p.set_defaults(func=_handle)
