"""The orchestrator as plain async Python (what the servicer and the benchmark call)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bastion.errors import InvalidInput
from cloud.config import load_config
from cloud.domain import DataSection, Destination, Mode, OrchestrationRequest, Strategy
from cloud.orchestrator import Orchestrator
from tests.fakes.cloud_setup import EU, provider, write_config
from tests.fakes.openai_server import FakeVendor, Reply

REPO = Path(__file__).resolve().parents[3]
ALLOWED = (Destination(EU["destination"], "vendor", EU["region"], EU["jurisdiction"]),)


def domain_request(mode: Mode = Mode.FUSION) -> OrchestrationRequest:
    return OrchestrationRequest(
        request_id="r",
        tenant="acme",
        instruction="Terminable?",
        mode=mode,
        strategy=Strategy.DEFAULT,
        sections=(DataSection(0, "", "Either party may terminate.", "internal"),),
        allowed=ALLOWED,
    )


async def test_a_cancelled_request_releases_its_tenant_reservations(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.answer("a", Reply.slow(0.5))
    config = write_config(
        tmp_path, [provider("a", vendor.base_url)], budgets={"per_tenant_tokens": 100_000}
    )
    orchestrator = Orchestrator(config)
    try:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(orchestrator.run(domain_request()), 0.2)
        assert orchestrator.tenants.reserved("acme") == 0
        assert orchestrator.tenants.used("acme") == 0
    finally:
        await orchestrator.aclose()


async def test_unresolved_local_providers_are_refused_with_a_hint() -> None:
    config = load_config(REPO / "examples" / "cloud.yaml")
    with pytest.raises(InvalidInput, match="with_local_base_url"):
        Orchestrator(config)


async def test_every_mode_runs_with_a_single_provider(vendor: FakeVendor, tmp_path: Path) -> None:
    config = write_config(tmp_path, [provider("solo", vendor.base_url)])
    orchestrator = Orchestrator(config)
    try:
        for mode in Mode:
            outcome = await orchestrator.run(domain_request(mode))
            assert outcome.answer == "yes", mode
            assert all(c.ok and c.provider == "solo" for c in outcome.calls), mode
    finally:
        await orchestrator.aclose()
