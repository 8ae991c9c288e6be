"""Stage 5b: the independent egress re-check of the exact bytes about to leave."""

from agent.egress.base import Finding
from agent.egress.checker import (
    MIN_ORIGINAL_CHARS,
    WHOLE_REQUEST,
    EgressChecker,
    EgressViolation,
    Scanner,
    ViolationKind,
    by_section,
)
from agent.egress.scanner import IndependentScanner
from agent.egress.values import KnownValues

__all__ = [
    "MIN_ORIGINAL_CHARS",
    "WHOLE_REQUEST",
    "EgressChecker",
    "EgressViolation",
    "Finding",
    "IndependentScanner",
    "KnownValues",
    "Scanner",
    "ViolationKind",
    "by_section",
]
