"""Prometheus metrics of the cloud tier. Labels are modes, status codes, outcomes and
configured provider names - closed vocabularies - never tenant text or model output."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bastion import version
from cloud.domain import ModelCall

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class CloudMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "bastion_cloud_requests_total", "Orchestrate requests", ["mode", "code"], registry=r
        )
        self.request_seconds = Histogram(
            "bastion_cloud_request_seconds",
            "Orchestrate latency",
            ["mode"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge("bastion_cloud_in_flight", "requests being served", registry=r)
        self.calls = Counter(
            "bastion_cloud_provider_calls_total",
            "model calls by provider and outcome",
            ["provider", "outcome"],
            registry=r,
        )
        self.call_seconds = Histogram(
            "bastion_cloud_provider_call_seconds",
            "successful model call latency",
            ["provider"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.tokens = Counter(
            "bastion_cloud_tokens_total", "tokens by provider", ["provider", "kind"], registry=r
        )
        self.cost = Counter(
            "bastion_cloud_cost_usd_total", "estimated cost by provider", ["provider"], registry=r
        )
        self.build_info = Gauge(
            "bastion_cloud_build_info", "the running build (value 1)", ["version"], registry=r
        )
        self.build_info.labels(version()).set(1)
        self.in_flight_limit = Gauge(
            "bastion_cloud_in_flight_limit",
            "limits.max_in_flight (RESOURCE_EXHAUSTED beyond)",
            registry=r,
        )

    def record_calls(self, calls: Iterable[ModelCall]) -> None:
        for c in calls:
            self.calls.labels(c.provider, "ok" if c.ok else "error").inc()
            if not c.ok:
                continue
            self.call_seconds.labels(c.provider).observe(c.latency_ms / 1000.0)
            self.tokens.labels(c.provider, "prompt").inc(c.prompt_tokens)
            self.tokens.labels(c.provider, "completion").inc(c.completion_tokens)
            self.cost.labels(c.provider).inc(c.cost_usd)
