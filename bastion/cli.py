"""The ``bastion`` command line: one entry point, one sub-command group per stage.

Each group lives next to the code it drives and exposes ``register(subparsers)``; the
handler it sets returns the exit code. Logging is configured here, once, for every
command (``bastion.logs``: JSON lines on stderr).

Exit codes, the same for every command:

- 0: done, every check passed;
- 1: a check ran and found a problem (``CheckFailed``: a log or export that does not
  verify, a failing policy test or invalid policy, a server not serving);
- 2: usage or configuration error, bad input (argparse errors and every other
  ``BastionError``), one line on stderr;
- 70: an unexpected internal error (a bug), one line naming only the exception type;
- 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from bastion import logs, version
from bastion.errors import BastionError, CheckFailed

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    from agent import cli as agent_cli
    from agent.classify import cli as models_cli
    from agent.detect import cli as detect_cli
    from agent.policy import cli as policy_cli
    from bastion import health
    from cloud import cli as cloud_cli
    from compliance import cli as audit_cli

    parser = argparse.ArgumentParser(
        prog="bastion",
        description="On-prem AI gateway: detect, decide, redact, orchestrate, audit.",
    )
    parser.add_argument("--version", action="version", version=f"bastion {version()}")
    parser.add_argument(
        "--log-level",
        choices=logs.LEVELS,
        default=os.environ.get("BASTION_LOG_LEVEL", "info"),
        help="JSON log lines on stderr from this level on (default info, or $BASTION_LOG_LEVEL)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    detect_cli.register(sub)
    agent_cli.register(sub)
    cloud_cli.register(sub)
    policy_cli.register(sub)
    audit_cli.register(sub)
    audit_cli.register_console(sub)
    models_cli.register(sub)
    health.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.log_level not in logs.LEVELS:  # a bad $BASTION_LOG_LEVEL
        parser.error(f"--log-level: expected one of {', '.join(logs.LEVELS)}")
    logs.configure(args.log_level)
    handler: Handler = args.func
    try:
        return handler(args)
    except CheckFailed as exc:
        print(f"bastion: check failed: {exc}", file=sys.stderr)
        return 1
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
