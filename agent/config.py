"""The agent's configuration: one YAML file, validated at start.

Every error names the file, the line and the key. Paths are relative to the config file.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bastion.configfile import ConfigFile, is_loopback, parse_host_port
from bastion.crypto import VerifyKey
from bastion.errors import PolicyError

_TOP_KEYS = {
    "listen",
    "tls",
    "limits",
    "detection",
    "policy",
    "policy_bundle",
    "policy_public_keys",
    "policy_poll_s",
    "policy_state",
    "audit",
    "vault",
    "cloud",
    "auth",
    "review",
    "metrics",
    "logging",
}


@dataclass(frozen=True)
class TLSFiles:
    cert: Path
    key: Path
    ca: Path | None  # server side: client CA (mTLS); client side: server CA


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 16 * 1024 * 1024
    max_document_chars: int = 4_000_000
    max_sections: int = 512
    max_section_chars: int = 50_000
    section_target_chars: int = 2000
    max_in_flight: int = 64
    max_stream_chunks: int = 4096


@dataclass(frozen=True)
class AuditPaths:
    path: Path
    key: Path
    witness: Path
    sign_every_n: int = 1000
    sign_every_s: float = 5.0


@dataclass(frozen=True)
class VaultSettings:
    dir: Path
    key_file: Path | None
    key_env: str | None
    ttl_s: float = 86400.0

    def load_key(self) -> bytes:
        """32-byte AES key (hex) from the environment variable or the key file."""
        from bastion.errors import ConfigError

        if self.key_env:
            raw = os.environ.get(self.key_env, "")
            if not raw:
                raise ConfigError(f"vault.key_env: environment variable {self.key_env} is not set")
            source = f"environment variable {self.key_env}"
        else:
            assert self.key_file is not None
            if not self.key_file.exists():
                from bastion.crypto import new_aes_key

                self.key_file.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(new_aes_key().hex() + "\n")
            raw = self.key_file.read_text()
            source = str(self.key_file)
        try:
            key = bytes.fromhex(raw.strip())
        except ValueError:
            raise ConfigError(f"vault key in {source} is not hex") from None
        if len(key) != 32:
            raise ConfigError(f"vault key in {source} must be 32 bytes (64 hex characters)")
        return key


@dataclass(frozen=True)
class CloudSettings:
    endpoint: str
    timeout_s: float = 60.0
    tls: TLSFiles | None = None
    retries: int = 2
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0


@dataclass(frozen=True)
class TenantAuth:
    token_sha256: tuple[str, ...] = ()
    client_cert_cns: tuple[str, ...] = ()
    # The Review service (agent/review): people who approve or deny held sections.
    reviewer_token_sha256: tuple[str, ...] = ()
    reviewer_cert_cns: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyBundleSettings:
    """A signed policy bundle (docs/policy.md "Signed bundles"): the keys it must be
    signed with and how often the agent looks for an update."""

    public_keys: tuple[VerifyKey, ...]
    poll_s: float = 5.0
    # The newest bundle ever enforced (agent.policy.bundle.HighWaterMark): rollback is
    # refused across restarts. Default: policy-bundle.state beside the audit log.
    state: Path | None = None


@dataclass(frozen=True)
class AgentConfig:
    path: Path
    listen_host: str
    listen_port: int
    tls: TLSFiles | None
    limits: Limits
    backend: str
    models_dir: Path | None
    policy_path: Path
    audit: AuditPaths
    vault: VaultSettings
    cloud: CloudSettings | None
    tenants_auth: dict[str, TenantAuth] = field(default_factory=dict)
    auth_required: bool = False
    # Off loopback the agent refuses to start without authentication unless this is set
    # (then it logs a warning at every start): agent.server.app.check_authentication.
    allow_unauthenticated: bool = False
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"  # where the Prometheus endpoint binds (metrics.host)
    # Set when the policy comes from a signed bundle; policy_path is then the bundle's path
    # (so code that ignores this and reads it as plain YAML fails closed).
    policy_bundle: PolicyBundleSettings | None = None
    # The review queue (agent/review): SQLite, section text sealed with a key derived
    # from the vault key. Default: review.db beside the audit log.
    review_path: Path | None = None

    @property
    def review_db(self) -> Path:
        return self.review_path or self.audit.path.with_name("review.db")

    @property
    def listen(self) -> str:
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        return f"{host}:{self.listen_port}"


def _tls(cfg: ConfigFile, key: str, ca_key: str) -> TLSFiles | None:
    files = cfg.tls_files(key, ca_key)
    return None if files is None else TLSFiles(*files)


def _policy_source(cfg: ConfigFile) -> tuple[Path, PolicyBundleSettings | None]:
    """Either ``policy: FILE`` (plain YAML) or ``policy_bundle: FILE`` with
    ``policy_public_keys`` (and optionally ``policy_poll_s``), never both."""
    from agent.policy.bundle import trusted_keys

    if cfg.has("policy") and cfg.has("policy_bundle"):
        raise cfg.error("policy_bundle", "give either policy or policy_bundle, not both")
    key = "policy_bundle" if cfg.has("policy_bundle") else "policy"
    path = cfg.path_value(key)
    if path is None:
        raise cfg.error(key, "required key is missing (expected a path)")
    if not path.is_file():
        raise cfg.error(key, f"file not found: {path}")
    if key == "policy":
        for extra in ("policy_public_keys", "policy_poll_s", "policy_state"):
            if cfg.has(extra):
                raise cfg.error(extra, "only used with policy_bundle")
        return path, None
    values = cfg.require("policy_public_keys", list)
    if not values or not all(isinstance(v, str) for v in values):
        raise cfg.error("policy_public_keys", "expected a non-empty list of hex keys or files")
    try:
        keys = trusted_keys(values, cfg.base_dir)
    except PolicyError as exc:
        raise cfg.error("policy_public_keys", str(exc)) from None
    poll_s = cfg.non_negative("policy_poll_s", 5.0)
    if poll_s == 0:
        raise cfg.error("policy_poll_s", "must be positive")
    return path, PolicyBundleSettings(tuple(keys), poll_s, cfg.path_value("policy_state"))


def _digests(cfg: ConfigFile, key: str) -> tuple[str, ...]:
    hashes = cfg.get(key, list, [])
    for i, h in enumerate(hashes):
        if not (isinstance(h, str) and len(h) == 64 and all(c in "0123456789abcdef" for c in h)):
            raise cfg.error(f"{key}[{i}]", "expected a lowercase sha256 hex digest")
    return tuple(hashes)


def load_agent_config(path: str | Path) -> AgentConfig:
    """Parse and validate; the first problem raises ``ConfigError`` (file:line: key: ...).

    ``bastion agent check-config`` (``agent.checkconfig``) runs the same ``SECTIONS``
    one by one and reports every problem instead.
    """
    cfg = ConfigFile.load(path)
    cfg.check_known("", _TOP_KEYS)
    host, port, tls = _listen(cfg)
    limits = _limits(cfg)
    backend, models_dir = _detection(cfg)
    policy_path, policy_bundle = _policy_source(cfg)
    audit, vault, cloud = _audit(cfg), _vault(cfg), _cloud(cfg)
    if policy_bundle is not None and policy_bundle.state is None:
        policy_bundle = dataclasses.replace(
            policy_bundle, state=audit.path.parent / "policy-bundle.state"
        )
    tenants_auth, auth_required, allow_unauthenticated = _auth(cfg)
    review_path = _review(cfg)
    metrics_port, metrics_host = _metrics(cfg)
    return AgentConfig(
        path=cfg.path,
        listen_host=host,
        listen_port=port,
        tls=tls,
        limits=limits,
        backend=backend,
        models_dir=models_dir,
        policy_path=policy_path,
        audit=audit,
        vault=vault,
        cloud=cloud,
        tenants_auth=tenants_auth,
        auth_required=auth_required,
        allow_unauthenticated=allow_unauthenticated,
        metrics_port=metrics_port,
        metrics_host=metrics_host,
        policy_bundle=policy_bundle,
        review_path=review_path,
    )


def _listen(cfg: ConfigFile) -> tuple[str, int, TLSFiles | None]:
    host, port = parse_host_port(cfg, "listen", cfg.require("listen", str))
    tls = _tls(cfg, "tls", "client_ca")
    if tls is None and not is_loopback(host):
        raise cfg.error("listen", "plaintext is only allowed on loopback; configure tls")
    return host, port, tls


def _limits(cfg: ConfigFile) -> Limits:
    cfg.check_known("limits", set(Limits.__dataclass_fields__))
    d = Limits()
    return Limits(
        **{k: cfg.positive_int(f"limits.{k}", getattr(d, k)) for k in Limits.__dataclass_fields__}
    )


def _detection(cfg: ConfigFile) -> tuple[str, Path | None]:
    cfg.check_known("detection", {"backend", "models_dir"})
    backend = cfg.get("detection.backend", str, "onnx")
    if backend not in ("onnx", "openvino"):
        raise cfg.error("detection.backend", f"expected onnx or openvino, got {backend!r}")
    return backend, cfg.path_value("detection.models_dir")


def _audit(cfg: ConfigFile) -> AuditPaths:
    cfg.check_known("audit", {"path", "key", "witness", "sign_every_n", "sign_every_s"})
    audit_paths: dict[str, Path] = {}
    for part in ("path", "key", "witness"):
        p = cfg.path_value(f"audit.{part}")
        if p is None:
            raise cfg.error(f"audit.{part}", "required key is missing (expected a path)")
        audit_paths[part] = p
    return AuditPaths(
        **audit_paths,
        sign_every_n=cfg.positive_int("audit.sign_every_n", 1000),
        sign_every_s=cfg.get("audit.sign_every_s", float, 5.0),
    )


def _vault(cfg: ConfigFile) -> VaultSettings:
    cfg.check_known("vault", {"dir", "key_file", "key_env", "ttl_s"})
    vault_dir = cfg.path_value("vault.dir")
    if vault_dir is None:
        raise cfg.error("vault.dir", "required key is missing (expected a path)")
    key_env = cfg.get("vault.key_env", str, "") or None
    key_file = cfg.path_value("vault.key_file")
    if key_env is None and key_file is None:
        raise cfg.error("vault", "set vault.key_file or vault.key_env")
    return VaultSettings(vault_dir, key_file, key_env, cfg.get("vault.ttl_s", float, 86400.0))


def _cloud(cfg: ConfigFile) -> CloudSettings | None:
    if not cfg.has("cloud"):
        return None
    cfg.check_known(
        "cloud",
        {"endpoint", "timeout_s", "tls", "retries", "breaker_failures", "breaker_reset_s"},
    )
    endpoint = cfg.require("cloud.endpoint", str)
    c_host, _ = parse_host_port(cfg, "cloud.endpoint", endpoint)
    c_tls = _tls(cfg, "cloud.tls", "ca")
    if c_tls is None and not is_loopback(c_host):
        raise cfg.error("cloud.endpoint", "a non-loopback cloud tier needs cloud.tls (mTLS)")
    return CloudSettings(
        endpoint=endpoint,
        timeout_s=cfg.get("cloud.timeout_s", float, 60.0),
        tls=c_tls,
        retries=cfg.get("cloud.retries", int, 2),
        breaker_failures=cfg.positive_int("cloud.breaker_failures", 5),
        breaker_reset_s=cfg.get("cloud.breaker_reset_s", float, 30.0),
    )


def _auth(cfg: ConfigFile) -> tuple[dict[str, TenantAuth], bool, bool]:
    """Tenants' credentials, ``auth.required`` and ``auth.allow_unauthenticated``."""
    tenants_auth: dict[str, TenantAuth] = {}
    if not cfg.has("auth"):
        return tenants_auth, False, False
    cfg.check_known("auth", {"required", "tenants", "allow_unauthenticated"})
    auth_required = cfg.get("auth.required", bool, True)
    allow_unauthenticated = cfg.get("auth.allow_unauthenticated", bool, False)
    tenants = cfg.get("auth.tenants", dict, {})
    for name in tenants:
        k = f"auth.tenants.{name}"
        cfg.check_known(
            k, {"token_sha256", "client_cert_cns", "reviewer_token_sha256", "reviewer_cert_cns"}
        )
        tenants_auth[str(name)] = TenantAuth(
            _digests(cfg, f"{k}.token_sha256"),
            tuple(str(c) for c in cfg.get(f"{k}.client_cert_cns", list, [])),
            _digests(cfg, f"{k}.reviewer_token_sha256"),
            tuple(str(c) for c in cfg.get(f"{k}.reviewer_cert_cns", list, [])),
        )
    return tenants_auth, auth_required, allow_unauthenticated


