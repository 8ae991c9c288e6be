"""Stage 5b: the independent egress re-check of the exact bytes about to leave.

See ``base.py`` for how the parts fit: ``IndependentScanner`` (simple rules with check
digits), ``KnownValues`` (every detected value in normalised forms), ``EgressChecker``
(both over the serialized request, value-free violations). Nothing here imports
detection code (``agent.recognize``, ``agent.detect``, ``agent.classify``,
``agent.redact``); a test enforces it.
"""

from agent.egress.base import Finding
from agent.egress.checker import (
    MIN_ORIGINAL_CHARS,
    EgressChecker,
    EgressViolation,
    ViolationKind,
)
from agent.egress.scanner import IndependentScanner
from agent.egress.values import KnownValues

__all__ = [
    "MIN_ORIGINAL_CHARS",
    "EgressChecker",
    "EgressViolation",
    "Finding",
    "IndependentScanner",
    "KnownValues",
    "ViolationKind",
]
