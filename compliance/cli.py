"""``bastion audit`` (verify, export, verify-export; plus the agent's key commands) and
``bastion console``.

Paths come from ``--config AGENT_YAML`` (keys ``audit.path``, ``audit.key``,
``audit.witness``) or from ``--db/--key/--witness``; a flag wins over the config.
Every command prints one summary line on success; failures are one line on stderr
(a ``BastionError`` through ``bastion.cli``): exit 1 when a log or export does not verify
(``VerificationFailed``, ``ExportInvalid``: tampering, a wrong key, truncation), 2 for a
usage or configuration error (a missing database, a bad flag).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.audit.cli import AuditPaths, add_key_commands, add_paths, resolve_paths
from bastion.crypto import IntegrityError, SigningKey, VerifyKey
from bastion.errors import AuditError, BastionError, InvalidInput


def parse_time(text: str, flag: str) -> float:
    """ISO 8601 (``2026-01-31``, ``2026-01-31T12:00:00Z``); naive times are UTC."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{flag}: expected an ISO 8601 date or time") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def parse_public_key(value: str) -> VerifyKey:
    """A 64-hex public key, or a file holding one."""
    text = value
    if not all(c in "0123456789abcdefABCDEF" for c in value.strip()) or os.path.exists(value):
        try:
            text = Path(value).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise InvalidInput("--public-key: neither a hex key nor a readable file") from None
    try:
        return VerifyKey.from_hex(text.strip())
    except IntegrityError as exc:
        raise InvalidInput(f"--public-key: {exc}") from None


def _pins(args: argparse.Namespace) -> list[VerifyKey]:
    return [parse_public_key(v) for v in (args.public_key or [])]


# -- handlers ---------------------------------------------------------------------------
def _cmd_verify(args: argparse.Namespace) -> int:
    from compliance.verify import verify_log

    paths = resolve_paths(args)
    witnesses: list[Path] = [Path(p) for p in (args.heads or [])]
    if paths.witness is not None and paths.witness.exists() and paths.witness not in witnesses:
        witnesses.insert(0, paths.witness)
    pins = _pins(args)
    if not pins and paths.key is not None and paths.key.exists():
        try:
            pins = [SigningKey.load(paths.key).verify_key]
        except IntegrityError as exc:
            raise AuditError(f"audit key file: {exc}") from None
    report = verify_log(paths.require_db(), witness_files=witnesses, pins=pins, deep=args.deep)
    print(report.summary())
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from compliance.export import export_log

    since, until = parse_time(args.since, "--since"), parse_time(args.until, "--until")
    if args.node:
        return _export_nodes(args, since, until)
    paths = resolve_paths(args)
    db = paths.require_db()
    _sign_fresh_head(paths)
    summary = export_log(
        db, Path(args.out), tenant=args.tenant, since=since, until=until, fmt=args.format
    )
    print(summary.summary())
    return 0


def _sign_fresh_head(paths: AuditPaths) -> None:
    """Sign a fresh head (when we hold the key) so the newest entries can be proven too."""
    from agent.audit.log import AuditConfig, AuditLog

    db = paths.require_db()
    if paths.key is not None and paths.key.exists() and paths.witness is not None:
        AuditLog.open(AuditConfig(db, paths.key, paths.witness)).close()


_SQLITE_MAGIC = b"SQLite format 3\x00"


def node_paths(spec: str) -> tuple[str, AuditPaths]:
    """``NAME=AGENT_CONFIG_OR_DB``: an agent config (audit.* keys) or an audit database."""
    from compliance.merge import check_node_name

    name, sep, target = spec.partition("=")
    if not sep or not target:
        raise InvalidInput("--node: expected NAME=AGENT_CONFIG_OR_DB")
    check_node_name(name)
    path = Path(target)
    try:
        with path.open("rb") as fh:
            is_db = fh.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        raise AuditError(f"node {name}: cannot read {path}") from None
    if is_db:
        return name, AuditPaths(path, None, None)
    ns = argparse.Namespace(config=str(path), db=None, key=None, witness=None)
    return name, resolve_paths(ns)


def _export_nodes(args: argparse.Namespace, since: float, until: float) -> int:
    from compliance.merge import NodeSource, export_merged

    if args.config or args.db or args.key or args.witness:
        raise InvalidInput("--node cannot be combined with --config, --db, --key or --witness")
    nodes: list[NodeSource] = []
    for spec in args.node:
        name, paths = node_paths(spec)
        try:
            _sign_fresh_head(paths)
            nodes.append(NodeSource(name, paths.require_db()))
        except BastionError as exc:  # a config without audit.path, a bad key file, ...
            raise AuditError(f"node {name}: {exc}") from None
    summary = export_merged(
        nodes, Path(args.out), tenant=args.tenant, since=since, until=until, fmt=args.format
    )
    print(summary.summary())
    return 0


