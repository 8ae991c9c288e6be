"""The agent's own gRPC client (agent/escalate) against the real cloud tier: the wire
contract as both sides actually use it (raw serialized bytes, retries, refusals)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import CloudSettings
from agent.escalate import CloudClient
from bastion.errors import UpstreamError
from cloud.server import create_server
from tests.fakes.cloud_setup import provider, request, write_config
from tests.fakes.openai_server import FakeVendor, Reply


async def test_agent_client_gets_an_answer_and_a_clear_refusal(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.answer("a", Reply.ok("ANSWER: yes\nCONFIDENCE: 0.9"))
    server, port = await create_server(write_config(tmp_path, [provider("a", vendor.base_url)]))
    client = CloudClient(CloudSettings(endpoint=f"127.0.0.1:{port}", timeout_s=10, retries=1))
    try:
        payload = request().SerializeToString()
        response = await client.orchestrate(payload, deadline_s=10, request_id="req-1")
        assert response.answer == "yes"
        assert [c.destination for c in response.calls] == ["eu-vendor", "eu-vendor"]
        refused = request(allowed=[]).SerializeToString()
        with pytest.raises(UpstreamError, match="FAILED_PRECONDITION: the request allows no"):
            await client.orchestrate(refused, deadline_s=10, request_id="req-2")
        assert client.breaker.state == "closed"  # a refusal is not an outage
    finally:
        await client.close()
        await server.stop(None)
    assert len(vendor.requests) == 2  # panelist + synthesis of the first request only
