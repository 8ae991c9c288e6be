"""``bastion audit``: verify, export, verify-export, keygen, rotate-key, public-key.

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
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bastion.configfile import ConfigFile
from bastion.crypto import IntegrityError, SigningKey, VerifyKey
from bastion.errors import AuditError, BastionError, InvalidInput


@dataclass(frozen=True)
class AuditPaths:
    db: Path | None
    key: Path | None
    witness: Path | None

    def require_db(self) -> Path:
        """The database path; it must exist (no command here creates a log)."""
        if self.db is None:
            raise InvalidInput("no audit database: give --db or --config with audit.path")
        if not self.db.exists():
            raise AuditError(f"audit database {self.db} does not exist")
        return self.db

    def require_key(self) -> Path:
        if self.key is None:
            raise InvalidInput("no audit key file: give --key or --config with audit.key")
        return self.key

    def require_witness(self) -> Path:
        if self.witness is None:
            raise InvalidInput("no witness file: give --witness or --config with audit.witness")
        return self.witness


def resolve_paths(args: argparse.Namespace) -> AuditPaths:
    db, key, witness = args.db, args.key, args.witness
    if args.config:
        cfg = ConfigFile.load(args.config)
        db = db or cfg.path_value("audit.path")
        key = key or cfg.path_value("audit.key")
        witness = witness or cfg.path_value("audit.witness")
    return AuditPaths(
        Path(db) if db else None, Path(key) if key else None, Path(witness) if witness else None
    )


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
    from agent.audit.verify import verify_log

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
    from agent.audit.export import export_log

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
    from agent.audit.merge import check_node_name

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
    from agent.audit.merge import NodeSource, export_merged

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
    from agent.audit.merge import NODE_NAME

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
    from agent.audit.export import verify_export
    from agent.audit.merge import is_merged_export, verify_merged

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


def _cmd_keygen(args: argparse.Namespace) -> int:
    path = Path(args.key_file)
    if path.exists():
        raise AuditError(f"{path} exists; refusing to overwrite a signing key")
    key = SigningKey.load_or_create(path)
    print(f"created signing key {key.key_id} in {path}; public key {key.verify_key.to_hex()}")
    return 0


def _cmd_rotate(args: argparse.Namespace) -> int:
    from agent.audit.log import AuditConfig, rotate_key_file

    paths = resolve_paths(args)
    key_path = paths.require_key()
    if not key_path.exists():
        raise AuditError(f"audit key file {key_path} does not exist")
    config = AuditConfig(paths.require_db(), key_path, paths.require_witness())
    rec = rotate_key_file(config, time.time)
    print(
        f"rotated audit signing key {rec.previous_key_id} -> {rec.key_id}; "
        f"new public key {rec.public_key}"
    )
    return 0


def _cmd_public_key(args: argparse.Namespace) -> int:
    key_path = resolve_paths(args).require_key()
    try:
        key = SigningKey.load(key_path)
    except IntegrityError as exc:
        raise AuditError(f"audit key file: {exc}") from None
    print(f"{key.verify_key.to_hex()} key_id={key.key_id}")
    return 0


# -- registration -----------------------------------------------------------------------
def _add_paths(p: argparse.ArgumentParser, *, key: bool = True, witness: bool = True) -> None:
    p.add_argument("--config", metavar="AGENT_YAML", help="agent config (audit.* keys)")
    p.add_argument("--db", metavar="PATH", help="audit database (overrides audit.path)")
    if key:
        p.add_argument("--key", metavar="PATH", help="signing key file (overrides audit.key)")
    else:
        p.set_defaults(key=None)
    if witness:
        p.add_argument("--witness", metavar="PATH", help="witness file (overrides audit.witness)")
    else:
        p.set_defaults(witness=None)


def register(sub: Any) -> None:
    group: argparse.ArgumentParser = sub.add_parser(
        "audit", help="verify and export the signed audit log"
    )
    cmds = group.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")

    p = cmds.add_parser("verify", help="recompute the log and check every signed head")
    _add_paths(p)
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
    _add_paths(p)
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

    p = cmds.add_parser("keygen", help="create a new Ed25519 signing key file")
    p.add_argument("--key", dest="key_file", required=True, metavar="PATH")
    p.set_defaults(func=_cmd_keygen)

    p = cmds.add_parser("rotate-key", help="hand the log over to a new signing key")
    _add_paths(p)
    p.set_defaults(func=_cmd_rotate)

    p = cmds.add_parser("public-key", help="print the signing key's public key and id")
    p.add_argument("--config", metavar="AGENT_YAML")
    p.add_argument("--key", metavar="PATH")
    p.set_defaults(func=_cmd_public_key, db=None, witness=None)


def main_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv`` as ``bastion audit ...`` (for tests)."""
    parser = argparse.ArgumentParser(prog="bastion")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["audit", *argv])
