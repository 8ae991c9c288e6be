"""Stage 5b: the independent egress re-check of the exact bytes about to leave."""

from agent.egress.checker import (
    MIN_ORIGINAL_CHARS,
    EgressChecker,
    EgressViolation,
    Scanner,
    ViolationKind,
)

__all__ = ["MIN_ORIGINAL_CHARS", "EgressChecker", "EgressViolation", "Scanner", "ViolationKind"]