def node_pins(values: Sequence[str]) -> tuple[list[VerifyKey], dict[str, VerifyKey]]:
    """Split ``--public-key`` values into plain pins and ``NODE=HEX_OR_FILE`` pins."""
    from compliance.merge import NODE_NAME

    plain: list[VerifyKey] = []
    per_node: dict[str, VerifyKey] = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if sep and NODE_NAME.fullmatch(name) and not os.path.exists(value):
            if name in per_node:
                raise InvalidInput(f"--public-key: node {name} is pinned twice")
            per_node[name] = parse_public_key(rest)
        else:
            plain.append(parse_public_key(value))
    return plain, per_node


def _cmd_verify_export(args: argparse.Namespace) -> int:
    from compliance.export import verify_export
    from compliance.merge import is_merged_export, verify_merged

    directory = Path(args.directory)
    if not directory.is_dir():
        raise InvalidInput(f"{directory}: no such export directory (expected manifest.json in it)")
    plain, per_node = node_pins(args.public_key or [])
    if is_merged_export(directory):
        if plain:
            raise InvalidInput("a merged export needs --public-key NODE=HEX_OR_FILE per node")
        print(verify_merged(directory, per_node).summary())
        return 0
    if per_node:
        raise InvalidInput("--public-key NODE=... applies to merged exports only")
    print(verify_export(directory, plain).summary())
    return 0


def _cmd_checkpoint(args: argparse.Namespace) -> int:
    from compliance.checkpoints import latest_checkpoint

    published = latest_checkpoint(resolve_paths(args).require_db())
    print(published.vkey if args.vkey else published.note, end="" if not args.vkey else "\n")
    return 0


# -- registration -----------------------------------------------------------------------
def register(sub: Any) -> None:
    group: argparse.ArgumentParser = sub.add_parser(
        "audit", help="verify and export the signed audit log"
    )
    cmds = group.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")

    p = cmds.add_parser("verify", help="recompute the log and check every signed head")
    add_paths(p)
    p.add_argument(
        "--heads",
        action="append",
        metavar="WITNESS_FILE",
        help="extra witness file of signed heads (repeatable)",
    )
    p.add_argument(
        "--public-key",
        action="append",
        metavar="HEX_OR_FILE",
        help="pin the log's public key (repeatable; default: the key file's)",
    )
    p.add_argument("--deep", action="store_true", help="also re-validate every entry's fields")
    p.set_defaults(func=_cmd_verify)

    p = cmds.add_parser("export", help="export a tenant's entries with proofs")
    add_paths(p)
    p.add_argument("--tenant", required=True)
    p.add_argument("--since", required=True, metavar="ISO", help="start (inclusive), UTC")
    p.add_argument("--until", required=True, metavar="ISO", help="end (exclusive), UTC")
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    p.add_argument("--out", required=True, metavar="DIR", help="new or empty directory")
    p.add_argument(
        "--node",
        action="append",
        metavar="NAME=AGENT_CONFIG_OR_DB",
        help="merge several nodes' logs into one export (repeatable; replaces --config/--db)",
    )
    p.set_defaults(func=_cmd_export)

    p = cmds.add_parser("verify-export", help="verify an export with only its files")
    p.add_argument("directory", metavar="DIR")
    p.add_argument(
        "--public-key",
        action="append",
        metavar="[NODE=]HEX_OR_FILE",
        help="pin the signer's public key; NODE=... per node of a merged export (repeatable)",
    )
    p.set_defaults(func=_cmd_verify_export)

    p = cmds.add_parser(
        "checkpoint",
        help="print the newest signed head as a C2SP tlog-checkpoint (signed note)",
    )
    add_paths(p, key=False, witness=False)
    p.add_argument("--vkey", action="store_true", help="print the log's note verifier key instead")
    p.set_defaults(func=_cmd_checkpoint)

    add_key_commands(cmds)


def _cmd_console_serve(args: argparse.Namespace) -> int:
    from compliance.console.config import load_console_config
    from compliance.console.serve import serve

    serve(load_console_config(args.config))
    return 0


def _cmd_hash_password(args: argparse.Namespace) -> int:
    import sys

    from compliance.console.auth import hash_password

    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        raise InvalidInput("a console password must be at least 12 characters")
    print(hash_password(password))
    return 0


def register_console(sub: Any) -> None:
    group: argparse.ArgumentParser = sub.add_parser(
        "console", help="the compliance web console (local, offline)"
    )
    cmds = group.add_subparsers(dest="console_command", required=True, metavar="SUBCOMMAND")
    p = cmds.add_parser(
        "serve", help="serve the console: overview, decision log, verify, export, review queue"
    )
    p.add_argument("--config", required=True, help="console YAML config (docs/console.md)")
    p.set_defaults(func=_cmd_console_serve)
    p = cmds.add_parser("hash-password", help="print the scrypt hash of a password read from stdin")
    p.set_defaults(func=_cmd_hash_password)
