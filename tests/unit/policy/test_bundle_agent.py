"""A real agent (config file, models, gRPC server on loopback) fed by a signed bundle:
bad bundles refuse the start or are refused as updates, good updates go live."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from agent.config import load_agent_config
from agent.policy.bundle import sign_bundle, write_bundle
from agent.policy.loader import policy_version
from agent.server import create_server
from bastion.crypto import SigningKey
from bastion.errors import ConfigError, PolicyError

ROOT = Path(__file__).resolve().parents[3]
DEFAULT = (ROOT / "policies" / "default.yaml").read_bytes()
GDPR = (ROOT / "policies" / "gdpr.yaml").read_bytes()
T0 = 1_790_000_000.0

CONFIG = """listen: 127.0.0.1:0
policy_bundle: policy.bundle
policy_public_keys:
  - KEYHEX
  - signer.pub
policy_poll_s: 0.05
audit:
  path: a.db
  key: a.key
  witness: w.jsonl
vault:
  dir: vault
  key_file: vault.key
"""


@pytest.fixture
def signer() -> SigningKey:
    return SigningKey.from_seed(bytes(range(1, 33)))


def _config(tmp_path: Path, signer: SigningKey, body: str = CONFIG) -> Path:
    (tmp_path / "signer.pub").write_text(signer.verify_key.to_hex() + "\n")
    write_bundle(tmp_path / "policy.bundle", sign_bundle(DEFAULT, signer, T0))
    path = tmp_path / "agent.yaml"
    path.write_text(body.replace("KEYHEX", signer.verify_key.to_hex()))
    return path


def test_config_reads_bundle_keys_and_refuses_mixed_or_bad_settings(
    tmp_path: Path, signer: SigningKey
) -> None:
    cfg = load_agent_config(_config(tmp_path, signer))
    assert cfg.policy_bundle is not None and cfg.policy_path == tmp_path / "policy.bundle"
    assert cfg.policy_bundle.public_keys == (signer.verify_key, signer.verify_key)
    assert cfg.policy_bundle.poll_s == 0.05
    both = CONFIG.replace("policy_bundle:", "policy: policy.bundle\npolicy_bundle:")
    with pytest.raises(ConfigError, match="either policy or policy_bundle"):
        load_agent_config(_config(tmp_path, signer, both))
    bad_key = CONFIG.replace("  - signer.pub", "  - missing.pub")
    with pytest.raises(ConfigError, match=r":3: policy_public_keys: .*neither a 64-hex"):
        load_agent_config(_config(tmp_path, signer, bad_key))
    no_keys = CONFIG.replace("  - KEYHEX\n  - signer.pub\n", "")
    with pytest.raises(ConfigError, match="policy_public_keys"):
        load_agent_config(_config(tmp_path, signer, no_keys))


async def test_agent_refuses_to_start_on_a_bad_bundle(tmp_path: Path, signer: SigningKey) -> None:
    cfg = load_agent_config(_config(tmp_path, signer))
    write_bundle(tmp_path / "policy.bundle", sign_bundle(DEFAULT, SigningKey.generate(), T0))
    with pytest.raises(PolicyError, match="not a trusted policy key"):
        await create_server(cfg)


async def test_live_agent_keeps_the_last_good_policy_and_takes_a_good_update(
    tmp_path: Path, signer: SigningKey
) -> None:
    cfg = load_agent_config(_config(tmp_path, signer))
    server, port = await create_server(cfg)
    bundle = tmp_path / "policy.bundle"
    try:
        assert port > 0
        assert server.pipeline.policy.version == policy_version(DEFAULT)
        doc = json.loads(sign_bundle(GDPR, signer, T0 + 10))
        doc["signed_at"] = "2099-01-01T00:00:00.000Z"  # altered after signing
        write_bundle(bundle, json.dumps(doc).encode())
        await asyncio.sleep(0.3)
        assert server.pipeline.policy.version == policy_version(DEFAULT)
        write_bundle(bundle, sign_bundle(GDPR, signer, T0 + 20))
        for _ in range(100):
            if server.pipeline.policy.version != policy_version(DEFAULT):
                break
            await asyncio.sleep(0.05)
        assert server.pipeline.policy.version == policy_version(GDPR)
    finally:
        await server.stop(1)


async def test_rollback_is_refused_after_a_restart_too(tmp_path: Path, signer: SigningKey) -> None:
    """An older, validly signed bundle put back while the agent was down must not load."""
    cfg = load_agent_config(_config(tmp_path, signer))
    bundle = tmp_path / "policy.bundle"
    write_bundle(bundle, sign_bundle(GDPR, signer, T0 + 100))
    server, _ = await create_server(cfg)
    await server.stop(1)
    state = tmp_path / "policy-bundle.state"
    assert json.loads(state.read_text())["policy_version"] == policy_version(GDPR)

    write_bundle(bundle, sign_bundle(DEFAULT, signer, T0))  # older, validly signed
    with pytest.raises(PolicyError, match="older than one this agent already enforced"):
        await create_server(cfg)

    write_bundle(bundle, sign_bundle(DEFAULT, signer, T0 + 200))  # a newer one is fine
    server, _ = await create_server(cfg)
    try:
        assert server.pipeline.policy.version == policy_version(DEFAULT)
    finally:
        await server.stop(1)
    assert json.loads(state.read_text())["signed_at_epoch"] == T0 + 200
