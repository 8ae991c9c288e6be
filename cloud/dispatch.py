"""One request's access to the providers: who may be called, at what cost, and a record.

Destination enforcement lives here and nowhere else: a provider may be called only if its
destination name, region and jurisdiction all match one destination the agent allowed for
this request. That holds for fallbacks too - an ineligible fallback is skipped, never
called. Every call (successful or not) becomes a ``ModelCall`` in ``Dispatcher.calls``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cloud.answers import confidence_of
from cloud.budget import RequestBudget, estimate_prompt_tokens
from cloud.config import ProviderConfig
from cloud.domain import ChatMessage, Destination, ModelCall
from cloud.errors import DestinationRefused, ProviderFailed
from cloud.providers import ChatProvider


def qualifies(provider: ProviderConfig, allowed: Sequence[Destination]) -> bool:
    """True when the provider serves one allowed destination: name, region, jurisdiction."""
    return any(
        d.name == provider.destination
        and d.region == provider.region
        and d.jurisdiction == provider.jurisdiction
        for d in allowed
    )


def eligible_panel(
    providers: Sequence[ProviderConfig], allowed: Sequence[Destination]
) -> list[ProviderConfig]:
    """The panel members this request may use; DestinationRefused if there are none."""
    if not allowed:
        raise DestinationRefused(
            "the request allows no destinations, so no provider may be called; nothing was sent"
        )
    panel = [p for p in providers if p.panel and qualifies(p, allowed)]
    if panel:
        return panel
    wanted = ", ".join(f"{d.name} ({d.region}, {d.jurisdiction})" for d in allowed)
    offered = ", ".join(
        f"{p.name}: {p.destination} ({p.region}, {p.jurisdiction})" for p in providers if p.panel
    )
    raise DestinationRefused(
        f"no configured provider serves an allowed destination; allowed: {wanted}; "
        f"configured: {offered}; nothing was sent"
    )


def strongest(members: Sequence[ProviderConfig]) -> ProviderConfig:
    """The strongest member (first in config order among equals): judges and breaks ties."""
    return max(members, key=lambda p: p.strength) if members else _no_members()


def _no_members() -> ProviderConfig:
    raise DestinationRefused("no eligible provider")


@dataclass(frozen=True)
class Job:
    member: ProviderConfig
    role: str
    messages: list[ChatMessage]
    round: int = 0


class Dispatcher:
    def __init__(
        self,
        *,
        providers: Mapping[str, ChatProvider],
        allowed: Sequence[Destination],
        budget: RequestBudget,
        max_tokens: int,
        clock: Callable[[], float],
    ) -> None:
        self._providers = providers
        self._allowed = tuple(allowed)
        self.budget = budget
        self.max_tokens = max_tokens
        self._clock = clock
        # (job number, attempt, call): jobs are numbered when asked, before any await, so
        # ``calls`` lists them in the order the mode asked, not the order vendors answered
        self._records: list[tuple[int, int, ModelCall]] = []
        self._asked = 0

    @property
    def calls(self) -> list[ModelCall]:
        """Every call made, in the order the jobs were asked (attempts in order)."""
        return [call for _, _, call in sorted(self._records, key=lambda r: (r[0], r[1]))]

    def chain(self, member: ProviderConfig) -> tuple[list[ChatProvider], list[str]]:
        """The member and its fallbacks that this request may call, and the ones skipped."""
        usable: list[ChatProvider] = []
        skipped: list[str] = []
        name: str | None = member.name
        while name is not None:
            provider = self._providers[name]
            if qualifies(provider.config, self._allowed):
                usable.append(provider)
            else:
                skipped.append(f"{name} skipped: destination not allowed for this request")
            name = provider.config.fallback
        return usable, skipped

    def _reservation(self, messages: Sequence[ChatMessage]) -> int:
        chars = sum(len(m.content) for m in messages)
        return estimate_prompt_tokens(chars) + self.max_tokens

    async def ask(self, job: Job) -> ModelCall:
        """Call the member, falling back down its eligible chain.

        Vendor failures do not raise: each failed attempt is recorded as a call with
        ``error``, and if the whole chain failed the returned call carries the reasons.
        A call that would not fit the budget raises BudgetExceeded before it is made.
        """
        number = self._asked
        self._asked += 1
        usable, skipped = self.chain(job.member)
        errors = list(skipped)
        last_failure: ModelCall | None = None
        for attempt, provider in enumerate(usable):
            role = job.role if provider.name == job.member.name else f"{job.role} (fallback)"
            reserved = self.budget.reserve(self._reservation(job.messages))
            started = self._clock()
            spent = 0
            try:
                completion = await provider.complete(job.messages, max_tokens=self.max_tokens)
                spent = completion.prompt_tokens + completion.completion_tokens
            except ProviderFailed as exc:
                errors.append(str(exc))
                last_failure = self._failure(job, provider.config, role, str(exc), tried=True)
                self._records.append((number, attempt, last_failure))
                continue
            finally:  # also on cancellation (deadline): never leak a tenant reservation
                self.budget.settle(reserved, spent)
            call = ModelCall(
                provider=provider.name,
                model=provider.config.model,
                role=role,
                output=completion.text,
                confidence=confidence_of(completion.text, completion.mean_logprob),
                prompt_tokens=completion.prompt_tokens,
                completion_tokens=completion.completion_tokens,
                latency_ms=(self._clock() - started) * 1000.0,
                cost_usd=provider.cost_of(completion.prompt_tokens, completion.completion_tokens),
                round=job.round,
                strength=provider.config.strength,
                destination=provider.config.destination,
            )
            self._records.append((number, attempt, call))
            return call
        summary = "; ".join(errors) or "no eligible provider"
        if last_failure is None:
            self._records.append((number, 0, self._failure(job, job.member, job.role, summary)))
        elif skipped:  # say on the record why no fallback was tried
            last_failure.error += "; " + "; ".join(skipped)
        return self._failure(job, job.member, job.role, summary)

    @staticmethod
    def _failure(
        job: Job, provider: ProviderConfig, role: str, error: str, *, tried: bool = False
    ) -> ModelCall:
        """A failed job; ``tried``: the request went to this provider (data may have
        reached its destination), else no call was made."""
        return ModelCall(
            provider=provider.name,
            model=provider.model,
            role=role,
            round=job.round,
            strength=provider.strength,
            error=error,
            destination=provider.destination if tried else "",
        )

    async def ask_all(self, jobs: Sequence[Job]) -> list[ModelCall]:
        """Fan out concurrently. Checks the whole fan-out fits the budget before any call."""
        needed = sum(self._reservation(j.messages) for j in jobs)
        if needed:
            self.budget.reserve(needed)  # raises BudgetExceeded: nothing is sent
            self.budget.settle(needed, 0)
        results = await asyncio.gather(*(self.ask(j) for j in jobs), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                raise r
        return [r for r in results if isinstance(r, ModelCall)]
