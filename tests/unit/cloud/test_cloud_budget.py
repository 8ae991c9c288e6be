"""Token budgets: reservations before calls, per request and per tenant window."""

from __future__ import annotations

import pytest

from cloud.budget import RequestBudget, TenantLedger
from cloud.errors import BudgetExceeded


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_request_budget_refuses_a_call_that_would_not_fit() -> None:
    budget = RequestBudget(1000, "t", TenantLedger(0, 60, Clock()))
    held = budget.reserve(600)
    with pytest.raises(BudgetExceeded, match="request token budget of 1000"):
        budget.reserve(500)
    budget.settle(held, 200)
    assert budget.used == 200
    budget.reserve(800)  # fits now: 200 used + 800


def test_tenant_window_is_shared_and_resets() -> None:
    clock = Clock()
    ledger = TenantLedger(1000, 60, clock)
    first = RequestBudget(10_000, "acme", ledger)
    first.settle(first.reserve(900), 900)
    second = RequestBudget(10_000, "acme", ledger)
    with pytest.raises(BudgetExceeded, match="tenant token budget exhausted: 900 of 1000"):
        second.reserve(200)
    RequestBudget(10_000, "globex", ledger).reserve(900)  # other tenants are separate
    clock.now = 61.0
    second.reserve(200)  # a new window
    assert ledger.used("acme") == 0


def test_unlimited_tenant_budget() -> None:
    ledger = TenantLedger(0, 60, Clock())
    budget = RequestBudget(10**9, "t", ledger)
    budget.settle(budget.reserve(10**8), 10**8)
    assert ledger.used("t") == 10**8


def test_caller_ids_are_made_safe_for_log_lines() -> None:
    from cloud.orchestrator import safe_id

    assert safe_id("req-42.a:b@c") == "req-42.a:b@c"
    assert safe_id("x\nFAKE LOG LINE") == "x_FAKE_LOG_LINE"
    assert len(safe_id("a" * 500)) == 64
    assert safe_id("") == "-"
