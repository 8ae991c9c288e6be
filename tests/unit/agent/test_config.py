from pathlib import Path

import pytest

from agent.config import load_agent_config
from bastion.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]
POLICY = ROOT / "policies" / "default.yaml"


def write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "agent.yaml"
    p.write_text(body.replace("POLICY", str(POLICY)))
    return p


GOOD = """listen: 127.0.0.1:0
policy: POLICY
audit:
  path: a.db
  key: a.key
  witness: w.jsonl
vault:
  dir: vault
  key_file: vault.key
cloud:
  endpoint: 127.0.0.1:50052
"""


def test_example_config_loads() -> None:
    cfg = load_agent_config(ROOT / "examples" / "agent.yaml")
    assert cfg.listen_port == 50051 and cfg.cloud is not None
    assert cfg.policy_path.is_file()


def test_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    cfg = load_agent_config(write(tmp_path, GOOD))
    assert cfg.audit.path == tmp_path / "a.db"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (("listen: 127.0.0.1:0", "listen: nowhere"), ":1: listen: expected host:port"),
        (
            ("listen: 127.0.0.1:0", "listen: 10.0.0.5:50051"),
            ":1: listen: plaintext is only allowed",
        ),
        (("  key_file: vault.key", "  key_file: 5"), ":9: vault.key_file: expected a string"),
        (("  witness: w.jsonl\n", ""), ":3: audit.witness: required key is missing"),
        (
            ("cloud:\n  endpoint: 127.0.0.1:50052", "cloud:\n  endpoint: cloud.example:443"),
            ":11: cloud.endpoint: a non-loopback cloud tier needs cloud.tls",
        ),
        (("audit:", "audti: 1\naudit:"), ":3: audti: unknown key"),
        (("listen: 127.0.0.1:0", "listen: [127.0.0.1"), ":2:7: invalid YAML"),
    ],
)
def test_errors_name_the_line_and_the_key(
    tmp_path: Path, change: tuple[str, str], needle: str
) -> None:
    body = GOOD.replace(*change)
    assert body != GOOD
    with pytest.raises(ConfigError) as info:
        load_agent_config(write(tmp_path, body))
    assert f"agent.yaml{needle}" in str(info.value)
