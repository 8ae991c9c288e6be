"""Prometheus metrics of the agent. Labels are methods, codes, actions, statuses and entity
types - closed vocabularies - never tenant-supplied text or document content."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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
