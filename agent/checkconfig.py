"""``bastion agent check-config --config FILE``: every problem of an agent config at once.

``load_agent_config`` stops at the first problem, which is right for a server that must
not start half-configured, but an operator fixing a file wants the whole list. This runs
each section parser of ``agent.config.SECTIONS`` on its own (every unknown key, every
section), then checks what the parsed values point at, without starting anything:

- TLS files: PEM certificates that parse and are valid today, keys that belong to them;
- ports: the metrics endpoint not on the gRPC port;
- detection: the backend is installed and the model manifest is there;
- policy: the file loads as a policy (every issue), or the bundle verifies;
- audit and vault: state directories that exist or can be created and are writable; a
  signing key, database and vault key that are what they claim; private keys not
  readable by group or others;
- auth: ``auth.required`` with no way for any caller to authenticate.

Nothing is created or modified. Messages name the file, the key and the problem, never
key material.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from agent.config import (
    _TOP_KEYS,
    SECTIONS,
    AuditPaths,
    CloudSettings,
    PolicyBundleSettings,
    TenantAuth,
    TLSFiles,
    VaultSettings,
)
from bastion.configfile import ConfigFile, is_loopback
from bastion.crypto import IntegrityError, SigningKey, certificate_problems, key_pair_problem
from bastion.errors import BastionError

_SQLITE_MAGIC = b"SQLite format 3\x00"


class Problems:
    """Problems in the order found, each once."""

    def __init__(self, cfg: ConfigFile) -> None:
        self.cfg = cfg
        self.items: list[str] = []

    def add(self, message: str) -> None:
        if message not in self.items:
            self.items.append(message)

    def key(self, key: str, message: str) -> None:
        self.add(str(self.cfg.error(key, message)))


def check_agent_config(
    path: Path, *, now: float, env: Mapping[str, str] | None = None
) -> list[str]:
    """Every problem of the agent config at ``path`` (empty: fine)."""
    try:
        cfg = ConfigFile.load(path)
    except BastionError as exc:
        return [str(exc)]
    problems = Problems(cfg)
    errors: list[BastionError] = []
    cfg.collect = errors
    values: dict[str, Any] = {}
    try:
        cfg.check_known("", _TOP_KEYS)
        for name, section in SECTIONS.items():
            try:
                values[name] = section(cfg)
            except BastionError as exc:
                errors.append(exc)
    finally:
        cfg.collect = None
    for error in errors:
        problems.add(str(error))
    deep: dict[str, Callable[[Problems, Any], None]] = {
        "listen": lambda p, v: _check_listen(p, v, now),
        "detection": _check_detection,
        "policy": _check_policy,
        "audit": _check_audit,
        "vault": lambda p, v: _check_vault(p, v, os.environ if env is None else env),
        "cloud": lambda p, v: _check_cloud(p, v, now),
        "auth": _check_auth,
    }
    for name, check in deep.items():
        if name in values:
            check(problems, values[name])
    if "listen" in values and "metrics" in values:
        _check_ports(problems, values["listen"], values["metrics"])
    if "listen" in values and "auth" in values:
        _check_exposure(problems, values["listen"], values["auth"])
    return problems.items


def _check_exposure(
    p: Problems,
    listen: tuple[str, int, TLSFiles | None],
    auth: tuple[dict[str, TenantAuth], bool, bool],
) -> None:
    """What ``agent.server.app.check_authentication`` refuses at start."""
    host, (tenants, required, allow_unauthenticated) = listen[0], auth
    if is_loopback(host) or (required and tenants) or allow_unauthenticated:
        return
    p.key(
        "auth",
        f"the agent listens on {host} (not loopback) without authentication; configure "
        "auth.tenants with auth.required, or set auth.allow_unauthenticated: true",
    )


# -- per section ------------------------------------------------------------------------
def _check_tls(p: Problems, key: str, files: TLSFiles, ca_key: str, now: float) -> None:
    cert = _read(p, f"{key}.cert", files.cert)
    if cert is not None:
        for problem in certificate_problems(cert, now):
            p.key(f"{key}.cert", f"{files.cert}: {problem}")
    private = _read(p, f"{key}.key", files.key)
    if cert is not None and private is not None:
        mismatch = key_pair_problem(cert, private)
        if mismatch is not None:
            p.key(f"{key}.key", f"{files.key}: {mismatch}")
    if private is not None:
        _check_private_mode(p, f"{key}.key", files.key)
    if files.ca is not None:
        ca = _read(p, f"{key}.{ca_key}", files.ca)
        if ca is not None:
            for problem in certificate_problems(ca, now):
                p.key(f"{key}.{ca_key}", f"{files.ca}: {problem}")


def _check_listen(p: Problems, value: tuple[str, int, TLSFiles | None], now: float) -> None:
    _host, _port, tls = value
    if tls is not None:
        _check_tls(p, "tls", tls, "client_ca", now)


def _check_ports(
    p: Problems, listen: tuple[str, int, TLSFiles | None], metrics: tuple[int | None, str]
) -> None:
    port, _host = metrics
    if port is not None and port != 0 and port == listen[1]:
        p.key("metrics.port", f"port {port} is also the gRPC listen port")


def _check_detection(p: Problems, value: tuple[str, Path | None]) -> None:
    from agent.classify import backend_available
    from agent.classify import manifest as m

    backend, models_dir = value
    if not backend_available(backend):
        p.key("detection.backend", f"the {backend} runtime is not installed")
    directory = models_dir or m.default_models_dir()
    if not (directory / m.MANIFEST_NAME).is_file():
        p.key("detection.models_dir", f"no model manifest in {directory}")
        return
    model = [m.ONNX_INT8_NAME] if backend == "onnx" else [m.OPENVINO_XML_NAME, m.OPENVINO_BIN_NAME]
    try:
        manifest = m.load_manifest(directory)
        for name in (m.TOKENIZER_NAME, m.LABELS_NAME, *model):
            manifest.verified_path(name)  # present and matching its sha256
    except BastionError as exc:
        p.key("detection.models_dir", str(exc))


def _check_policy(p: Problems, value: tuple[Path, PolicyBundleSettings | None]) -> None:
    from agent.policy.loader import check_policy_text

    path, bundle = value
    if bundle is not None:
        from agent.policy.bundle import load_bundle

        try:
            load_bundle(path, bundle.public_keys)
        except BastionError as exc:
            p.key("policy_bundle", str(exc))
        return
    try:
        content = path.read_bytes()
    except OSError as exc:
        p.key("policy", f"{path}: cannot read ({exc.strerror})")
        return
    policy, issues = check_policy_text(content, str(path))
    for issue in issues:
        p.key("policy", f"invalid policy: {issue}")
    if policy is None and not issues:
        p.key("policy", f"{path}: not a valid policy")


def _check_audit(p: Problems, audit: AuditPaths) -> None:
    for part in ("path", "key", "witness"):
        _check_state_path(p, f"audit.{part}", getattr(audit, part))
    if audit.key.is_file():
        try:
            SigningKey.load(audit.key)
        except IntegrityError as exc:
            p.key("audit.key", str(exc))
        _check_private_mode(p, "audit.key", audit.key)
    if audit.path.is_file():
        try:
            with audit.path.open("rb") as fh:
                magic = fh.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            p.key("audit.path", f"{audit.path}: cannot read ({exc.strerror})")
        else:
            if magic != _SQLITE_MAGIC:
                p.key("audit.path", f"{audit.path} is not an SQLite database")
    if audit.sign_every_s <= 0:
        p.key("audit.sign_every_s", f"must be positive, got {audit.sign_every_s}")


def _check_vault(p: Problems, vault: VaultSettings, env: Mapping[str, str]) -> None:
    _check_state_path(p, "vault.dir", vault.dir, directory=True)
    if vault.key_env:
        raw = env.get(vault.key_env, "")
        if not raw:
            p.key("vault.key_env", f"environment variable {vault.key_env} is not set")
        elif not _is_aes_key_hex(raw):
            p.key("vault.key_env", f"{vault.key_env} must hold 64 hex characters (32 bytes)")
    elif vault.key_file is not None:
        if vault.key_file.is_file():
            try:
                raw = vault.key_file.read_text()
            except (OSError, UnicodeDecodeError):
                p.key("vault.key_file", f"{vault.key_file}: cannot read")
            else:
                if not _is_aes_key_hex(raw):
                    p.key("vault.key_file", f"{vault.key_file} must hold 64 hex characters")
            _check_private_mode(p, "vault.key_file", vault.key_file)
        else:
            _check_state_path(p, "vault.key_file", vault.key_file)
    if vault.ttl_s <= 0:
        p.key("vault.ttl_s", f"must be positive, got {vault.ttl_s}")


def _check_cloud(p: Problems, cloud: CloudSettings | None, now: float) -> None:
    if cloud is None:
        return
    if cloud.tls is not None:
        _check_tls(p, "cloud.tls", cloud.tls, "ca", now)
    if cloud.timeout_s <= 0:
        p.key("cloud.timeout_s", f"must be positive, got {cloud.timeout_s}")
    if cloud.retries < 0:
        p.key("cloud.retries", f"must not be negative, got {cloud.retries}")


def _check_auth(p: Problems, value: tuple[dict[str, TenantAuth], bool, bool]) -> None:
    tenants, required, _ = value
    if required and not any(t.token_sha256 or t.client_cert_cns for t in tenants.values()):
        p.key("auth", "auth.required is on but no tenant has a token or certificate name")


# -- files ------------------------------------------------------------------------------
def _read(p: Problems, key: str, path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        p.key(key, f"{path}: cannot read ({exc.strerror})")
        return None


def _check_private_mode(p: Problems, key: str, path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        p.key(key, f"{path} is readable by group or others (mode {mode & 0o777:o}; use 0600)")


def _check_state_path(p: Problems, key: str, path: Path, *, directory: bool = False) -> None:
    """``path`` exists with the right kind and is writable, or can be created: its nearest
    existing ancestor is a writable directory."""
    if path.exists():
        if directory and not path.is_dir():
            p.key(key, f"{path} is not a directory")
        elif not directory and path.is_dir():
            p.key(key, f"{path} is a directory, expected a file")
        elif not os.access(path, os.W_OK):
            p.key(key, f"{path} is not writable")
        return
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        p.key(key, f"cannot create {path}: {parent} is not a directory")
    elif not os.access(parent, os.W_OK | os.X_OK):
        p.key(key, f"cannot create {path}: {parent} is not writable")


def _is_aes_key_hex(raw: str) -> bool:
    try:
        return len(bytes.fromhex(raw.strip())) == 32
    except ValueError:
        return False
