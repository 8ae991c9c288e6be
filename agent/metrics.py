"""Prometheus metrics of the agent. Labels are methods, codes, actions, statuses and entity
types - closed vocabularies - never tenant-supplied text or document content.

Most series are updated where the work happens. A few describe the agent's state and are
read when Prometheus scrapes (``AgentStateCollector``, registered by ``with_state``): the
build and the policy version being enforced (``bastion_build_info``), the audit log's
size, what its last signed head covers and when it was signed (a stalled signer shows as
unsigned entries that stop being covered), and the in-flight bound. The alert rules in
``deploy/prometheus/alerts.yml`` use these names; a test keeps them in step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bastion import version


class _Head(Protocol):
    @property
    def size(self) -> int: ...
    @property
    def time_ms(self) -> int: ...


class _Audit(Protocol):
    @property
    def size(self) -> int: ...
    def latest_head(self) -> _Head | None: ...


class _Policy(Protocol):
    @property
    def version(self) -> str: ...


class AgentState(Protocol):
    """What the state collector reads at scrape time (the pipeline satisfies it)."""

    @property
    def policy(self) -> _Policy: ...
    @property
    def audit(self) -> _Audit | None: ...


_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class AgentMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.request_seconds = Histogram(
            "bastion_agent_request_seconds",
            "gRPC request latency",
            ["method", "code"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge("bastion_agent_in_flight", "requests being served", registry=r)
        self.sections = Counter(
            "bastion_agent_sections_total",
            "sections by policy action and outcome",
            ["action", "status"],
            registry=r,
        )
        self.entities = Counter(
            "bastion_agent_entities_total", "entities detected by type", ["type"], registry=r
        )
        self.inference_seconds = Histogram(
            "bastion_agent_inference_seconds",
            "local model + recognizer time per batch",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_size = Histogram(
            "bastion_agent_inference_batch_sections",
            "sections per inference batch",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
            registry=r,
        )
        self.audit_seconds = Histogram(
            "bastion_agent_audit_commit_seconds",
            "time until an audit append is durable (group commit + fsync)",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.egress_seconds = Histogram(
            "bastion_agent_egress_check_seconds",
            "time to re-check one request's outbound bytes (and find culprits on a hit)",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.cloud_disallowed = Counter(
            "bastion_agent_cloud_disallowed_destinations",
            "destinations the cloud tier reported calling that the policy did not allow",
            registry=r,
        )
        self.cloud_seconds = Histogram(
            "bastion_agent_cloud_seconds",
            "cloud tier call latency",
            ["outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.policy_reloads = Counter(
            "bastion_agent_policy_reloads_total",
            "signed policy bundle updates, applied or refused (the last good policy is kept)",
            ["outcome"],
            registry=r,
        )
        for outcome in ("applied", "refused"):
            self.policy_reloads.labels(outcome)  # both series exist from the start
        self._state: AgentStateCollector | None = None

    def with_state(self, state: AgentState, max_in_flight: int) -> CollectorRegistry:
        """Register the scrape-time state of ``state`` (once) and return the registry."""
        if self._state is None:
            self._state = AgentStateCollector(state, max_in_flight)
            self.registry.register(self._state)
        return self.registry


class AgentStateCollector(Collector):
    """Series read from the running agent at scrape time (never stale, no bookkeeping)."""

    NAMES = (
        "bastion_build_info",
        "bastion_agent_in_flight_limit",
        "bastion_agent_audit_entries",
        "bastion_agent_audit_signed_entries",
        "bastion_agent_audit_last_signed_head_timestamp_seconds",
    )

    def __init__(self, state: AgentState, max_in_flight: int) -> None:
        self._state = state
        self._max_in_flight = max_in_flight

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return self._families(sample=False)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        return self._families(sample=True)

    def _families(self, *, sample: bool) -> Iterator[GaugeMetricFamily]:
        info = GaugeMetricFamily(
            "bastion_build_info",
            "the running build and the policy version it enforces (value 1)",
            labels=["version", "policy_version"],
        )
        limit = GaugeMetricFamily(
            "bastion_agent_in_flight_limit", "limits.max_in_flight (RESOURCE_EXHAUSTED beyond)"
        )
        entries = GaugeMetricFamily("bastion_agent_audit_entries", "entries in the audit log")
        signed = GaugeMetricFamily(
            "bastion_agent_audit_signed_entries", "entries covered by the last signed tree head"
        )
        signed_at = GaugeMetricFamily(
            "bastion_agent_audit_last_signed_head_timestamp_seconds",
            "when the last tree head was signed (unix time; 0 before the first)",
        )
        if sample:
            audit = self._state.audit
            info.add_metric([version(), self._state.policy.version], 1)
            limit.add_metric([], self._max_in_flight)
            if audit is not None:  # a serving agent always has one
                head = audit.latest_head()
                entries.add_metric([], audit.size)
                signed.add_metric([], head.size if head is not None else 0)
                signed_at.add_metric([], head.time_ms / 1000 if head is not None else 0)
        yield from (info, limit, entries, signed, signed_at)
