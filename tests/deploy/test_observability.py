"""The alert rules and the dashboard under deploy/ query series that exist: every metric
name in an expression is one the agent's or the cloud tier's registry exposes, with the
labels the expression matches on. ``promtool check rules`` runs too where it is installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

from agent.metrics import AgentMetrics
from cloud.metrics import CloudMetrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULES_TEST = ROOT / "deploy" / "prometheus" / "alerts_test.yml"  # promtool unit tests
DASHBOARD = ROOT / "deploy" / "grafana" / "bastion-dashboard.json"

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}
#: series Prometheus itself provides, and the labels its targets carry
_BUILTIN = {"up": set()}
_TARGET_LABELS = {"instance", "job"}
_STATE_LABELS = {"bastion_build_info": {"version", "policy_version"}}


def _registries() -> tuple[CollectorRegistry, ...]:
    agent = AgentMetrics()
    head = SimpleNamespace(size=1, time_ms=0)
    state = SimpleNamespace(
        policy=SimpleNamespace(version="sha256:x"),
        audit=SimpleNamespace(size=1, latest_head=lambda: head),
    )
    agent.with_state(state, 64)
    return agent.registry, CloudMetrics().registry


def known_series() -> dict[str, set[str]]:
    """Every sample name the two registries can expose -> the label names it carries."""
    labels: dict[str, set[str]] = dict(_STATE_LABELS)
    for owner in (AgentMetrics(), CloudMetrics()):
        for metric in vars(owner).values():
            if isinstance(metric, MetricWrapperBase):
                labels[metric._name] = set(metric._labelnames)
    series: dict[str, set[str]] = {k: set(v) for k, v in _BUILTIN.items()}
    for registry in _registries():
        for family in registry.collect():
            for suffix in _SUFFIXES[family.type]:
                extra = {"le"} if suffix == "_bucket" else set()
                series[family.name + suffix] = labels.get(family.name, set()) | extra
    return series


def _references(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names matched) for every bastion_* selector in ``expr``."""
    found = []
    for m in re.finditer(r"\b(bastion_[a-z0-9_]+)(\{([^}]*)\})?", expr):
        matchers = set(re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)", m.group(3) or ""))
        found.append((m.group(1), matchers))
    return found


def _check(expr: str, series: dict[str, set[str]], where: str) -> list[str]:
    problems = []
    refs = _references(expr)
    if not refs:
        problems.append(f"{where}: references no bastion metric")
    for name, matchers in refs:
        if name not in series:
            problems.append(f"{where}: {name} is not exposed by the agent or the cloud tier")
            continue
        unknown = matchers - series[name] - _TARGET_LABELS
        if unknown:
            problems.append(f"{where}: {name} has no label(s) {sorted(unknown)}")
    return problems


def _rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def test_the_checker_catches_a_wrong_name_and_a_wrong_label() -> None:
    series = known_series()
    assert _check('rate(bastion_agent_sections_total{status="X"}[5m])', series, "ok") == []
    assert _check("bastion_agent_sectoins_total", series, "typo")
    assert _check('bastion_agent_sections_total{tenant="x"}', series, "label")
    assert _check("up == 0", series, "none")  # must name a Bastion series


def test_every_alert_rule_references_real_metrics_and_says_what_to_do() -> None:
    series = known_series()
    rules = _rules()
    assert {r["alert"] for r in rules} >= {
        "BastionAuditSigningStalled",
        "BastionPolicyReloadRefused",
        "BastionEgressWithheld",
        "BastionCloudErrors",
        "BastionAgentCloudErrors",
        "BastionAgentInFlightSaturated",
        "BastionCloudInFlightSaturated",
    }
    problems = []
    for rule in rules:
        problems += _check(rule["expr"], series, rule["alert"])
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
    assert problems == []


def test_every_dashboard_query_references_real_metrics() -> None:
    series = known_series()
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["panels"]
    problems = []
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            problems += _check(target["expr"], series, panel["title"])
    assert problems == []
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


@pytest.mark.skipif(
    shutil.which("promtool") is None,
    reason="promtool is not installed here (Debian: apt-get install prometheus); the rules "
    "were still parsed and their metric names and labels checked against the registries "
    "by the tests above, but not evaluated against deploy/prometheus/alerts_test.yml",
)
def test_promtool_accepts_the_rules_and_they_fire_as_tested() -> None:
    for argv in (["check", "rules", str(RULES)], ["test", "rules", str(RULES_TEST)]):
        result = subprocess.run(["promtool", *argv], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
