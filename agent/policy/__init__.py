"""Stage 4: the residency policy engine. Section facts in, one ``Decision`` out.

``PolicyEngine.load(path)`` validates the whole file (``PolicyError`` with line:col on any
problem); ``decide(facts)`` is pure and fails closed. See docs/policy.md.
"""

from agent.policy.base import Action, Decision, Destination, RedactionMethod, SectionFacts
from agent.policy.engine import (
    ALWAYS_FORBIDDEN,
    DEFAULT_DENY,
    NO_ELIGIBLE_DESTINATION,
    UNKNOWN_TENANT,
    UNLISTED_ENTITY,
    Evaluation,
    PolicyEngine,
)
from agent.policy.loader import PolicyIssue, check_policy_text, policy_version

__all__ = [
    "ALWAYS_FORBIDDEN",
    "DEFAULT_DENY",
    "NO_ELIGIBLE_DESTINATION",
    "UNKNOWN_TENANT",
    "UNLISTED_ENTITY",
    "Action",
    "Decision",
    "Destination",
    "Evaluation",
    "PolicyEngine",
    "PolicyIssue",
    "RedactionMethod",
    "SectionFacts",
    "check_policy_text",
    "policy_version",
]
