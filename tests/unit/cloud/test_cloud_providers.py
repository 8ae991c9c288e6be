"""The provider adapter against a real HTTP server (the FakeVendor, standing in for a paid
vendor): retries, Retry-After, timeouts, malformed bodies, concurrency limits, headers."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from email.utils import formatdate

import pytest

from cloud.config import ProviderConfig
from cloud.domain import ChatMessage
from cloud.errors import ProviderFailed
from cloud.providers import ChatProvider, backoff_delay, parse_completion, parse_retry_after
from tests.fakes.openai_server import FakeVendor, Reply

MESSAGES = [ChatMessage("system", "s"), ChatMessage("user", "u")]


@pytest.fixture
def vendor() -> Iterator[FakeVendor]:
    with FakeVendor() as v:
        yield v


class Sleeps:
    """Records requested back-off delays instead of sleeping (time is injected)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
async def make(vendor: FakeVendor) -> AsyncIterator:
    made: list[ChatProvider] = []

    def build(sleeps: Sleeps | None = None, **kw: object) -> ChatProvider:
        fields: dict[str, object] = {
            "name": "p",
            "destination": "d",
            "region": "r",
            "jurisdiction": "J",
            "base_url": vendor.base_url,
            "model": "m",
            "timeout_s": 2.0,
            "max_retries": 2,
        }
        fields.update(kw)
        provider = ChatProvider(
            ProviderConfig(**fields),
            rng=random.Random(7),
            sleep=sleeps or Sleeps(),
        )
        made.append(provider)
        return provider

    yield build
    for p in made:
        await p.aclose()


async def test_success_reports_text_usage_and_sends_the_model(vendor: FakeVendor, make) -> None:
    vendor.answer("m", Reply.ok("ANSWER: yes", usage=(11, 3), logprobs=(-0.1, -0.3)))
    result = await make(temperature=0.3).complete(MESSAGES, max_tokens=64)
    assert (result.text, result.prompt_tokens, result.completion_tokens) == ("ANSWER: yes", 11, 3)
    assert result.mean_logprob == pytest.approx(-0.2)
    body = vendor.requests[0].body
    assert body["model"] == "m" and body["max_tokens"] == 64 and body["temperature"] == 0.3
    assert body["messages"] == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
    ]
    assert "logprobs" not in body


async def test_server_errors_are_retried_with_backoff(vendor: FakeVendor, make) -> None:
    vendor.script("m", Reply.fail(500), Reply.fail(502))
    sleeps = Sleeps()
    result = await make(sleeps).complete(MESSAGES, max_tokens=8)
    assert result.text.startswith("ANSWER")
    assert len(vendor.requests) == 3
    assert len(sleeps.delays) == 2 and 0.1 <= sleeps.delays[0] <= 0.2 < sleeps.delays[1] <= 0.4


async def test_retries_are_bounded(vendor: FakeVendor, make) -> None:
    vendor.answer("m", Reply.fail(503))
    with pytest.raises(ProviderFailed, match=r"provider p: HTTP 503 after 3 attempt\(s\)"):
        await make().complete(MESSAGES, max_tokens=8)
    assert len(vendor.requests) == 3


async def test_client_errors_are_not_retried(vendor: FakeVendor, make) -> None:
    vendor.answer("m", Reply.fail(401))
    with pytest.raises(ProviderFailed, match="HTTP 401") as err:
        await make().complete(MESSAGES, max_tokens=8)
    assert not err.value.retryable and len(vendor.requests) == 1


async def test_retry_after_is_honoured(vendor: FakeVendor, make) -> None:
    vendor.script("m", Reply.rate_limited("3"))
    sleeps = Sleeps()
    await make(sleeps).complete(MESSAGES, max_tokens=8)
    assert len(sleeps.delays) == 1 and 3.0 <= sleeps.delays[0] <= 3.3


async def test_retry_after_beyond_the_limit_fails_fast(vendor: FakeVendor, make) -> None:
    vendor.script("m", Reply.rate_limited("600"))
    sleeps = Sleeps()
    with pytest.raises(ProviderFailed, match="Retry-After 600s exceeds max_retry_after_s 30s"):
        await make(sleeps).complete(MESSAGES, max_tokens=8)
    assert sleeps.delays == [] and len(vendor.requests) == 1


async def test_malformed_json_fails_without_retry(vendor: FakeVendor, make) -> None:
    vendor.answer("m", Reply.malformed_json())
    with pytest.raises(ProviderFailed, match="malformed chat-completions response"):
        await make().complete(MESSAGES, max_tokens=8)
    assert len(vendor.requests) == 1


async def test_a_hanging_vendor_times_out_per_attempt(vendor: FakeVendor, make) -> None:
    vendor.answer("m", Reply.hanging())
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ProviderFailed, match=r"no answer within 0.2s after 2 attempt\(s\)"):
        await make(timeout_s=0.2, max_retries=1).complete(MESSAGES, max_tokens=8)
    assert 0.35 <= loop.time() - started < 1.5
    assert len(vendor.requests) == 2


async def test_unreachable_vendor_is_a_transport_error(make) -> None:
    provider = make(base_url="http://127.0.0.1:9/v1", max_retries=0)
    with pytest.raises(ProviderFailed, match="transport error ConnectError"):
        await provider.complete(MESSAGES, max_tokens=8)


async def test_concurrency_is_capped_per_provider(vendor: FakeVendor, make) -> None:
    vendor.answer("m", Reply.slow(0.15))
    provider = make(max_concurrency=2)
    await asyncio.gather(*(provider.complete(MESSAGES, max_tokens=8) for _ in range(6)))
    assert vendor.max_in_flight["m"] == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Authorization", ("authorization", "Bearer k-1")), ("api-key", ("api-key", "k-1"))],
)
async def test_api_key_header_styles(vendor: FakeVendor, make, header: str, expected) -> None:
    await make(api_key="k-1", api_key_header=header).complete(MESSAGES, max_tokens=8)
    name, value = expected
    assert vendor.requests[0].headers[name] == value


async def test_logprobs_are_requested_when_configured(vendor: FakeVendor, make) -> None:
    await make(logprobs=True).complete(MESSAGES, max_tokens=8)
    assert vendor.requests[0].body["logprobs"] is True
    assert vendor.requests[0].body["top_logprobs"] == 1


def test_retry_after_parsing() -> None:
    assert parse_retry_after("5", now=0) == 5.0
    assert parse_retry_after(None, now=0) is None
    assert parse_retry_after("soon", now=0) is None
    assert parse_retry_after("-3", now=0) == 0.0
    date = formatdate(1_000_010, usegmt=True)
    assert parse_retry_after(date, now=1_000_000) == pytest.approx(10.0)


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(1)
    assert 0.1 <= backoff_delay(0, rng) <= 0.2
    assert 0.8 <= backoff_delay(3, rng) <= 1.6
    assert backoff_delay(20, rng) <= 5.0


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"choices": []},
        {"choices": [{"message": {}}]},
        {"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": "3"}},
    ],
)
def test_parse_completion_rejects_non_completions(body: object) -> None:
    with pytest.raises(ValueError):
        parse_completion(body)
