"""Human review of sections whose policy action is ``review`` (issue 19).

``base`` is the interface with the pipeline (``ReviewSink``, ``ApprovedSender``, read it
first); ``queue`` the sealed SQLite queue; ``desk`` the workflow (policy re-evaluated at
decision time, audit entries, the sender); ``service`` the gRPC ``Review`` service.
"""

from __future__ import annotations

from agent.review.base import (
    DENY_REASONS,
    ApprovedSender,
    Release,
    ReviewItem,
    ReviewSink,
    ReviewState,
    ReviewSubmission,
    SendOutcome,
)
from agent.review.desk import NotApprovable, PreviewChanged, ReviewDesk, release_decision
from agent.review.queue import ReviewError, ReviewNotFound, ReviewQueue

__all__ = [
    "DENY_REASONS",
    "ApprovedSender",
    "NotApprovable",
    "PreviewChanged",
    "Release",
    "ReviewDesk",
    "ReviewError",
    "ReviewItem",
    "ReviewNotFound",
    "ReviewQueue",
    "ReviewSink",
    "ReviewState",
    "ReviewSubmission",
    "SendOutcome",
    "release_decision",
]
