"""Wiring: build the pipeline's stages from configuration, for the server and the CLI.

- ``load_policy(config)``: the policy to enforce (with a signed bundle, the reloader that
  keeps it current and refuses rollback across restarts).
- ``build_pipeline(config)``: every stage of a serving agent; any failure raises before
  the server accepts a request.
- ``offline_pipeline(policy, backend, workdir)``: the same stages for a command that
  decides but never sends or records (``bastion policy explain``): real models, real
  policy, the real egress checker, a throw-away vault.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from agent.batching import MicroBatcher
from agent.config import AgentConfig
from agent.egress import EgressChecker
from agent.metrics import AgentMetrics
from agent.pipeline import Pipeline
from agent.policy import PolicyEngine
from agent.policy.bundle import HighWaterMark, PolicyReloader


def default_egress_checker() -> EgressChecker:
    """The egress re-check every pipeline uses (independent of detection)."""
    return EgressChecker()


def load_policy(config: AgentConfig) -> tuple[PolicyEngine, PolicyReloader | None]:
    """The policy to enforce, and with a signed bundle the reloader that keeps it current
    (refusing rollback, across restarts too: ``HighWaterMark``)."""
    if config.policy_bundle is None:
        return PolicyEngine.load(config.policy_path), None
    state = config.policy_bundle.state
    reloader = PolicyReloader(
        config.policy_path,
        config.policy_bundle.public_keys,
        high_water=HighWaterMark(state) if state is not None else None,
    )
    return reloader.engine, reloader


def build_pipeline(
    config: AgentConfig,
    clock: Callable[[], float] = time.time,
    policy: PolicyEngine | None = None,
) -> Pipeline:
    """Load every stage; any failure raises before the server accepts a request."""
    from agent.audit import AuditConfig, AuditLog
    from agent.detect import load_engine
    from agent.escalate import CloudClient
    from agent.vault import Vault

    if policy is None:
        policy, _ = load_policy(config)
    engine = load_engine(backend=config.backend, models_dir=config.models_dir)
    vault_key = config.vault.load_key()
    vault = Vault.open(config.vault.dir, vault_key, clock=clock, ttl_s=config.vault.ttl_s)
    egress = default_egress_checker()
    audit = AuditLog.open(
        AuditConfig(
            db_path=config.audit.path,
            key_path=config.audit.key,
            witness_path=config.audit.witness,
            sign_every_n=config.audit.sign_every_n,
            sign_every_s=config.audit.sign_every_s,
        ),
        clock=clock,
    )
    cloud = CloudClient(config.cloud) if config.cloud is not None else None
    metrics = AgentMetrics()
    # The hash method's key: derived from the vault key so hashed values stay stable per
    # deployment without another secret to manage.
    hash_key = hashlib.sha256(b"bastion-hash-redaction\x00" + vault_key).digest()
    return Pipeline(
        engine=engine,
        policy=policy,
        vault=vault,
        egress=egress,
        audit=audit,
        cloud=cloud,
        hash_key=hash_key,
        section_target_chars=config.limits.section_target_chars,
        clock=clock,
        metrics=metrics,
        batcher=MicroBatcher(engine.analyze, metrics=metrics),
    )


def offline_pipeline(policy: PolicyEngine, backend: str, workdir: Path) -> Pipeline:
    """Stages for deciding without sending or recording; the vault lives in ``workdir``
    under a random key (pseudonyms are only previewed)."""
    from agent.detect import load_engine
    from agent.vault import Vault

    key = secrets.token_bytes(32)
    return Pipeline(
        engine=load_engine(backend=backend),
        policy=policy,
        vault=Vault.open(workdir / "vault", key),
        egress=default_egress_checker(),
        audit=None,
        cloud=None,
        hash_key=hashlib.sha256(b"bastion-hash-redaction\x00" + key).digest(),
    )
