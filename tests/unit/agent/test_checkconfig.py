"""``bastion agent check-config`` reports every problem of a config at once, each naming
the file, the line and the key; exit 2 if there is any, 0 if the config is fine."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import yaml

from agent.checkconfig import check_agent_config
from bastion.cli import main
from bastion.devstack import write_local_configs

ROOT = Path(__file__).resolve().parents[3]
NOW = time.time()


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ca")
    subprocess.run(
        [str(ROOT / "scripts" / "make_test_ca.sh"), str(out), "dms-acme"],
        check=True,
        capture_output=True,
    )
    return out


def _agent_yaml(tmp_path: Path, **overrides: object) -> Path:
    _, path = write_local_configs(
        tmp_path, llm_url="http://127.0.0.1:9/v1", cloud_port=50052, agent_overrides=overrides
    )
    return path


def test_the_local_stack_config_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _agent_yaml(tmp_path)
    assert check_agent_config(path, now=NOW) == []
    assert main(["agent", "check-config", "--config", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: ok\n"
    assert not (tmp_path / "audit.db").exists()  # nothing created


def test_every_problem_is_reported_not_only_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "agent.yaml"
    bad.write_text(
        "listen: 0.0.0.0:99999\n"
        "tls: {cert: missing.crt, key: missing.key}\n"
        "limits: {max_in_flight: 0, typo_key: 1}\n"
        "detection: {backend: tpu}\n"
        f"policy: {ROOT / 'policies' / 'default.yaml'}\n"
        "audit: {path: a.db, key: a.key}\n"
        "vault: {dir: v, key_env: BASTION_TEST_UNSET_KEY}\n"
        "auth: {required: true}\n"
        "colour: blue\n"
    )
    problems = check_agent_config(bad, now=NOW, env={})
    expected = [
        ":9: colour: unknown key",
        ":1: listen: expected host:port",
        ":2: tls.cert: file not found",
        ":3: limits.typo_key: unknown key",
        ":3: limits.max_in_flight: must be a positive integer",
        ":4: detection.backend: expected onnx or openvino",
        ":6: audit.witness: required key is missing",
        ":7: vault.key_env: environment variable BASTION_TEST_UNSET_KEY is not set",
        ":8: auth: auth.required is on but no tenant",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert all(p.startswith(f"{bad}:") for p in problems)
    assert len(problems) == len(set(problems)) == len(expected)

    assert main(["agent", "check-config", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == len(expected) + 1 and err[-1].endswith(f"{len(expected)} problem(s)")


def test_tls_files_are_parsed_dated_and_paired(tmp_path: Path, ca: Path) -> None:
    tls = {"cert": str(ca / "agent.crt"), "key": str(ca / "agent.key")}
    tls["client_ca"] = str(ca / "ca.crt")
    auth = {"tenants": {"acme-law": {"client_cert_cns": ["dms-acme"]}}}
    good = _agent_yaml(tmp_path / "good", listen="0.0.0.0:50051", tls=tls, auth=auth)
    (ca / "agent.key").chmod(0o600)
    assert check_agent_config(good, now=NOW) == []
    exposed = _agent_yaml(tmp_path / "exposed", listen="0.0.0.0:50051", tls=tls)
    assert any(
        "auth: the agent listens on 0.0.0.0 (not loopback) without authentication" in p
        for p in check_agent_config(exposed, now=NOW)
    )
    # ten years on, every certificate has expired
    later = check_agent_config(good, now=NOW + 10 * 365 * 86400)
    assert any("tls.cert:" in p and "expired on" in p for p in later)
    assert any("tls.client_ca:" in p and "expired on" in p for p in later)
    # another certificate's key; a key readable by others; a CA that is not PEM
    (tmp_path / "not-a-cert.pem").write_text("hello\n")
    wrong = dict(tls, key=str(ca / "dms-acme.key"), client_ca=str(tmp_path / "not-a-cert.pem"))
    (ca / "dms-acme.key").chmod(0o644)
    problems = check_agent_config(_agent_yaml(tmp_path / "bad", tls=wrong), now=NOW)
    assert any("tls.key:" in p and "does not belong to the certificate" in p for p in problems)
    assert any("tls.key:" in p and "readable by group or others" in p for p in problems)
    assert any("tls.client_ca:" in p and "not a PEM certificate" in p for p in problems)
    assert not any("BEGIN" in p for p in problems)  # never key material


def test_policy_audit_and_vault_are_checked_behind_the_paths(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("schema_version: 2\nname: x\n")
    state = tmp_path / "state"
    state.mkdir()
    (state / "audit.db").write_text("not sqlite")
    (state / "audit.key").write_text("zz\n")
    (state / "audit.key").chmod(0o600)
    (state / "vault.key").write_text("abcd\n")
    (state / "vault.key").chmod(0o600)
    path = _agent_yaml(
        tmp_path,
        policy=str(policy),
        audit={
            "path": str(state / "audit.db"),
            "key": str(state / "audit.key"),
            "witness": str(state / "witness.jsonl"),
        },
        vault={"dir": str(state / "vault.key"), "key_file": str(state / "vault.key")},
        metrics={"port": 50051},
        listen="127.0.0.1:50051",
    )
    problems = check_agent_config(path, now=NOW)
    for fragment in (
        "policy: invalid policy:",
        "audit.key: cannot read signing key",
        "audit.path:",
        "is not an SQLite database",
        "vault.dir:",
        "is not a directory",
        "vault.key_file:",
        "must hold 64 hex characters",
        "metrics.port: port 50051 is also the gRPC listen port",
    ):
        assert any(fragment in p for p in problems), (fragment, problems)


def test_an_unreadable_config_is_one_problem(tmp_path: Path) -> None:
    assert check_agent_config(tmp_path / "absent.yaml", now=NOW) == [
        f"{tmp_path / 'absent.yaml'}: config file not found"
    ]
    broken = tmp_path / "broken.yaml"
    broken.write_text("listen: [\n")
    (problem,) = check_agent_config(broken, now=NOW)
    assert "invalid YAML" in problem


def test_load_agent_config_still_stops_at_the_first_problem(tmp_path: Path) -> None:
    from agent.config import load_agent_config
    from bastion.errors import ConfigError

    path = _agent_yaml(tmp_path, limits={"max_in_flight": 0}, colour="blue")
    text = yaml.safe_load(path.read_text())
    assert text["colour"] == "blue"
    with pytest.raises(ConfigError, match="colour: unknown key"):
        load_agent_config(path)
