"""Several agents behind one address: gRPC client-side round-robin load balancing over a
static address list (what a DNS name with several A records gives in production). The
agents share nothing but the policy; each keeps and verifies its own signed audit log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from bastion.wire.v1 import agent_pb2, agent_pb2_grpc
from tests.integration.conftest import start_agent

pytestmark = pytest.mark.slow


def test_round_robin_spreads_calls_and_each_node_keeps_a_verifiable_log(tmp_path: Path) -> None:
    nodes = [
        start_agent(tmp_path / f"node{i}", llm_url="http://127.0.0.1:9/v1", cloud_port=9)
        for i in range(2)
    ]
    try:
        target = "ipv4:" + ",".join(f"127.0.0.1:{agent.port}" for agent, _ in nodes)
        options = [("grpc.lb_policy_name", "round_robin")]
        with grpc.insecure_channel(target, options=options) as channel:
            stub = agent_pb2_grpc.EdgeAgentStub(channel)
            for i in range(10):
                stub.Analyze(
                    agent_pb2.AnalyzeRequest(
                        document=agent_pb2.Document(
                            tenant="acme-law",
                            document_id=f"d{i}",
                            source_jurisdiction="EU",
                            text=b"Acme Law LLP opens an office in Rotterdam.",
                        )
                    ),
                    timeout=30,
                )
    finally:
        for agent, _ in nodes:
            agent.stop()

    sizes = []
    for _, config in nodes:
        out = subprocess.run(
            [sys.executable, "-m", "bastion.cli", "audit", "verify", "--config", str(config.path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        sizes.append(int(out.stdout.split("audit log OK: ")[1].split(" entries")[0]))
    # round_robin alternates over READY subchannels; until the second connection is up the
    # first node takes the calls, so the split is near half, not exactly half.
    assert sum(sizes) == 10
    assert min(sizes) >= 3, f"round robin should spread the calls, got {sizes}"
    keys = {config.audit.key.read_text() for _, config in nodes}
    assert len(keys) == 2, "each node signs with its own key"
