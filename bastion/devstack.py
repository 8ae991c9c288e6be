"""Configs for a complete local stack (demo and end-to-end tests) derived from the examples.

``examples/agent.yaml`` and ``examples/cloud.yaml`` document a standard deployment; this
module rewrites only what a throw-away local run must change: ports, the model server's
URL, and where state (audit log, keys, vault) is written.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (closed again when this returns)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_local_configs(
    run_dir: Path,
    *,
    llm_url: str,
    cloud_port: int = 0,
    agent_port: int = 0,
    policy: Path | None = None,
    agent_overrides: dict[str, Any] | None = None,
    cloud_overrides: dict[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write ``cloud.yaml`` and ``agent.yaml`` into ``run_dir``; return their paths."""
    run_dir.mkdir(parents=True, exist_ok=True)
    cloud = yaml.safe_load((EXAMPLES / "cloud.yaml").read_text())
    cloud["listen"] = f"127.0.0.1:{cloud_port}"
    for provider in cloud["providers"]:
        provider["base_url"] = llm_url
    agent = yaml.safe_load((EXAMPLES / "agent.yaml").read_text())
    agent["listen"] = f"127.0.0.1:{agent_port}"
    agent["cloud"]["endpoint"] = f"127.0.0.1:{cloud_port}"
    agent["policy"] = str(policy or ROOT / "policies" / "default.yaml")
    agent["detection"].pop("models_dir", None)
    agent["audit"] = {
        "path": str(run_dir / "audit.db"),
        "key": str(run_dir / "audit.key"),
        "witness": str(run_dir / "witness.jsonl"),
    }
    agent["vault"] = {"dir": str(run_dir / "vault"), "key_file": str(run_dir / "vault.key")}
    agent.update(agent_overrides or {})
    cloud.update(cloud_overrides or {})
    cloud_cfg, agent_cfg = run_dir / "cloud.yaml", run_dir / "agent.yaml"
    cloud_cfg.write_text(yaml.safe_dump(cloud, sort_keys=False))
    agent_cfg.write_text(yaml.safe_dump(agent, sort_keys=False))
    return cloud_cfg, agent_cfg
