"""The console's YAML config, validated at start (errors name the file, line and key).

listen: 127.0.0.1:8600             # plaintext only on loopback; elsewhere tls
tls: {cert: console.crt, key: console.key}
agent_config: agent.yaml           # the audit.* paths (read-only) and the agent address
public_key: audit.pub              # pin for "verify the log" (hex or file); default:
                                   #   the key file named in agent_config, if readable
review:                            # optional: the agent's Review service
  endpoint: 127.0.0.1:50051        # default: the agent config's listen address
  ca: ca.crt                       # TLS to the agent (optional on loopback)
  reviewer_tokens: {northbank: northbank-reviewer.token}   # token files, mode 0600
session_secret: console.secret     # created (0600) if missing
session_minutes: 30
accounts:
  - {name: olivia, role: compliance, tenants: ["*"], password_scrypt: "scrypt$..."}
  - {name: rita, role: reviewer, tenants: [northbank], password_scrypt: "scrypt$..."}
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from bastion.configfile import ConfigFile, is_loopback, parse_host_port
from bastion.crypto import IntegrityError, VerifyKey

ROLES = ("compliance", "reviewer", "admin")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    tenants: frozenset[str]  # "*" = every tenant
    password_scrypt: str

    def may_see(self, tenant: str) -> bool:
        return "*" in self.tenants or tenant in self.tenants

    def can(self, role: str) -> bool:
        return self.role == "admin" or self.role == role


@dataclass(frozen=True)
class ReviewSettings:
    endpoint: str
    ca: Path | None
    token_files: dict[str, Path]


@dataclass(frozen=True)
class ConsoleConfig:
    path: Path
    host: str
    port: int
    tls: tuple[Path, Path] | None
    audit_db: Path
    witness: Path | None
    key_file: Path | None
    pins: tuple[VerifyKey, ...]
    review: ReviewSettings | None
    session_secret: Path
    session_minutes: int
    accounts: dict[str, Account] = field(default_factory=dict)

    def secret(self) -> bytes:
        """The session-signing secret, created (0600) on first start."""
        if not self.session_secret.exists():
            self.session_secret.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.session_secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        return bytes.fromhex(self.session_secret.read_text().strip())


def load_console_config(path: str | Path) -> ConsoleConfig:
    cfg = ConfigFile.load(path)
    cfg.check_known(
        "",
        {
            "listen",
            "tls",
            "agent_config",
            "public_key",
            "review",
            "session_secret",
            "session_minutes",
            "accounts",
        },
    )
    host, port = parse_host_port(cfg, "listen", cfg.require("listen", str))
    tls = cfg.tls_files("tls", "ca")
    if tls is None and not is_loopback(host):
        raise cfg.error("listen", "plaintext is only allowed on loopback; configure tls")
    agent_path = cfg.path_value("agent_config")
    if agent_path is None or not agent_path.is_file():
        raise cfg.error("agent_config", "expected the agent's config file (audit.* paths)")
    agent = ConfigFile.load(agent_path)
    db = agent.path_value("audit.path")
    if db is None:
        raise cfg.error("agent_config", f"{agent_path} has no audit.path")
    pins: list[VerifyKey] = []
    if cfg.has("public_key"):
        raw = cfg.require("public_key", str)
        p = cfg.path_value("public_key")
        text = p.read_text() if p is not None and p.is_file() else raw
        try:
            pins.append(VerifyKey.from_hex(text.strip()))
        except IntegrityError as exc:
            raise cfg.error("public_key", str(exc)) from None
    review: ReviewSettings | None = None
    if cfg.has("review"):
        cfg.check_known("review", {"endpoint", "ca", "reviewer_tokens"})
        default = agent.get("listen", str, "")
        endpoint = cfg.get("review.endpoint", str, default)
        r_host, _ = parse_host_port(cfg, "review.endpoint", endpoint)
        ca = cfg.path_value("review.ca")
        if ca is None and not is_loopback(r_host):
            raise cfg.error("review.endpoint", "a non-loopback agent needs review.ca (TLS)")
        tokens: dict[str, Path] = {}
        for tenant in cfg.get("review.reviewer_tokens", dict, {}):
            tp = cfg.path_value(f"review.reviewer_tokens.{tenant}")
            if tp is None:
                raise cfg.error(f"review.reviewer_tokens.{tenant}", "expected a token file")
            tokens[str(tenant)] = tp
        review = ReviewSettings(endpoint, ca, tokens)
    accounts: dict[str, Account] = {}
    for i, raw_acc in enumerate(cfg.get("accounts", list, [])):
        key = f"accounts[{i}]"
        if not isinstance(raw_acc, dict):
            raise cfg.error("accounts", f"{key}: expected a mapping")
        name, role = raw_acc.get("name"), raw_acc.get("role")
        pw, tenants = raw_acc.get("password_scrypt"), raw_acc.get("tenants", [])
        if not isinstance(name, str) or not _NAME.fullmatch(name) or name in accounts:
            raise cfg.error("accounts", f"{key}: name must be a unique user name")
        if role not in ROLES:
            raise cfg.error("accounts", f"{key}: role must be one of {list(ROLES)}")
        if not isinstance(pw, str) or not pw.startswith("scrypt$"):
            raise cfg.error(
                "accounts", f"{key}: password_scrypt must come from bastion console hash-password"
            )
        if not isinstance(tenants, list) or not all(isinstance(t, str) for t in tenants):
            raise cfg.error("accounts", f"{key}: tenants must be a list of tenant names")
        if role == "admin":
            tenants = ["*"]
        accounts[name] = Account(name, str(role), frozenset(tenants), pw)
    if not accounts:
        raise cfg.error("accounts", "at least one account is required")
    return ConsoleConfig(
        path=cfg.path,
        host=host,
        port=port,
        tls=None if tls is None else (tls[0], tls[1]),
        audit_db=db,
        witness=agent.path_value("audit.witness"),
        key_file=agent.path_value("audit.key"),
        pins=tuple(pins),
        review=review,
        session_secret=cfg.path_value("session_secret", "console.secret") or Path(),
        session_minutes=cfg.positive_int("session_minutes", 30),
        accounts=accounts,
    )
