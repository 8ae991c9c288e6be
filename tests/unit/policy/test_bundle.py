"""Signed policy bundles: round trip, every refusal, and a reloader that keeps the last good."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from agent.domain import Category, EntityType
from agent.policy import SectionFacts
from agent.policy.bundle import (
    PolicyReloader,
    load_bundle,
    parse_bundle,
    sign_bundle,
    trusted_keys,
    write_bundle,
)
from agent.policy.loader import policy_version
from bastion.cli import main
from bastion.crypto import SigningKey
from bastion.errors import PolicyError

ROOT = Path(__file__).resolve().parents[3]
DEFAULT = (ROOT / "policies" / "default.yaml").read_bytes()
GDPR = (ROOT / "policies" / "gdpr.yaml").read_bytes()
T0 = 1_790_000_000.0
FACTS = SectionFacts("acme-law", "EU", Category.INTERNAL, frozenset({EntityType.PERSON}))


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.from_seed(bytes(range(32)))


def _bundle(tmp_path: Path, key: SigningKey, policy: bytes = DEFAULT, t: float = T0) -> Path:
    path = tmp_path / "policy.bundle"
    write_bundle(path, sign_bundle(policy, key, t))
    return path


def test_round_trip_and_decisions_name_the_bundled_version(tmp_path: Path, key: SigningKey) -> None:
    engine = load_bundle(_bundle(tmp_path, key), [key.verify_key])
    assert engine.version == policy_version(DEFAULT)
    assert engine.decide(FACTS).policy_version == policy_version(DEFAULT)
    assert engine.name == "default"


def test_a_flipped_byte_anywhere_in_the_policy_is_refused(tmp_path: Path, key: SigningKey) -> None:
    doc = json.loads(sign_bundle(DEFAULT, key, T0))
    yaml_bytes = bytearray(base64.b64decode(doc["policy_yaml_b64"]))
    for pos in (0, len(yaml_bytes) // 2, len(yaml_bytes) - 2):
        altered = bytearray(yaml_bytes)
        altered[pos] ^= 0x01
        doc2 = dict(doc, policy_yaml_b64=base64.b64encode(bytes(altered)).decode())
        # even with the version recomputed, the signature no longer covers these bytes
        doc2["policy_version"] = policy_version(bytes(altered))
        with pytest.raises(PolicyError, match="signature does not verify"):
            parse_bundle(json.dumps(doc2).encode(), [key.verify_key], "b")


@pytest.mark.parametrize("field", ["signed_at", "key_id", "policy_version", "signature"])
def test_altered_metadata_is_refused(key: SigningKey, field: str) -> None:
    doc = json.loads(sign_bundle(DEFAULT, key, T0))
    value: str = doc[field]
    doc[field] = value[:-2] + ("00" if not value.endswith("00") else "11")
    if field == "signed_at":
        doc[field] = "2030-01-01T00:00:00.000Z"
    with pytest.raises(PolicyError, match=r"signature|not a trusted"):
        parse_bundle(json.dumps(doc).encode(), [key.verify_key], "b")


def test_signature_made_by_an_unknown_key_is_refused(key: SigningKey) -> None:
    other = SigningKey.generate()
    content = sign_bundle(DEFAULT, other, T0)
    with pytest.raises(PolicyError, match=f"key '{other.key_id}'.*not a trusted"):
        parse_bundle(content, [key.verify_key], "b")
    # a forged key id pointing at the trusted key does not help the other signer
    doc = json.loads(content)
    doc["key_id"] = key.key_id
    with pytest.raises(PolicyError, match="signature does not verify"):
        parse_bundle(json.dumps(doc).encode(), [key.verify_key], "b")


def test_plain_yaml_and_unsigned_bundles_are_refused(tmp_path: Path, key: SigningKey) -> None:
    plain = tmp_path / "policy.yaml"
    plain.write_bytes(DEFAULT)
    with pytest.raises(PolicyError, match="plain policy YAML is refused"):
        load_bundle(plain, [key.verify_key])
    doc = json.loads(sign_bundle(DEFAULT, key, T0))
    del doc["signature"]
    with pytest.raises(PolicyError, match="unsigned or incomplete bundle \\(missing signature\\)"):
        parse_bundle(json.dumps(doc).encode(), [key.verify_key], "b")
    with pytest.raises(PolicyError, match="no trusted policy public keys"):
        parse_bundle(sign_bundle(DEFAULT, key, T0), [], "b")


def test_refusals_never_quote_policy_content(key: SigningKey) -> None:
    doc = json.loads(sign_bundle(DEFAULT, key, T0))
    doc["policy_yaml_b64"] = base64.b64encode(DEFAULT + b"\n# acme-law secret note\n").decode()
    with pytest.raises(PolicyError) as info:
        parse_bundle(json.dumps(doc).encode(), [key.verify_key], "b")
    assert "acme" not in str(info.value) and "secret note" not in str(info.value)


def test_signing_an_invalid_policy_is_refused(key: SigningKey) -> None:
    with pytest.raises(PolicyError, match="refusing to sign an invalid policy"):
        sign_bundle(b"schema_version: 1\nname: x\nrules: 3\n", key, T0)


def test_key_rotation_accepts_either_trusted_key(key: SigningKey) -> None:
    new = SigningKey.generate()
    trusted = [key.verify_key, new.verify_key]
    for signer in (key, new):
        bundle = parse_bundle(sign_bundle(DEFAULT, signer, T0), trusted, "b")
        assert bundle.key_id == signer.key_id


def test_reloader_keeps_the_last_good_policy_and_picks_up_a_good_update(
    tmp_path: Path, key: SigningKey
) -> None:
    path = _bundle(tmp_path, key)
    changes: list[str] = []
    refusals: list[str] = []
    reloader = PolicyReloader(
        path,
        [key.verify_key],
        on_change=lambda e: changes.append(e.version),
        on_refused=refusals.append,
    )
    good = reloader.engine
    assert good.version == policy_version(DEFAULT)

    # a bad update: the signed file edited in place
    doc = json.loads(path.read_text())
    doc["policy_yaml_b64"] = base64.b64encode(GDPR).decode()
    doc["policy_version"] = policy_version(GDPR)
    write_bundle(path, json.dumps(doc).encode())
    outcome = reloader.poll()
    assert outcome is not None and not outcome.changed and "signature" in outcome.refused
    assert reloader.engine is good and refusals and not changes
    assert reloader.engine.decide(FACTS).policy_version == policy_version(DEFAULT)

    # plain YAML dropped in place of the bundle, and a missing file: still the last good
    path.write_bytes(GDPR)
    assert "plain policy YAML" in reloader.reload().refused
    os.unlink(path)
    assert "not found" in reloader.reload().refused
    assert reloader.engine is good

    # a good update is picked up, and decisions name its version
    write_bundle(path, sign_bundle(GDPR, key, T0 + 60))
    outcome = reloader.poll()
    assert outcome is not None and outcome.changed and outcome.refused == ""
    assert reloader.engine.version == policy_version(GDPR) == changes[-1]
    assert reloader.last_refusal == ""
    assert reloader.poll() is None  # nothing changed since


def test_reloader_refuses_a_rollback_to_an_older_signed_bundle(
    tmp_path: Path, key: SigningKey
) -> None:
    old = sign_bundle(DEFAULT, key, T0)
    path = _bundle(tmp_path, key, GDPR, T0 + 60)
    reloader = PolicyReloader(path, [key.verify_key])
    write_bundle(path, old)
    outcome = reloader.reload()
    assert "rollback refused" in outcome.refused
    assert reloader.engine.version == policy_version(GDPR)


def test_a_bad_bundle_at_first_start_refuses_to_start(tmp_path: Path, key: SigningKey) -> None:
    path = _bundle(tmp_path, SigningKey.generate())
    with pytest.raises(PolicyError, match="not a trusted policy key"):
        PolicyReloader(path, [key.verify_key])


def test_trusted_keys_from_hex_and_files(tmp_path: Path, key: SigningKey) -> None:
    (tmp_path / "k.pub").write_text(f"{key.verify_key.to_hex()} key_id={key.key_id}\n")
    keys = trusted_keys([key.verify_key.to_hex(), "k.pub"], tmp_path)
    assert keys == [key.verify_key, key.verify_key]
    with pytest.raises(PolicyError, match="neither a 64-hex key nor a readable file"):
        trusted_keys(["missing.pub"], tmp_path)
    with pytest.raises(PolicyError, match="no trusted policy public keys"):
        trusted_keys([])


def test_cli_keygen_sign_verify_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key_file, policy, bundle = tmp_path / "signer.key", tmp_path / "p.yaml", tmp_path / "p.bundle"
    policy.write_bytes(DEFAULT)
    assert main(["policy", "keygen", "--key", str(key_file)]) == 0
    pub = capsys.readouterr().out.strip().split("public key ")[1]
    assert main(["policy", "keygen", "--key", str(key_file)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert main(["policy", "sign", "--key", str(key_file), str(policy), "--out", str(bundle)]) == 0
    assert policy_version(DEFAULT) in capsys.readouterr().out
    assert main(["policy", "verify-bundle", "--public-key", pub, str(bundle)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"bundle OK: {policy_version(DEFAULT)} signed at ")
    wrong = SigningKey.generate().verify_key.to_hex()
    assert main(["policy", "verify-bundle", "--public-key", wrong, str(bundle)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("bastion: check failed: ") and "not a trusted policy key" in err
    assert len(err.splitlines()) == 1
    absent = str(tmp_path / "absent.bundle")
    assert main(["policy", "verify-bundle", "--public-key", pub, absent]) == 2
    assert "not found" in capsys.readouterr().err


def test_bundle_subcommands_are_documented() -> None:
    docs = (ROOT / "docs" / "policy.md").read_text()
    for name in ("keygen", "sign", "verify-bundle"):
        assert f"### `bastion policy {name}" in docs
    assert "## Signed bundles" in docs and "### Key rotation" in docs


async def test_watch_polls_the_file_and_swaps_in_a_good_update(
    tmp_path: Path, key: SigningKey
) -> None:
    import asyncio

    path = _bundle(tmp_path, key)
    swapped = asyncio.Event()
    reloader = PolicyReloader(path, [key.verify_key], on_change=lambda _e: swapped.set())
    task = asyncio.create_task(reloader.watch(interval_s=0.02))
    try:
        write_bundle(path, sign_bundle(GDPR, key, T0 + 1))
        await asyncio.wait_for(swapped.wait(), timeout=5)
    finally:
        task.cancel()
    assert reloader.engine.version == policy_version(GDPR)


def test_reload_outcomes_are_counted_for_the_alert(tmp_path: Path, key: SigningKey) -> None:
    from agent.metrics import AgentMetrics

    metrics = AgentMetrics()

    def count(outcome: str) -> float | None:
        return metrics.registry.get_sample_value(
            "bastion_agent_policy_reloads_total", {"outcome": outcome}
        )

    path = _bundle(tmp_path, key, DEFAULT, T0)
    reloader = PolicyReloader(path, [key.verify_key], metrics=metrics)
    assert (count("applied"), count("refused")) == (0.0, 0.0)  # the first load is not a reload
    write_bundle(path, sign_bundle(GDPR, key, T0 + 60))
    assert reloader.reload().changed
    write_bundle(path, sign_bundle(DEFAULT, key, T0))  # a rollback
    assert reloader.reload().refused
    write_bundle(path, b"{}")  # unsigned
    assert reloader.reload().refused
    assert reloader.poll() is None  # unchanged since: the watcher does not count it again
    assert (count("applied"), count("refused")) == (1.0, 2.0)
