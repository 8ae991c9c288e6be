"""Destination enforcement, fallbacks, failures and budgets through the real gRPC tier.

The FakeVendor stands in for paid vendors; its request log is the proof of what left.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest

from bastion.logs import BastionJsonFormatter
from bastion.wire.v1 import common_pb2
from tests.fakes.cloud_setup import EU, US, destination, provider, request, write_config
from tests.fakes.openai_server import FakeVendor, Reply
from tests.integration.cloud.conftest import serving


async def refused(stub, req) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.Orchestrate(req)
    return err.value


async def test_provider_in_wrong_region_is_refused_and_nothing_sent(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    config = write_config(tmp_path, [provider("eu", vendor.base_url)])
    async with serving(config) as stub:
        err = await refused(stub, request(allowed=[destination(region="eu-central-1")]))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "no configured provider serves an allowed destination" in (err.details() or "")
    assert "eu-vendor (eu-central-1, EU)" in (err.details() or "")
    assert vendor.requests == []


@pytest.mark.parametrize(
    "override", [{"name": "other"}, {"jurisdiction": "UK"}, {"region": "us-east-1"}]
)
async def test_every_destination_field_must_match(
    vendor: FakeVendor, tmp_path: Path, override: dict[str, str]
) -> None:
    config = write_config(tmp_path, [provider("eu", vendor.base_url)])
    async with serving(config) as stub:
        err = await refused(stub, request(allowed=[destination(**override)]))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert vendor.requests == []


async def test_empty_allowed_list_calls_nothing(vendor: FakeVendor, tmp_path: Path) -> None:
    config = write_config(tmp_path, [provider("eu", vendor.base_url)])
    async with serving(config) as stub:
        err = await refused(stub, request(allowed=[]))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "allows no destinations" in (err.details() or "")
    assert vendor.requests == []


async def test_only_providers_of_allowed_destinations_join_the_panel(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    providers = [provider("eu", vendor.base_url), provider("us", vendor.base_url, where=US)]
    async with serving(write_config(tmp_path, providers)) as stub:
        resp = await stub.Orchestrate(request(allowed=[destination(EU)]))
    assert {o.provider for o in resp.outputs} == {"eu"}
    assert vendor.requests_for("us") == []


async def test_fallback_outside_allowed_destinations_is_never_called(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.answer("eu", Reply.fail(500))
    providers = [
        provider("eu", vendor.base_url, fallback="us", max_retries=0),
        provider("us", vendor.base_url, where=US, panel=False),
    ]
    async with serving(write_config(tmp_path, providers)) as stub:
        err = await refused(stub, request())
    assert err.code() == grpc.StatusCode.UNAVAILABLE
    assert "HTTP 500" in (err.details() or "")
    assert vendor.requests_for("us") == []
    assert len(vendor.requests_for("eu")) == 1
    assert "us skipped: destination not allowed for this request" in (err.details() or "")


async def test_eligible_fallback_answers_when_the_primary_fails(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.answer("primary", Reply.fail(503))
    vendor.answer("backup", Reply.ok("ANSWER: yes\nCONFIDENCE: 0.9"))
    providers = [
        provider("primary", vendor.base_url, fallback="backup", max_retries=1),
        provider("backup", vendor.base_url, panel=False),
    ]
    async with serving(write_config(tmp_path, providers)) as stub:
        resp = await stub.Orchestrate(request())
    assert resp.answer == "yes"
    failed = [o for o in resp.outputs if o.error]
    assert failed and all(o.provider == "primary" for o in failed)
    assert "HTTP 503 after 2 attempt(s)" in failed[0].error
    assert any(o.provider == "backup" and o.role == "panelist (fallback)" for o in resp.outputs)
    assert len(vendor.requests_for("primary")) == 4  # panelist + synthesis, 2 attempts each


async def test_a_failed_panelist_loses_its_vote_but_not_the_request(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.answer("a", Reply.ok("ANSWER: yes"))
    vendor.answer("b", Reply.malformed_json())
    providers = [provider("a", vendor.base_url, strength=3), provider("b", vendor.base_url)]
    async with serving(write_config(tmp_path, providers)) as stub:
        resp = await stub.Orchestrate(request(resolution=common_pb2.MAJORITY_VOTE))
    assert resp.answer == "yes" and resp.agreement == 1.0
    bad = next(o for o in resp.outputs if o.provider == "b")
    assert "malformed chat-completions response" in bad.error and bad.output == ""
    assert len(vendor.requests_for("b")) == 1  # malformed bodies are not retried


async def test_a_hanging_vendor_times_out_and_the_request_fails_closed(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.answer("slow", Reply.hanging())
    providers = [provider("slow", vendor.base_url, timeout_s=0.3, max_retries=1)]
    async with serving(write_config(tmp_path, providers)) as stub:
        err = await refused(stub, request())
    assert err.code() == grpc.StatusCode.UNAVAILABLE
    assert "no answer within 0.3s after 2 attempt(s)" in (err.details() or "")


async def test_request_token_budget_stops_calls_before_they_are_made(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    config = write_config(tmp_path, [provider("a", vendor.base_url)])
    async with serving(config) as stub:
        err = await refused(stub, request(token_budget=50))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "request token budget of 50" in (err.details() or "")
    assert vendor.requests == []


async def test_request_budget_that_runs_out_midway_fails_the_request(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.answer("a", Reply.ok("ANSWER: yes", usage=(400, 100)))
    config = write_config(tmp_path, [provider("a", vendor.base_url)])
    async with serving(config) as stub:
        err = await refused(stub, request(common_pb2.SEQUENTIAL, token_budget=700))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert len(vendor.requests) == 1  # the second step would not fit: never sent


async def test_tenant_budget_is_shared_across_requests(vendor: FakeVendor, tmp_path: Path) -> None:
    vendor.answer("a", Reply.ok("ANSWER: yes", usage=(300, 100)))
    config = write_config(
        tmp_path,
        [provider("a", vendor.base_url)],
        budgets={"per_tenant_tokens": 1200, "per_request_tokens": 1000},
    )
    async with serving(config) as stub:
        first = await stub.Orchestrate(request(tenant="acme"))
        err = await refused(stub, request(tenant="acme"))
        other = await stub.Orchestrate(request(tenant="globex"))
    assert first.total_tokens == 800
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "tenant token budget exhausted: 800 of 1200" in (err.details() or "")
    assert other.total_tokens == 800


async def test_rate_limited_vendor_is_retried_after_retry_after(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.script("a", Reply.rate_limited("0.4"))
    vendor.answer("a", Reply.ok("ANSWER: yes"))
    config = write_config(tmp_path, [provider("a", vendor.base_url)])
    async with serving(config) as stub:
        resp = await stub.Orchestrate(request())
    first, second = vendor.requests_for("a")[:2]
    assert second.at - first.at >= 0.4
    assert resp.answer == "yes"


async def test_api_key_from_the_environment_is_sent_as_bearer(
    vendor: FakeVendor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_VENDOR_KEY", "sk-test-123")
    config = write_config(tmp_path, [provider("a", vendor.base_url, api_key_env="FAKE_VENDOR_KEY")])
    async with serving(config) as stub:
        await stub.Orchestrate(request())
    assert vendor.requests[0].headers["authorization"] == "Bearer sk-test-123"
    assert "sk-test-123" not in repr(config)


async def test_logs_and_errors_never_carry_section_text_or_outputs(
    vendor: FakeVendor, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "SENTINEL-Jane-Doe-4111"
    vendor.answer("a", Reply.ok(f"ANSWER: {secret} may terminate"))
    vendor.answer("b", Reply.fail(500))
    providers = [provider("a", vendor.base_url), provider("b", vendor.base_url, max_retries=0)]
    caplog.set_level("DEBUG")
    async with serving(write_config(tmp_path, providers)) as stub:
        resp = await stub.Orchestrate(request(sections=[f"{secret} signed the lease."]))
        err = await refused(stub, request(sections=[f"{secret} again"], token_budget=10))
    # the caller gets the outputs (in completion order, so pick provider a's)...
    assert secret in next(o.output for o in resp.outputs if o.provider == "a")
    assert secret not in (err.details() or "")
    lines = [BastionJsonFormatter().format(r) for r in caplog.records]  # as written to stderr
    assert all(secret not in line for line in lines)  # ...the logs never do
    started = [r for r in caplog.records if r.getMessage() == "orchestrate_started"]
    assert [getattr(r, "request_id", None) for r in started][:1] == ["req-1"]


async def test_caller_deadline_stops_the_work_and_later_steps_are_never_sent(
    vendor: FakeVendor, tmp_path: Path
) -> None:
    vendor.answer("a", Reply.slow(0.8))
    config = write_config(tmp_path, [provider("a", vendor.base_url, timeout_s=5.0)])
    async with serving(config) as stub:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Orchestrate(request(), timeout=0.3)
        await asyncio.sleep(1.0)  # long enough for a synthesis call, had one been made
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert len(vendor.requests) == 1  # the panelist only: no synthesis after the deadline
