"""The ``bastion`` command line: one entry point, one sub-command group per stage.

Each group lives next to the code it drives and exposes ``register(subparsers)``; the
handler it sets returns the exit code. A ``BastionError`` becomes one line on stderr and
exit code 2; an unexpected exception exit code 70, still one line (no document text).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from bastion.errors import BastionError

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    from agent import cli as agent_cli
    from agent.classify import cli as models_cli
    from agent.detect import cli as detect_cli
    from agent.policy import cli as policy_cli
    from cloud import cli as cloud_cli
    from compliance import cli as audit_cli

    parser = argparse.ArgumentParser(
        prog="bastion",
        description="On-prem AI gateway: detect, decide, redact, orchestrate, audit.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    detect_cli.register(sub)
    agent_cli.register(sub)
    cloud_cli.register(sub)
    policy_cli.register(sub)
    audit_cli.register(sub)
    audit_cli.register_console(sub)
    models_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.func
    try:
        return handler(args)
    except BastionError as exc:
        print(f"bastion: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        print(f"bastion: internal error: {type(exc).__name__}", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
