"""The writer side of ``bastion audit``: keygen, rotate-key, public-key, and the paths.

``compliance.cli`` owns the ``bastion audit`` group (verify, export, verify-export read
the log) and adds these key commands to it with ``add_key_commands``: they touch the
signing key, which only the agent's side of the code handles.

Paths come from ``--config AGENT_YAML`` (keys ``audit.path``, ``audit.key``,
``audit.witness``) or from ``--db/--key/--witness``; a flag wins over the config.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bastion.configfile import ConfigFile
from bastion.crypto import IntegrityError, SigningKey
from bastion.errors import AuditError, InvalidInput


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


def add_paths(p: argparse.ArgumentParser, *, key: bool = True, witness: bool = True) -> None:
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


# -- handlers ---------------------------------------------------------------------------
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


def add_key_commands(cmds: Any) -> None:
    """Add keygen, rotate-key and public-key to the ``bastion audit`` sub-parsers."""
    p = cmds.add_parser("keygen", help="create a new Ed25519 signing key file")
    p.add_argument("--key", dest="key_file", required=True, metavar="PATH")
    p.set_defaults(func=_cmd_keygen)

    p = cmds.add_parser("rotate-key", help="hand the log over to a new signing key")
    add_paths(p)
    p.set_defaults(func=_cmd_rotate)

    p = cmds.add_parser("public-key", help="print the signing key's public key and id")
    p.add_argument("--config", metavar="AGENT_YAML")
    p.add_argument("--key", metavar="PATH")
    p.set_defaults(func=_cmd_public_key, db=None, witness=None)
