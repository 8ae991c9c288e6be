"""The agent's request path: one pure core shared by the gRPC server and the CLI.

Read ``core.py`` first (the order of the phases), then one module per phase:
``units`` (govern), ``decide``, ``outbound`` (redact), ``gate`` (egress re-check),
``outcomes`` (settle statuses), ``record`` (audit entries); ``context`` holds the one
immutable per-request context.
"""

from agent.pipeline.context import Digest, RequestContext
from agent.pipeline.core import (
    CloudSender,
    Detector,
    Pipeline,
    Prepared,
    Sent,
    sha256_hex,
)
from agent.pipeline.decide import MAY_LEAVE, Analysed, Plan, Verdict, decide
from agent.pipeline.gate import Gated, OutboundChecker, gate
from agent.pipeline.outbound import Outbound, RedactedUnit, redact_plan

__all__ = [
    "MAY_LEAVE",
    "Analysed",
    "CloudSender",
    "Detector",
    "Digest",
    "Gated",
    "Outbound",
    "OutboundChecker",
    "Pipeline",
    "Plan",
    "Prepared",
    "RedactedUnit",
    "RequestContext",
    "Sent",
    "Verdict",
    "decide",
    "gate",
    "redact_plan",
    "sha256_hex",
]
