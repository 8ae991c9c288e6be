"""The demo's verdict on a run: it must fail when the stack did not reach the cloud tier."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[3]


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo", ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_run_with_sent_sections_and_no_cloud_failure_is_fine() -> None:
    assert _demo().stack_problem(Counter({"SENT": 3, "WITHHELD_POLICY": 2})) == ""


def test_a_run_where_nothing_reached_the_cloud_tier_fails_and_says_why() -> None:
    problem = _demo().stack_problem(
        Counter({"WITHHELD_CLOUD_UNAVAILABLE": 9, "WITHHELD_POLICY": 3})
    )
    assert problem.startswith("no section reached the cloud tier (12 sections, 9 of them")


def test_a_policy_only_run_with_nothing_sent_still_fails() -> None:
    assert "no section reached" in _demo().stack_problem(Counter({"WITHHELD_POLICY": 4}))


def test_any_failed_cloud_call_fails_the_run() -> None:
    problem = _demo().stack_problem(Counter({"SENT": 5, "SENT_NO_ANSWER": 1}))
    assert problem == "1 sections got no answer because the cloud call failed"
