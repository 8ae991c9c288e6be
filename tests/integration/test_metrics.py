"""The agent's Prometheus endpoint: per-method latency, actions, entity types - and nothing
a document or a caller wrote."""

from __future__ import annotations

from pathlib import Path

import grpc
import httpx
import pytest

from agent.policy import PolicyEngine
from bastion import version
from bastion.devstack import free_port
from bastion.wire.v1 import agent_pb2, agent_pb2_grpc
from tests.integration.conftest import start_agent

pytestmark = pytest.mark.slow


def test_metrics_count_calls_by_method_and_code_without_content(tmp_path: Path) -> None:
    metrics_port = free_port()
    agent, config = start_agent(
        tmp_path,
        llm_url="http://127.0.0.1:9/v1",
        cloud_port=9,
        metrics={"port": metrics_port, "host": "127.0.0.1"},
    )
    try:
        text = "Invoice for Hannelore Schmitz, IBAN DE89 3704 0044 0532 0130 00."
        with grpc.insecure_channel(agent.target) as ch:
            stub = agent_pb2_grpc.EdgeAgentStub(ch)
            stub.Analyze(
                agent_pb2.AnalyzeRequest(
                    document=agent_pb2.Document(
                        tenant="acme-law",
                        document_id="m1",
                        source_jurisdiction="EU",
                        text=text.encode(),
                    )
                ),
                timeout=30,
            )
            with pytest.raises(grpc.RpcError):
                stub.Analyze(agent_pb2.AnalyzeRequest(), timeout=30)
        body = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    finally:
        agent.stop()
    assert 'bastion_agent_request_seconds_count{code="OK",method="Analyze"} 1.0' in body
    assert (
        'bastion_agent_request_seconds_count{code="INVALID_ARGUMENT",method="Analyze"} 1.0' in body
    )
    assert 'bastion_agent_entities_total{type="IBAN_CODE"}' in body
    assert "bastion_agent_inference_seconds_count" in body
    assert "bastion_agent_audit_commit_seconds_count 1.0" in body
    # the state read at scrape time: build, enforced policy, audit log, in-flight bound
    policy = PolicyEngine.load(config.policy_path).version
    assert f'bastion_build_info{{policy_version="{policy}",version="{version()}"}} 1.0' in body
    assert f"bastion_agent_in_flight_limit {float(config.limits.max_in_flight)}" in body
    entries = _value(body, "bastion_agent_audit_entries")
    assert entries >= 1 and _value(body, "bastion_agent_audit_signed_entries") <= entries
    assert "bastion_agent_audit_last_signed_head_timestamp_seconds" in body
    for leaked in ("Hannelore", "Schmitz", "DE89", "acme-law", "m1"):
        assert leaked not in body


def _value(body: str, name: str) -> float:
    (line,) = [x for x in body.splitlines() if x.startswith(name + " ")]
    return float(line.split()[1])
