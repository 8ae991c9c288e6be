"""The cloud tier's configuration: one YAML file, validated completely at start.

Every error names the file, the line and the key (``cloud.yaml:14: providers[1].region:
required key is missing``) - a typo must never silently widen where data may go, so unknown
keys are refused too. API keys are read from the environment variables the file names,
never from the file itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from bastion.configfile import ConfigFile, is_loopback, parse_host_port
from cloud.domain import Mode, Strategy
from cloud.ray_config import RaySettings, parse_ray_settings

T = TypeVar("T")

LOCAL_BASE_URL = "local"  # providers served by the bundled local model (LocalLLM)

_TOP_KEYS = {
    "listen",
    "tls",
    "limits",
    "providers",
    "defaults",
    "budgets",
    "local_model",
    "metrics",
    "ray",  # cloud/ray_config.py: only `bastion cloud serve --ray` reads it
}
_PROVIDER_KEYS = {
    "name",
    "destination",
    "region",
    "jurisdiction",
    "base_url",
    "model",
    "api_key_env",
    "api_key_header",
    "strength",
    "max_concurrency",
    "timeout_s",
    "max_retries",
    "max_retry_after_s",
    "cost_per_1k_input",
    "cost_per_1k_output",
    "fallback",
    "temperature",
    "panel",
    "logprobs",
}
_STRATEGY_NAMES = {
    "auto": Strategy.DEFAULT,
    "majority_vote": Strategy.MAJORITY_VOTE,
    "confidence_weighted": Strategy.CONFIDENCE_WEIGHTED,
    "hierarchical": Strategy.HIERARCHICAL,
    "human_arbitration": Strategy.HUMAN_ARBITRATION,
}
_MODE_NAMES = {m.name.lower(): m for m in Mode}


@dataclass(frozen=True)
class TLSFiles:
    cert: Path
    key: Path
    client_ca: Path | None  # set: clients must present a certificate signed by it (mTLS)
    allowed_client_cns: tuple[str, ...] = ()  # set: only these certificate CNs may call


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 16 * 1024 * 1024
    max_sections: int = 512
    max_section_chars: int = 50_000
    max_instruction_chars: int = 20_000
    max_in_flight: int = 64  # beyond this, RESOURCE_EXHAUSTED (back-pressure)


@dataclass(frozen=True)
class ProviderConfig:
    """One OpenAI-compatible endpoint, and the residency facts that decide who may call it."""

    name: str
    destination: str
    region: str
    jurisdiction: str
    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    api_key_header: str = "Authorization"
    strength: int = 1
    max_concurrency: int = 4
    timeout_s: float = 30.0
    max_retries: int = 2
    max_retry_after_s: float = 30.0
    cost_per_1k_input: float = 0.0
    cost_per_1k_output: float = 0.0
    fallback: str | None = None
    temperature: float = 0.7
    panel: bool = True
    logprobs: bool = False
    api_key_env: str = ""  # where ``api_key`` came from (Ray provider replicas re-read it)


@dataclass(frozen=True)
class Defaults:
    """What applies when a request leaves a choice to the tier.

    The mode is never defaulted: the proto makes the caller choose it. ``resolution`` maps
    each mode to the strategy used when the request says RESOLUTION_UNSPECIFIED.
    """

    resolution: dict[Mode, Strategy] = field(
        default_factory=lambda: dict.fromkeys(Mode, Strategy.DEFAULT)
    )
    max_output_tokens: int = 128
    debate_rounds: int = 2
    review_below_agreement: float = 0.0


@dataclass(frozen=True)
class Budgets:
    per_request_tokens: int = 4096  # when the request says 0
    max_request_tokens: int = 16384  # cap on what a request may ask for
    per_tenant_tokens: int = 0  # 0 = no tenant budget
    per_tenant_window_s: float = 86400.0


@dataclass(frozen=True)
class LocalModelSettings:
    threads: int = 1
    model_path: Path | None = None
    startup_timeout_s: float = 120.0
    context_tokens: int = 8192  # SmolLM2's trained context; longer prompts are refused


@dataclass(frozen=True)
class MetricsSettings:
    """Prometheus exposition over HTTP (plain text, so loopback unless you mean it)."""

    port: int
    host: str = "127.0.0.1"


@dataclass(frozen=True)
class CloudConfig:
    path: Path
    listen_host: str
    listen_port: int
    tls: TLSFiles | None
    limits: Limits
    providers: tuple[ProviderConfig, ...]
    defaults: Defaults
    budgets: Budgets
    local_model: LocalModelSettings
    metrics: MetricsSettings | None = None
    ray: RaySettings | None = None  # the ``ray:`` section; None = Ray Serve defaults

    @property
    def listen(self) -> str:
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        return f"{host}:{self.listen_port}"

    @property
    def needs_local_model(self) -> bool:
        return any(p.base_url == LOCAL_BASE_URL for p in self.providers)

    def with_local_base_url(self, base_url: str) -> CloudConfig:
        """This config with every ``base_url: local`` provider pointed at ``base_url``."""
        providers = tuple(
            replace(p, base_url=base_url) if p.base_url == LOCAL_BASE_URL else p
            for p in self.providers
        )
        return replace(self, providers=providers)

    def provider(self, name: str) -> ProviderConfig:
        for p in self.providers:
            if p.name == name:
                return p
        raise KeyError(name)


def _tls(cfg: ConfigFile) -> TLSFiles | None:
    files = cfg.tls_files("tls", "client_ca", frozenset({"allowed_client_cns"}))
    if files is None:
        return None
    cns = cfg.get("tls.allowed_client_cns", list, [])
    if any(not isinstance(cn, str) or not cn for cn in cns):
        raise cfg.error("tls.allowed_client_cns", "expected a list of certificate common names")
    if cns and files[2] is None:
        raise cfg.error("tls.allowed_client_cns", "needs tls.client_ca (client certificates)")
    return TLSFiles(cert=files[0], key=files[1], client_ca=files[2], allowed_client_cns=tuple(cns))


def _base_url(cfg: ConfigFile, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise cfg.error(key, "required key is missing (expected a URL or 'local')")
    raw = value.strip().rstrip("/")
    if raw == LOCAL_BASE_URL:
        return raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise cfg.error(key, f"expected an http(s) URL or 'local', got {raw!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise cfg.error(key, "plaintext http is only allowed to a loopback host; use https")
    return raw


def _provider(cfg: ConfigFile, i: int) -> ProviderConfig:
    k = f"providers[{i}]"
    item = cfg.data["providers"][i]
    if not isinstance(item, dict):
        raise cfg.error(k, "expected a mapping")
    unknown = sorted(str(x) for x in item if x not in _PROVIDER_KEYS)
    if unknown:
        known = ", ".join(sorted(_PROVIDER_KEYS))
        raise cfg.error(f"{k}.{unknown[0]}", f"unknown key (known keys: {known})")

    def req(name: str) -> str:
        value = item.get(name)
        if not isinstance(value, str) or not value.strip():
            raise cfg.error(f"{k}.{name}", "required key is missing (expected a string)")
        return value.strip()

    def opt(name: str, kind: type[T], default: T) -> T:
        value = item.get(name, default)
        if value is None:
            return default
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise cfg.error(f"{k}.{name}", f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    api_key: str | None = None
    api_key_env = opt("api_key_env", str, "")
    if api_key_env:
        api_key = os.environ.get(str(api_key_env), "")
        if not api_key:
            raise cfg.error(f"{k}.api_key_env", f"environment variable {api_key_env} is not set")
    pc = ProviderConfig(
        name=req("name"),
        destination=req("destination"),
        region=req("region"),
        jurisdiction=req("jurisdiction"),
        base_url=_base_url(cfg, f"{k}.base_url", item.get("base_url")),
        model=req("model"),
        api_key=api_key,
        api_key_header=str(opt("api_key_header", str, "Authorization")),
        strength=int(opt("strength", int, 1)),
        max_concurrency=int(opt("max_concurrency", int, 4)),
        timeout_s=float(opt("timeout_s", float, 30.0)),
        max_retries=int(opt("max_retries", int, 2)),
        max_retry_after_s=float(opt("max_retry_after_s", float, 30.0)),
        cost_per_1k_input=float(opt("cost_per_1k_input", float, 0.0)),
        cost_per_1k_output=float(opt("cost_per_1k_output", float, 0.0)),
        fallback=(str(opt("fallback", str, "")) or None),
        temperature=float(opt("temperature", float, 0.7)),
        panel=bool(opt("panel", bool, True)),
        logprobs=bool(opt("logprobs", bool, False)),
        api_key_env=str(api_key_env),
    )
    checks = {
        "max_concurrency": pc.max_concurrency >= 1,
        "timeout_s": pc.timeout_s > 0,
        "max_retries": pc.max_retries >= 0,
        "max_retry_after_s": pc.max_retry_after_s >= 0,
        "cost_per_1k_input": pc.cost_per_1k_input >= 0,
        "cost_per_1k_output": pc.cost_per_1k_output >= 0,
        "temperature": 0 <= pc.temperature <= 2,
        "strength": pc.strength >= 0,
    }
    for name, ok in checks.items():
        if not ok:
            raise cfg.error(f"{k}.{name}", f"out of range: {getattr(pc, name)}")
    return pc


def _providers(cfg: ConfigFile) -> tuple[ProviderConfig, ...]:
    raw = cfg.require("providers", list)
    if not raw:
        raise cfg.error("providers", "at least one provider is required")
    providers = tuple(_provider(cfg, i) for i in range(len(raw)))
    by_name: dict[str, int] = {}
    for i, p in enumerate(providers):
        if p.name in by_name:
            raise cfg.error(f"providers[{i}].name", f"duplicate provider name {p.name!r}")
        by_name[p.name] = i
    for i, p in enumerate(providers):
        seen = {p.name}
        cur = p
        while cur.fallback is not None:
            if cur.fallback not in by_name:
                raise cfg.error(
                    f"providers[{by_name[cur.name]}].fallback",
                    f"unknown provider {cur.fallback!r}",
                )
            if cur.fallback in seen:
                raise cfg.error(f"providers[{i}].fallback", "fallback chain forms a cycle")
            seen.add(cur.fallback)
            cur = providers[by_name[cur.fallback]]
    if not any(p.panel for p in providers):
        raise cfg.error("providers", "at least one provider must have panel: true")
    return providers


def _strategy(cfg: ConfigFile, key: str, value: object) -> Strategy:
    if not isinstance(value, str) or value not in _STRATEGY_NAMES:
        names = ", ".join(_STRATEGY_NAMES)
        raise cfg.error(key, f"expected one of {names}, got {value!r}")
    return _STRATEGY_NAMES[value]


def _defaults(cfg: ConfigFile) -> Defaults:
    cfg.check_known(
        "defaults", {"resolution", "max_output_tokens", "debate_rounds", "review_below_agreement"}
    )
    resolution = dict.fromkeys(Mode, Strategy.DEFAULT)
    found = cfg.has("defaults.resolution")
    raw = cfg.data.get("defaults", {}).get("resolution") if found else None
    if isinstance(raw, str):
        resolution = dict.fromkeys(Mode, _strategy(cfg, "defaults.resolution", raw))
    elif isinstance(raw, dict):
        cfg.check_known("defaults.resolution", set(_MODE_NAMES))
        for name, value in raw.items():
            resolution[_MODE_NAMES[name]] = _strategy(cfg, f"defaults.resolution.{name}", value)
    elif raw is not None:
        raise cfg.error("defaults.resolution", "expected a strategy name or a mapping per mode")
    review_below = cfg.get("defaults.review_below_agreement", float, 0.0)
    if not 0.0 <= review_below <= 1.0:
        raise cfg.error("defaults.review_below_agreement", "must be between 0 and 1")
    return Defaults(
        resolution=resolution,
        max_output_tokens=cfg.positive_int("defaults.max_output_tokens", 128),
        debate_rounds=cfg.positive_int("defaults.debate_rounds", 2),
        review_below_agreement=review_below,
    )


def _budgets(cfg: ConfigFile) -> Budgets:
    cfg.check_known("budgets", set(Budgets.__dataclass_fields__))
    b = Budgets(
        per_request_tokens=cfg.positive_int("budgets.per_request_tokens", 4096),
        max_request_tokens=cfg.positive_int("budgets.max_request_tokens", 16384),
        per_tenant_tokens=cfg.get("budgets.per_tenant_tokens", int, 0),
        per_tenant_window_s=cfg.get("budgets.per_tenant_window_s", float, 86400.0),
    )
    if b.per_tenant_tokens < 0:
        raise cfg.error("budgets.per_tenant_tokens", "must not be negative (0 = unlimited)")
    if b.per_tenant_window_s <= 0:
        raise cfg.error("budgets.per_tenant_window_s", "must be positive")
    if b.max_request_tokens < b.per_request_tokens:
        raise cfg.error("budgets.max_request_tokens", "must be >= budgets.per_request_tokens")
    return b


def load_config(path: str | Path) -> CloudConfig:
    """Read and validate a cloud-tier YAML file; raises ConfigError naming file:line: key."""
    cfg = ConfigFile.load(path)
    # ``x-...`` keys hold YAML anchors for reuse (as in compose files); nothing reads them.
    cfg.check_known("", _TOP_KEYS | {k for k in cfg.data if str(k).startswith("x-")})
    host, port = parse_host_port(cfg, "listen", cfg.require("listen", str))
    tls = _tls(cfg)
    if tls is None and not is_loopback(host):
        raise cfg.error("listen", "plaintext is only allowed on loopback; configure tls")

    cfg.check_known("limits", set(Limits.__dataclass_fields__))
    d = Limits()
    limits = Limits(
        **{k: cfg.positive_int(f"limits.{k}", getattr(d, k)) for k in Limits.__dataclass_fields__}
    )

    cfg.check_known("local_model", {"threads", "model_path", "startup_timeout_s", "context_tokens"})
    local = LocalModelSettings(
        threads=cfg.positive_int("local_model.threads", 1),
        model_path=cfg.path_value("local_model.model_path"),
        startup_timeout_s=cfg.non_negative("local_model.startup_timeout_s", 120.0),
        context_tokens=cfg.positive_int("local_model.context_tokens", 8192),
    )
    metrics: MetricsSettings | None = None
    if cfg.has("metrics"):
        cfg.check_known("metrics", {"port", "host"})
        port_value = cfg.require("metrics.port", int)
        if not 0 <= port_value <= 65535:
            raise cfg.error("metrics.port", f"expected a port number, got {port_value}")
        metrics = MetricsSettings(port_value, cfg.get("metrics.host", str, "127.0.0.1"))
    providers = _providers(cfg)
    return CloudConfig(
        metrics=metrics,
        path=cfg.path,
        listen_host=host,
        listen_port=port,
        tls=tls,
        limits=limits,
        providers=providers,
        ray=parse_ray_settings(cfg, (p.name for p in providers)),
        defaults=_defaults(cfg),
        budgets=_budgets(cfg),
        local_model=local,
    )
