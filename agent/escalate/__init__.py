"""Stage 6: send permitted, re-checked sections to the cloud tier (gRPC, mTLS).

``CloudClient.orchestrate(request_bytes, ...)`` sends exactly the bytes the egress check
passed; retries with jitter stay inside the caller's deadline; a circuit breaker stops
calling a tier that keeps failing, so the agent answers local-only at once.
"""

from agent.escalate.breaker import CircuitBreaker
from agent.escalate.client import CloudClient, CloudUnavailable

__all__ = ["CircuitBreaker", "CloudClient", "CloudUnavailable"]
