"""The optional ``ray:`` section of the cloud YAML: how the tier scales on Ray Serve.

Only ``bastion cloud serve --ray`` (``cloud.ray_serve``) reads it; the single-process tier
ignores it. It is validated like the rest of the file (``cloud.yaml:40: ray.orchestrator.
max_replicas: ...``) and never imports ray, so a config can be checked where ray is absent.

    ray:
      address: local               # start a single-node Ray here; or "auto" / "HOST:PORT"
      num_cpus: 2                  # local cluster only
      object_store_mb: 256         # local cluster only
      orchestrator:                # the ingress deployment (runs cloud.orchestrator)
        min_replicas: 1
        max_replicas: 2
        target_ongoing_requests: 8
        max_ongoing_requests: 64
        num_cpus: 0.25
      provider_defaults: {...}     # every provider adapter deployment (same keys)
      providers:                   # per provider name, overriding provider_defaults
        eu-precise: {max_replicas: 4}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from bastion.configfile import ConfigFile

LOCAL_ADDRESS = "local"  # start a private single-node cluster bound to loopback
MIN_OBJECT_STORE_MB = 75  # Ray refuses a smaller object store


@dataclass(frozen=True)
class Scaling:
    """One Ray Serve deployment's autoscaling and per-replica settings."""

    min_replicas: int = 1
    max_replicas: int = 2
    target_ongoing_requests: float = 4.0
    max_ongoing_requests: int = 32
    num_cpus: float = 0.1

    def autoscaling_config(self) -> dict[str, Any]:
        """Ray Serve's ``autoscaling_config``; starts at least one replica."""
        return {
            "min_replicas": self.min_replicas,
            "initial_replicas": max(1, self.min_replicas),
            "max_replicas": self.max_replicas,
            "target_ongoing_requests": self.target_ongoing_requests,
        }


ORCHESTRATOR_DEFAULT = Scaling(target_ongoing_requests=8.0, max_ongoing_requests=64, num_cpus=0.25)
PROVIDER_DEFAULT = Scaling()


@dataclass(frozen=True)
class RaySettings:
    address: str = LOCAL_ADDRESS
    num_cpus: int | None = None  # local cluster: None = all cores
    object_store_mb: int = 256
    orchestrator: Scaling = ORCHESTRATOR_DEFAULT
    provider_defaults: Scaling = PROVIDER_DEFAULT
    providers: Mapping[str, Scaling] = field(default_factory=dict)

    @property
    def starts_local_cluster(self) -> bool:
        return self.address == LOCAL_ADDRESS

    def for_provider(self, name: str) -> Scaling:
        return self.providers.get(name, self.provider_defaults)


_TOP = {"address", "num_cpus", "object_store_mb", "orchestrator", "provider_defaults", "providers"}
_SCALING_KEYS = {f.name for f in fields(Scaling)}


def _scaling(cfg: ConfigFile, key: str, base: Scaling) -> Scaling:
    """``base`` with the keys written under ``key`` applied, checked together."""
    if not cfg.has(key):
        return base
    cfg.get(key, dict, {})  # "expected a mapping" otherwise
    cfg.check_known(key, _SCALING_KEYS)
    s = replace(
        base,
        min_replicas=cfg.get(f"{key}.min_replicas", int, base.min_replicas),
        max_replicas=cfg.get(f"{key}.max_replicas", int, base.max_replicas),
        target_ongoing_requests=cfg.get(
            f"{key}.target_ongoing_requests", float, base.target_ongoing_requests
        ),
        max_ongoing_requests=cfg.get(f"{key}.max_ongoing_requests", int, base.max_ongoing_requests),
        num_cpus=cfg.get(f"{key}.num_cpus", float, base.num_cpus),
    )
    if s.min_replicas < 0:
        raise cfg.error(f"{key}.min_replicas", f"must not be negative, got {s.min_replicas}")
    if s.max_replicas < max(1, s.min_replicas):
        raise cfg.error(
            f"{key}.max_replicas",
            f"must be at least 1 and at least min_replicas ({s.min_replicas}), "
            f"got {s.max_replicas}",
        )
    if s.target_ongoing_requests <= 0:
        raise cfg.error(f"{key}.target_ongoing_requests", "must be positive")
    if s.max_ongoing_requests < s.target_ongoing_requests:
        raise cfg.error(
            f"{key}.max_ongoing_requests",
            f"must be >= target_ongoing_requests ({s.target_ongoing_requests:g}), "
            f"got {s.max_ongoing_requests}",
        )
    if s.num_cpus < 0:
        raise cfg.error(f"{key}.num_cpus", f"must not be negative, got {s.num_cpus:g}")
    return s


def parse_ray_settings(cfg: ConfigFile, provider_names: Iterable[str]) -> RaySettings | None:
    """The ``ray:`` section, or None when the file has none (defaults then apply)."""
    if not cfg.has("ray"):
        return None
    section = cfg.get("ray", dict, {})  # "expected a mapping" otherwise
    cfg.check_known("ray", _TOP)
    address = cfg.get("ray.address", str, LOCAL_ADDRESS).strip()
    if not address:
        raise cfg.error("ray.address", "expected 'local', 'auto' or HOST:PORT")
    num_cpus = cfg.positive_int("ray.num_cpus", 1) if cfg.has("ray.num_cpus") else None
    local_only = {"num_cpus", "object_store_mb"} & set(section)
    if address != LOCAL_ADDRESS and local_only:
        key = f"ray.{sorted(local_only)[0]}"
        raise cfg.error(key, "only applies with address: local (a cluster sizes itself)")
    provider_defaults = _scaling(cfg, "ray.provider_defaults", PROVIDER_DEFAULT)
    known = set(provider_names)
    overrides: dict[str, Scaling] = {}
    if cfg.has("ray.providers"):
        raw = cfg.get("ray.providers", dict, {})
        for name in raw:
            if name not in known:
                raise cfg.error(
                    f"ray.providers.{name}",
                    f"not a configured provider (known: {', '.join(sorted(known))})",
                )
            overrides[str(name)] = _scaling(cfg, f"ray.providers.{name}", provider_defaults)
    object_store_mb = cfg.positive_int("ray.object_store_mb", 256)
    if object_store_mb < MIN_OBJECT_STORE_MB:
        raise cfg.error("ray.object_store_mb", f"Ray needs at least {MIN_OBJECT_STORE_MB}")
    return RaySettings(
        address=address,
        num_cpus=num_cpus,
        object_store_mb=object_store_mb,
        orchestrator=_scaling(cfg, "ray.orchestrator", ORCHESTRATOR_DEFAULT),
        provider_defaults=provider_defaults,
        providers=overrides,
    )
