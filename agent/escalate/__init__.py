"""Stage 6: send permitted, re-checked sections to the cloud tier (gRPC, mTLS).

``wire.encode(OutboundRequest)`` builds the exact bytes that leave (the egress re-check
passes or stops exactly those); ``CloudClient.orchestrate(request_bytes, ...)`` sends them
and returns a decoded ``CloudAnswer``; retries with jitter stay inside the caller's
deadline; a circuit breaker stops calling a tier that keeps failing, so the agent answers
local-only at once.
"""

from agent.escalate.breaker import CircuitBreaker
from agent.escalate.client import CloudClient, CloudNoAnswer, CloudUnavailable
from agent.escalate.wire import (
    OutboundRequest,
    OutboundSection,
    called_destinations,
    decode,
    destination_to_proto,
    encode,
)

__all__ = [
    "CircuitBreaker",
    "CloudClient",
    "CloudNoAnswer",
    "CloudUnavailable",
    "OutboundRequest",
    "OutboundSection",
    "called_destinations",
    "decode",
    "destination_to_proto",
    "encode",
]