def _review(cfg: ConfigFile) -> Path | None:
    """``review.path``: the review queue (default: review.db beside the audit log)."""
    if not cfg.has("review"):
        return None
    cfg.check_known("review", {"path"})
    return cfg.path_value("review.path")


def _metrics(cfg: ConfigFile) -> tuple[int | None, str]:
    """``metrics.port`` (off when absent) and ``metrics.host`` (default loopback)."""
    if not cfg.has("metrics"):
        return None, "127.0.0.1"
    cfg.check_known("metrics", {"port", "host"})
    port = cfg.require("metrics.port", int)
    if not 0 <= port <= 65535:
        raise cfg.error("metrics.port", f"expected a port number, got {port}")
    host = cfg.get("metrics.host", str, "127.0.0.1")
    if not host or any(c.isspace() for c in host) or "/" in host:
        raise cfg.error("metrics.host", f"expected an address or host name, got {host!r}")
    return port, host


#: every section parser by the top-level key it reads, in file order (check-config runs
#: each one even when an earlier one failed)
SECTIONS: dict[str, Callable[[ConfigFile], object]] = {
    "listen": _listen,
    "tls": lambda cfg: _tls(cfg, "tls", "client_ca"),  # also in listen; alone when it fails
    "limits": _limits,
    "detection": _detection,
    "policy": _policy_source,
    "audit": _audit,
    "vault": _vault,
    "cloud": _cloud,
    "auth": _auth,
    "review": _review,
    "metrics": _metrics,
}
