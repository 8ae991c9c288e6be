"""The egress benchmarks run (tiny sizes): inputs, the linear-time table and the
per-request cost helper the pipeline benchmark reuses."""

from __future__ import annotations

from agent.domain import EntityType
from bench.pathological import inputs, measure, report, request_costs


def test_pathological_inputs_have_the_requested_size_and_are_deterministic() -> None:
    a, b = inputs(4096), inputs(4096)
    assert a == b
    assert {"digit column", "hex ids", "long token", "short lines", "long line"} <= set(a)
    assert all(len(text) == 4096 for text in a.values())


def test_the_table_and_the_request_costs_are_measured() -> None:
    rows = measure(8192, 1024, repeat=1, only=("independent scanner",))
    assert {r.system for r in rows} == {"independent scanner"}
    assert all(r.per_mb >= 0 for r in rows)

    def detect(text: str) -> list[tuple[EntityType, int, int]]:
        at = text.find("4111")
        return [(EntityType.CREDIT_CARD, at, at + 19)] if at >= 0 else []

    cost = request_costs([["pay 4111 1111 1111 1111", "nothing"], ["hello"]], detect)
    assert cost.requests == 2 and cost.sections_per_request == 2
    assert cost.values_per_request == 0.5
    assert "ms per request" in report(rows, cost, 8192, 1024)
