"""The agent on its own: authentication and tenancy, and a cloud tier that is down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from agent.auth import hash_token
from bastion.devstack import free_port
from bastion.wire.v1 import agent_pb2, agent_pb2_grpc, common_pb2
from tests.integration.conftest import start_agent
from tests.integration.servers import ServerThread

PRESS = "PRESS RELEASE\n\nAcme Law LLP will open a new office in Rotterdam next spring.\n"


@pytest.fixture
def lonely_agent(tmp_path: Path) -> Iterator[ServerThread]:
    """An agent whose cloud tier is not running; one token per tenant is required."""
    agent, _ = start_agent(
        tmp_path,
        llm_url="http://127.0.0.1:9/v1",
        cloud_port=free_port(),
        auth={
            "required": True,
            "tenants": {
                "acme-law": {"token_sha256": [hash_token("acme-secret")]},
                "northbank": {"token_sha256": [hash_token("bank-secret")]},
            },
        },
        cloud={"endpoint": f"127.0.0.1:{free_port()}", "timeout_s": 3, "retries": 1},
    )
    yield agent
    agent.stop()


def _call(agent: ServerThread, method: str, request: object, token: str | None) -> object:
    with grpc.insecure_channel(agent.target) as channel:
        stub = agent_pb2_grpc.EdgeAgentStub(channel)
        md = (("authorization", f"Bearer {token}"),) if token else ()
        return getattr(stub, method)(request, timeout=60, metadata=md)


def _analyze(tenant: str) -> agent_pb2.AnalyzeRequest:
    return agent_pb2.AnalyzeRequest(
        document=agent_pb2.Document(
            tenant=tenant, document_id="d", source_jurisdiction="EU", text=PRESS.encode()
        )
    )


def test_unauthenticated_call_is_refused(lonely_agent: ServerThread) -> None:
    with pytest.raises(grpc.RpcError) as info:
        _call(lonely_agent, "Analyze", _analyze("acme-law"), None)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_wrong_token_is_refused(lonely_agent: ServerThread) -> None:
    with pytest.raises(grpc.RpcError) as info:
        _call(lonely_agent, "Analyze", _analyze("acme-law"), "guess")
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "guess" not in info.value.details()


def test_cross_tenant_call_is_refused(lonely_agent: ServerThread) -> None:
    with pytest.raises(grpc.RpcError) as info:
        _call(lonely_agent, "Analyze", _analyze("northbank"), "acme-secret")
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    ok = _call(lonely_agent, "Analyze", _analyze("acme-law"), "acme-secret")
    assert ok.sections  # type: ignore[attr-defined]


def test_cloud_outage_answers_local_only_and_says_so(lonely_agent: ServerThread) -> None:
    request = agent_pb2.RouteRequest(
        document=agent_pb2.Document(
            tenant="acme-law", document_id="press", source_jurisdiction="EU", text=PRESS.encode()
        ),
        task=common_pb2.Task(instruction="Summarise the key points.", mode=common_pb2.FUSION),
    )
    r = _call(lonely_agent, "Route", request, "acme-secret")
    assert r.status == "LOCAL_ONLY"  # type: ignore[attr-defined]
    assert r.answer == ""  # type: ignore[attr-defined]
    statuses = {s.status for s in r.sections}  # type: ignore[attr-defined]
    assert "SENT" not in statuses
    assert "WITHHELD_CLOUD_UNAVAILABLE" in statuses
    assert r.audit_entry_ids  # type: ignore[attr-defined]
