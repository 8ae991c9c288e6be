"""Stage 5b: the independent egress re-check of the exact bytes about to leave."""

from agent.egress.checker import (
    MIN_ORIGINAL_CHARS,
    WHOLE_REQUEST,
    EgressChecker,
    EgressViolation,
    Scanner,
    ViolationKind,
    by_section,
)

__all__ = [
    "MIN_ORIGINAL_CHARS",
    "WHOLE_REQUEST",
    "EgressChecker",
    "EgressViolation",
    "Scanner",
    "ViolationKind",
    "by_section",
]
