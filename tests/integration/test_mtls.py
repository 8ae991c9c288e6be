"""mTLS on both hops: a document system -> agent (client certificate names the tenant) and
agent -> cloud tier (the tier accepts only the agent's certificate). Certificates come from
scripts/make_test_ca.sh, as an operator would make them for an evaluation."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from agent.config import load_agent_config
from agent.server import create_server as create_agent_server
from bastion.devstack import write_local_configs
from bastion.wire.v1 import agent_pb2, agent_pb2_grpc, common_pb2
from cloud.config import load_config as load_cloud_config
from cloud.server import create_server as create_cloud_server
from tests.integration.servers import ServerThread

ROOT = Path(__file__).resolve().parents[2]
PRESS = b"PRESS RELEASE\n\nAcme Law LLP will open a new office in Rotterdam next spring.\n"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ca")
    subprocess.run(
        [str(ROOT / "scripts" / "make_test_ca.sh"), str(out), "dms-acme", "dms-rogue"],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def tls_stack(
    tmp_path_factory: pytest.TempPathFactory, certs: Path, local_llm: Any
) -> Iterator[tuple[ServerThread, ServerThread]]:
    run = tmp_path_factory.mktemp("tls")
    cloud_tls = {
        "cert": str(certs / "cloud.crt"),
        "key": str(certs / "cloud.key"),
        "client_ca": str(certs / "ca.crt"),
        "allowed_client_cns": ["bastion-agent"],
    }
    cloud_cfg, _ = write_local_configs(
        run, llm_url=local_llm.base_url, cloud_overrides={"tls": cloud_tls}
    )
    cloud_config = load_cloud_config(cloud_cfg)
    cloud = ServerThread(lambda: create_cloud_server(cloud_config)).start()
    _, agent_cfg = write_local_configs(
        run,
        llm_url=local_llm.base_url,
        cloud_port=cloud.port,
        cloud_overrides={"tls": cloud_tls},
        agent_overrides={
            "tls": {
                "cert": str(certs / "agent.crt"),
                "key": str(certs / "agent.key"),
                "client_ca": str(certs / "ca.crt"),
            },
            "auth": {"required": True, "tenants": {"acme-law": {"client_cert_cns": ["dms-acme"]}}},
            "cloud": {
                "endpoint": f"localhost:{cloud.port}",
                "timeout_s": 120,
                "tls": {
                    "cert": str(certs / "agent-client.crt"),
                    "key": str(certs / "agent-client.key"),
                    "ca": str(certs / "ca.crt"),
                },
            },
        },
    )
    agent_config = load_agent_config(agent_cfg)
    agent = ServerThread(lambda: create_agent_server(agent_config)).start()
    yield agent, cloud
    agent.stop()
    cloud.stop()


def _channel(certs: Path, port: int, client: str | None) -> grpc.Channel:
    creds = grpc.ssl_channel_credentials(
        root_certificates=(certs / "ca.crt").read_bytes(),
        private_key=(certs / f"{client}.key").read_bytes() if client else None,
        certificate_chain=(certs / f"{client}.crt").read_bytes() if client else None,
    )
    return grpc.secure_channel(f"localhost:{port}", creds)


def _route(tenant: str) -> agent_pb2.RouteRequest:
    return agent_pb2.RouteRequest(
        document=agent_pb2.Document(
            tenant=tenant, document_id="press", source_jurisdiction="EU", text=PRESS
        ),
        task=common_pb2.Task(
            instruction="Summarise the key points.",
            mode=common_pb2.SEQUENTIAL,
            max_output_tokens=24,
        ),
    )


def test_document_system_certificate_routes_through_mtls_to_the_cloud_tier(
    tls_stack: tuple[ServerThread, ServerThread], certs: Path
) -> None:
    agent, _ = tls_stack
    with _channel(certs, agent.port, "dms-acme") as ch:
        r = agent_pb2_grpc.EdgeAgentStub(ch).Route(_route("acme-law"), timeout=300)
    assert r.status == "COMPLETE", [(s.status, s.reason) for s in r.sections]
    assert r.answer


def test_a_certificate_not_mapped_to_the_tenant_is_refused(
    tls_stack: tuple[ServerThread, ServerThread], certs: Path
) -> None:
    agent, _ = tls_stack
    with _channel(certs, agent.port, "dms-rogue") as ch, pytest.raises(grpc.RpcError) as info:
        agent_pb2_grpc.EdgeAgentStub(ch).Route(_route("acme-law"), timeout=60)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_client_without_certificate_cannot_connect(
    tls_stack: tuple[ServerThread, ServerThread], certs: Path
) -> None:
    agent, cloud = tls_stack
    for port in (agent.port, cloud.port):
        with _channel(certs, port, None) as ch, pytest.raises(grpc.RpcError) as info:
            agent_pb2_grpc.EdgeAgentStub(ch).Analyze(agent_pb2.AnalyzeRequest(), timeout=10)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
