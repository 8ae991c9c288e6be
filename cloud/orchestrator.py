"""The orchestrator: plain async Python that the gRPC servicer (and a benchmark) calls.

``Orchestrator.run(request) -> Outcome``: validate, pick the eligible panel (refusing the
request before any call if no provider qualifies), open a token budget, run the mode,
resolve, and account for every call (tokens, latency, cost). Logs carry ids, counts and
sizes only - never section text, prompts or outputs.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping

from bastion.errors import InvalidInput
from cloud.budget import RequestBudget, TenantLedger
from cloud.config import LOCAL_BASE_URL, CloudConfig
from cloud.dispatch import Dispatcher, eligible_panel, strongest
from cloud.domain import OrchestrationRequest, Outcome, Strategy
from cloud.injection import scan_sections
from cloud.metrics import CloudMetrics
from cloud.modes import MODES, ModeContext
from cloud.providers import ChatProvider
from cloud.resolve import resolve

log = logging.getLogger("bastion.cloud")
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9._:@-]")


def safe_id(value: str) -> str:
    """A caller-supplied id fit for a log line: no newlines or markup, at most 64 chars."""
    return _UNSAFE_ID_CHARS.sub("_", value[:64]) or "-"


class Orchestrator:
    def __init__(
        self,
        config: CloudConfig,
        *,
        providers: Mapping[str, ChatProvider] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        metrics: CloudMetrics | None = None,
    ) -> None:
        unresolved = [p.name for p in config.providers if p.base_url == LOCAL_BASE_URL]
        if unresolved and providers is None:
            raise InvalidInput(
                "providers with base_url 'local' need a running local model; use "
                "config.with_local_base_url(LocalLLM.base_url) first: " + ", ".join(unresolved)
            )
        self.config = config
        self.metrics = metrics or CloudMetrics()
        self._clock = clock
        rng = rng or random.Random()
        self.providers: dict[str, ChatProvider] = dict(providers or {})
        for p in config.providers:
            if p.name not in self.providers:
                self.providers[p.name] = ChatProvider(p, rng=rng)
        b = config.budgets
        self.tenants = TenantLedger(b.per_tenant_tokens, b.per_tenant_window_s, clock)

    def _validate(self, request: OrchestrationRequest) -> None:
        limits = self.config.limits
        if not request.instruction.strip():
            raise InvalidInput("task.instruction is empty")
        if len(request.instruction) > limits.max_instruction_chars:
            raise InvalidInput(
                f"task.instruction has {len(request.instruction)} characters; "
                f"the limit is {limits.max_instruction_chars}"
            )
        if len(request.sections) > limits.max_sections:
            raise InvalidInput(
                f"{len(request.sections)} sections; the limit is {limits.max_sections}"
            )
        for s in request.sections:
            if len(s.text) > limits.max_section_chars:
                raise InvalidInput(
                    f"section {s.index} has {len(s.text)} characters; "
                    f"the limit is {limits.max_section_chars}"
                )
        if not request.tenant:
            raise InvalidInput("tenant is empty")

    def _budget_for(self, request: OrchestrationRequest) -> int:
        b = self.config.budgets
        asked = request.token_budget or b.per_request_tokens
        return min(asked, b.max_request_tokens)

    async def run(self, request: OrchestrationRequest) -> Outcome:
        started = self._clock()
        self._validate(request)
        panel = eligible_panel(self.config.providers, request.allowed)
        max_tokens = request.max_output_tokens or self.config.defaults.max_output_tokens
        max_tokens = min(max_tokens, self.config.defaults.max_output_tokens * 8)
        budget = RequestBudget(self._budget_for(request), request.tenant, self.tenants)
        dispatcher = Dispatcher(
            providers=self.providers,
            allowed=request.allowed,
            budget=budget,
            max_tokens=max_tokens,
            clock=self._clock,
        )
        ctx = ModeContext(
            request=request,
            panel=panel,
            judge=strongest(panel),
            dispatcher=dispatcher,
            debate_rounds=self.config.defaults.debate_rounds,
        )
        log.info(
            "orchestrate_started",
            extra={
                "request_id": safe_id(request.request_id),
                "tenant": safe_id(request.tenant),
                "mode": request.mode.name,
                "sections": len(request.sections),
                "panel": len(panel),
            },
        )
        try:
            result = await MODES[request.mode](ctx)
        finally:
            calls = dispatcher.calls
            self.metrics.record_calls(calls)
            log.info(
                "orchestrate_calls",
                extra={
                    "request_id": safe_id(request.request_id),
                    "calls": len(calls),
                    "failed": sum(1 for c in calls if not c.ok),
                    "tokens": budget.used,
                },
            )
        requested = request.strategy
        if requested == Strategy.DEFAULT:
            requested = self.config.defaults.resolution.get(request.mode, Strategy.DEFAULT)
        resolved = resolve(
            result.candidates,
            requested,
            synthesis=result.synthesis,
            review_below=self.config.defaults.review_below_agreement,
            synthesis_decides=result.synthesis_decides,
        )
        calls = dispatcher.calls
        return Outcome(
            request_id=request.request_id,
            answer=resolved.answer,
            calls=list(calls),
            agreement=resolved.agreement,
            strategy=resolved.strategy,
            needs_review=resolved.needs_review,
            disagreement=resolved.disagreement,
            injection_findings=scan_sections(request.sections) + result.findings,
            total_tokens=sum(c.prompt_tokens + c.completion_tokens for c in calls),
            latency_ms=(self._clock() - started) * 1000.0,
            cost_usd=sum(c.cost_usd for c in calls),
        )

    async def aclose(self) -> None:
        for provider in self.providers.values():
            await provider.aclose()
