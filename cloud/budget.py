"""Token budgets: per request and per tenant, enforced *before* each call.

Each call reserves its worst case (estimated prompt tokens + ``max_tokens``); the
reservation is settled with the vendor's reported usage afterwards. A call whose
reservation does not fit is never made (``BudgetExceeded``), so a budget is a ceiling on
what may be spent, not a report of what was. Time is injected for the tenant window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cloud.errors import BudgetExceeded


def estimate_prompt_tokens(text_chars: int) -> int:
    """A conservative estimate (about 3 characters per token for English and code)."""
    return text_chars // 3 + 8


@dataclass
class _Window:
    started: float
    used: int = 0
    reserved: int = 0


class TenantLedger:
    """Tokens spent per tenant in a fixed window; ``limit`` 0 means unlimited."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._windows: dict[str, _Window] = {}

    def _window(self, tenant: str) -> _Window:
        now = self._clock()
        w = self._windows.get(tenant)
        if w is None or now - w.started >= self.window_s:
            w = _Window(started=now, reserved=w.reserved if w else 0)
            self._windows[tenant] = w
        return w

    def used(self, tenant: str) -> int:
        return self._window(tenant).used

    def reserved(self, tenant: str) -> int:
        """Tokens held by calls in flight (0 when the tenant is idle)."""
        return self._window(tenant).reserved

    def reserve(self, tenant: str, tokens: int) -> None:
        w = self._window(tenant)
        if self.limit and w.used + w.reserved + tokens > self.limit:
            raise BudgetExceeded(
                f"tenant token budget exhausted: {w.used} of {self.limit} tokens used in the "
                f"current {self.window_s:g}s window; the next call needs up to {tokens}"
            )
        w.reserved += tokens

    def settle(self, tenant: str, reserved: int, actual: int) -> None:
        w = self._window(tenant)
        w.reserved = max(0, w.reserved - reserved)
        w.used += actual


class RequestBudget:
    """One request's budget, also charging the tenant's ledger."""

    def __init__(self, limit: int, tenant: str, ledger: TenantLedger) -> None:
        self.limit = limit
        self.tenant = tenant
        self._ledger = ledger
        self.used = 0
        self._reserved = 0

    def reserve(self, tokens: int) -> int:
        if self.used + self._reserved + tokens > self.limit:
            raise BudgetExceeded(
                f"request token budget of {self.limit} exhausted: {self.used} used, "
                f"{self._reserved} reserved, the next call needs up to {tokens}"
            )
        self._ledger.reserve(self.tenant, tokens)
        self._reserved += tokens
        return tokens

    def settle(self, reserved: int, actual: int) -> None:
        self._reserved = max(0, self._reserved - reserved)
        self.used += actual
        self._ledger.settle(self.tenant, reserved, actual)
