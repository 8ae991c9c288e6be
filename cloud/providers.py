"""The provider adapter: OpenAI-compatible chat completions over one pooled httpx client.

Enough for OpenAI, Azure OpenAI (v1 API, ``api_key_header: api-key``), vLLM, TGI, Ollama
and llama.cpp servers. One ``ChatProvider`` per configured provider holds:

- a pooled ``httpx.AsyncClient`` (connection limit = ``max_concurrency``);
- an ``asyncio.Semaphore`` so the tier never has more than ``max_concurrency`` calls in
  flight to that vendor, across all requests;
- a total per-attempt deadline (``timeout_s``), so a vendor that hangs or drips bytes
  cannot hold a request;
- retries with jittered exponential backoff on transport errors, timeouts, 408/409/429/5xx,
  honouring ``Retry-After`` (seconds or an HTTP date) up to ``max_retry_after_s``.

Failure messages name the provider, the status and the attempt count - never the vendor's
response body, which may echo the prompt.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx

from cloud.config import ProviderConfig
from cloud.domain import ChatMessage, Completion
from cloud.errors import ProviderFailed

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_BACKOFF_BASE_S = 0.2
_BACKOFF_CAP_S = 5.0

Sleep = Callable[[float], Awaitable[None]]


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - now
    if math.isnan(seconds):
        return None
    return max(0.0, float(seconds))


def backoff_delay(attempt: int, rng: random.Random) -> float:
    """Jittered exponential backoff: half to all of ``base * 2**attempt``, capped."""
    ceiling: float = min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2.0**attempt)
    return ceiling * rng.uniform(0.5, 1.0)


def parse_completion(data: Any) -> Completion:
    """Read an OpenAI chat-completions body; ValueError if it is not one."""
    if not isinstance(data, dict):
        raise ValueError("body is not a JSON object")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ValueError("no choices")
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise ValueError("no message content")
    raw_usage = data.get("usage")
    usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    prompt_tokens = usage.get("prompt_tokens", 0)
    completion_tokens = usage.get("completion_tokens", 0)
    if not isinstance(prompt_tokens, int) or not isinstance(completion_tokens, int):
        raise ValueError("usage is not integers")
    return Completion(
        text=content,
        prompt_tokens=max(0, prompt_tokens),
        completion_tokens=max(0, completion_tokens),
        mean_logprob=_mean_logprob(choices[0].get("logprobs")),
    )


def _mean_logprob(logprobs: Any) -> float | None:
    if not isinstance(logprobs, dict):
        return None
    content = logprobs.get("content")
    if not isinstance(content, list):
        return None
    values = [
        float(t["logprob"])
        for t in content
        if isinstance(t, dict) and isinstance(t.get("logprob"), int | float)
    ]
    values = [v for v in values if math.isfinite(v)]
    return sum(values) / len(values) if values else None


class ChatProvider:
    """One OpenAI-compatible endpoint. ``complete`` raises ``ProviderFailed`` only."""

    def __init__(
        self,
        config: ProviderConfig,
        *,
        rng: random.Random | None = None,
        sleep: Sleep = asyncio.sleep,
        wall_clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._semaphore = asyncio.Semaphore(config.max_concurrency)
        headers = {"Content-Type": "application/json", "User-Agent": "bastion-cloud/0.1"}
        if config.api_key:
            if config.api_key_header.lower() == "authorization":
                headers["Authorization"] = f"Bearer {config.api_key}"
            else:
                headers[config.api_key_header] = config.api_key
        self._client = httpx.AsyncClient(
            base_url=config.base_url,
            headers=headers,
            timeout=httpx.Timeout(config.timeout_s),
            limits=httpx.Limits(
                max_connections=config.max_concurrency,
                max_keepalive_connections=config.max_concurrency,
            ),
            transport=transport,
            follow_redirects=False,
        )

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def in_flight_limit(self) -> int:
        return self.config.max_concurrency

    def cost_of(self, prompt_tokens: int, completion_tokens: int) -> float:
        c = self.config
        return (prompt_tokens * c.cost_per_1k_input + completion_tokens * c.cost_per_1k_output) / (
            1000.0
        )

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int,
        temperature: float | None = None,
    ) -> Completion:
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": self.config.temperature if temperature is None else temperature,
            "stream": False,
        }
        if self.config.logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = 1  # llama.cpp returns logprobs only when this is set
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                return await self._attempt(body)
            except _Retryable as exc:
                reason, retry_after = exc.reason, exc.retry_after
            except _Fatal as exc:
                raise ProviderFailed(
                    f"provider {self.name}: {exc.reason} (attempt {attempt + 1})", retryable=False
                ) from None
            if attempt >= self.config.max_retries:
                raise ProviderFailed(
                    f"provider {self.name}: {reason} after {attempt + 1} attempt(s)"
                ) from None
            delay = backoff_delay(attempt, self._rng)
            if retry_after is not None:
                if retry_after > self.config.max_retry_after_s:
                    raise ProviderFailed(
                        f"provider {self.name}: {reason}, Retry-After {retry_after:.0f}s exceeds "
                        f"max_retry_after_s {self.config.max_retry_after_s:.0f}s"
                    ) from None
                delay = retry_after + self._rng.uniform(0.0, 0.1 * max(retry_after, 0.1))
            await self._sleep(delay)
            attempt += 1

    async def _attempt(self, body: dict[str, Any]) -> Completion:
        async with self._semaphore:
            try:
                async with asyncio.timeout(self.config.timeout_s):
                    response = await self._client.post("/chat/completions", json=body)
            except TimeoutError:
                raise _Retryable(f"no answer within {self.config.timeout_s:g}s") from None
            except httpx.TimeoutException:
                raise _Retryable(f"no answer within {self.config.timeout_s:g}s") from None
            except httpx.TransportError as exc:
                raise _Retryable(f"transport error {type(exc).__name__}") from None
        status = response.status_code
        if status == 200:
            try:
                return parse_completion(response.json())
            except ValueError:  # json.JSONDecodeError is a ValueError
                raise _Fatal("malformed chat-completions response") from None
        reason = f"HTTP {status}"
        if status in RETRYABLE_STATUS:
            wait = parse_retry_after(response.headers.get("retry-after"), now=self._wall_clock())
            raise _Retryable(reason, wait)
        raise _Fatal(reason)

    async def aclose(self) -> None:
        await self._client.aclose()


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Fatal(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
