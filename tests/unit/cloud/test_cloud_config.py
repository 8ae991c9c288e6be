"""Config validation: every error names file:line: key, and nothing unsafe is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.errors import ConfigError
from cloud.config import LOCAL_BASE_URL, load_config
from cloud.domain import Mode, Strategy

REPO = Path(__file__).resolve().parents[3]

GOOD_PROVIDER = """\
  - name: a
    destination: eu-vendor
    region: eu-west-1
    jurisdiction: EU
    base_url: http://127.0.0.1:9/v1
    model: m
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "cloud.yaml"
    path.write_text(text)
    return load_config(path)


def test_example_config_loads_with_a_local_panel() -> None:
    config = load_config(REPO / "examples" / "cloud.yaml")
    assert config.needs_local_model
    assert len([p for p in config.providers if p.destination == "eu-azure-openai-weu"]) == 2
    assert config.defaults.max_output_tokens <= 128
    resolved = config.with_local_base_url("http://127.0.0.1:1234/v1")
    assert not resolved.needs_local_model
    assert all(p.base_url != LOCAL_BASE_URL for p in resolved.providers)


def test_minimal_config_gets_safe_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, "listen: 127.0.0.1:0\nproviders:\n" + GOOD_PROVIDER)
    p = config.providers[0]
    assert (p.max_concurrency, p.max_retries, p.panel, p.fallback) == (4, 2, True, None)
    assert config.budgets.per_tenant_tokens == 0
    assert config.defaults.resolution[Mode.FUSION] is Strategy.DEFAULT


def test_per_mode_resolution_defaults(tmp_path: Path) -> None:
    text = (
        "listen: 127.0.0.1:0\nproviders:\n"
        + GOOD_PROVIDER
        + "defaults:\n  resolution:\n    debate: hierarchical\n    fusion: majority_vote\n"
    )
    config = load(tmp_path, text)
    assert config.defaults.resolution[Mode.DEBATE] is Strategy.HIERARCHICAL
    assert config.defaults.resolution[Mode.FUSION] is Strategy.MAJORITY_VOTE
    assert config.defaults.resolution[Mode.RESEARCH] is Strategy.DEFAULT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "listen: 0.0.0.0:5000\nproviders:\n" + GOOD_PROVIDER,
            "cloud.yaml:1: listen: plaintext is only allowed on loopback",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n"
            + GOOD_PROVIDER.replace("    region: eu-west-1\n", ""),
            "cloud.yaml:3: providers[0].region: required key is missing",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n"
            + GOOD_PROVIDER.replace("http://127.0.0.1:9/v1", "http://vendor.example/v1"),
            "cloud.yaml:7: providers[0].base_url: plaintext http is only allowed to a loopback",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n" + GOOD_PROVIDER + "    regoin: x\n",
            "cloud.yaml:9: providers[0].regoin: unknown key",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n" + GOOD_PROVIDER + "    fallback: nobody\n",
            "cloud.yaml:9: providers[0].fallback: unknown provider 'nobody'",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n"
            + GOOD_PROVIDER
            + "    fallback: b\n"
            + GOOD_PROVIDER.replace("name: a", "name: b")
            + "    fallback: a\n",
            "fallback chain forms a cycle",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n" + GOOD_PROVIDER + GOOD_PROVIDER,
            "cloud.yaml:9: providers[1].name: duplicate provider name 'a'",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n"
            + GOOD_PROVIDER
            + "    api_key_env: NO_SUCH_VAR_X\n",
            "providers[0].api_key_env: environment variable NO_SUCH_VAR_X is not set",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n" + GOOD_PROVIDER + "    max_concurrency: 0\n",
            "providers[0].max_concurrency: out of range: 0",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n" + GOOD_PROVIDER + "    panel: false\n",
            "providers: at least one provider must have panel: true",
        ),
        ("listen: 127.0.0.1:0\nproviders: []\n", "cloud.yaml:2: providers: at least one"),
        (
            "listen: 127.0.0.1:0\nproviders:\n" + GOOD_PROVIDER + "defaults:\n  resolution: vote\n",
            "cloud.yaml:10: defaults.resolution: expected one of auto, majority_vote",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n"
            + GOOD_PROVIDER
            + "budgets:\n  per_request_tokn: 5\n",
            "cloud.yaml:10: budgets.per_request_tokn: unknown key",
        ),
        (
            "listen: 127.0.0.1:0\nproviders:\n"
            + GOOD_PROVIDER
            + "limits:\n  max_message_bytes: -1\n",
            "limits.max_message_bytes: must be a positive integer",
        ),
        (
            "listen: 127.0.0.1:0\ntls:\n  cert: missing.crt\n  key: missing.key\nproviders:\n"
            + GOOD_PROVIDER,
            "cloud.yaml:3: tls.cert: file not found",
        ),
    ],
)
def test_invalid_config_names_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, text)
    assert expected in str(err.value)


def test_api_key_is_read_from_the_environment_and_kept_out_of_repr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VENDOR_KEY_X", "sk-live-secret")
    config = load(
        tmp_path,
        "listen: 127.0.0.1:0\nproviders:\n" + GOOD_PROVIDER + "    api_key_env: VENDOR_KEY_X\n",
    )
    assert config.providers[0].api_key == "sk-live-secret"
    assert "sk-live-secret" not in repr(config)


def test_client_cn_allowlist_needs_a_client_ca(tmp_path: Path) -> None:
    (tmp_path / "s.crt").write_text("x")
    (tmp_path / "s.key").write_text("x")
    text = (
        "listen: 127.0.0.1:0\ntls:\n  cert: s.crt\n  key: s.key\n"
        "  allowed_client_cns: [agent]\nproviders:\n" + GOOD_PROVIDER
    )
    with pytest.raises(ConfigError, match=r"cloud.yaml:5: tls.allowed_client_cns: needs"):
        load(tmp_path, text)
    (tmp_path / "ca.crt").write_text("x")
    config = load(tmp_path, text.replace("  allowed", "  client_ca: ca.crt\n  allowed"))
    assert config.tls is not None and config.tls.allowed_client_cns == ("agent",)
