"""One request's fixed facts, made once when it arrives and never changed.

Every phase of the pipeline reads the context and returns new values; none writes to it.
The policy is pinned here so that a signed bundle swapped in mid-request cannot make one
request's sections obey two policies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.domain import DocumentRequest
from agent.policy import PolicyEngine

# A keyed digest of text or bytes as 64 hex characters (the audit log's ``digest``).
Digest = Callable[[str | bytes], str]


@dataclass(frozen=True, slots=True)
class RequestContext:
    """``request_id`` is minted by the agent: the only request id that leaves, is logged or
    is written to the audit log. The caller's own id survives only as ``caller_ref``, its
    keyed digest (empty when the caller sent none)."""

    request_id: str
    tenant: str
    document_id: str
    source_jurisdiction: str
    caller: str
    caller_ref: str
    document_digest: str
    policy: PolicyEngine
    started: float
    deadline_s: float | None = None

    @classmethod
    def of(
        cls,
        req: DocumentRequest,
        *,
        request_id: str,
        policy: PolicyEngine,
        digest: Digest,
        started: float,
        deadline_s: float | None = None,
    ) -> RequestContext:
        return cls(
            request_id=request_id,
            tenant=req.tenant,
            document_id=req.document_id,
            source_jurisdiction=req.source_jurisdiction,
            caller=req.caller,
            caller_ref=digest(req.caller_request_id) if req.caller_request_id else "",
            document_digest=digest(req.text),
            policy=policy,
            started=started,
            deadline_s=deadline_s,
        )
