"""``bastion route --local``: the agent's pipeline in the CLI process, against the real
cloud tier and local model - and it decides exactly as the agent server does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bastion.devstack import write_local_configs
from bastion.wire.v1 import agent_pb2, common_pb2
from tests.integration.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
MEMO = ROOT / "examples" / "documents" / "acme-law" / "merger-memo.txt"

pytestmark = pytest.mark.slow


def test_route_local_decides_as_the_server_does(stack: Stack, tmp_path: Path) -> None:
    _, agent_cfg = write_local_configs(
        tmp_path, llm_url=stack.proxy.base_url, cloud_port=stack.cloud.port
    )
    before = len(stack.proxy.bodies)
    out = subprocess.run(
        [sys.executable, "-m", "bastion.cli", "route", "--local", "--config", str(agent_cfg),
         "--tenant", "acme-law", "--jurisdiction", "EU", "--mode", "sequential", "--json",
         "--instruction", "Summarise the key points.", str(MEMO)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    local = json.loads(out.stdout)
    assert len(stack.proxy.bodies) > before  # it really called the cloud tier
    assert (tmp_path / "audit.db").exists()  # and recorded in its own audit log

    served = stack.stub.Route(
        agent_pb2.RouteRequest(
            document=agent_pb2.Document(
                tenant="acme-law",
                document_id="merger-memo",
                source_jurisdiction="EU",
                text=MEMO.read_bytes(),
            ),
            task=common_pb2.Task(
                instruction="Summarise the key points.", mode=common_pb2.SEQUENTIAL
            ),
        ),
        timeout=600,
    )
    decided = [(s["category"], s["action"], s["status"]) for s in local["sections"]]
    assert decided == [(s.category, s.action, s.status) for s in served.sections]
    assert local["instruction"]["status"] == served.instruction.status == "SENT"
