"""The policy interface: section facts in, one decision out.

Default deny; the most restrictive matching action wins whatever the rule order; any
error fails closed (``PolicyError``); every decision names the policy version (content
hash) and the rule ids that decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from agent.domain import Category, EntityType


class Action(StrEnum):
    """Declared from least to most restrictive."""

    ALLOW = "allow"
    REDACT = "redact"
    REVIEW = "review"
    LOCAL_ONLY = "local_only"
    BLOCK = "block"

    @property
    def restrictiveness(self) -> int:
        return list(Action).index(self)

    @property
    def may_leave(self) -> bool:
        return self in (Action.ALLOW, Action.REDACT)


class RedactionMethod(StrEnum):
    MASK = "mask"  # <PERSON>
    PSEUDONYMISE = "pseudonymise"  # <PERSON_1>, restored locally
    HASH = "hash"  # <PERSON:3f2a9c1b> keyed hash, not reversible
    DROP = "drop"  # removed

    @property
    def restrictiveness(self) -> int:
        """How little of the value leaves, for resolving two rules that disagree.

        A keyed hash links the same value across documents, a pseudonym only within one
        document, a mask keeps only the type and a drop keeps nothing: hash < pseudonymise <
        mask < drop. The most restrictive method wins, like the most restrictive action.
        """
        return _METHOD_RANK[self]


_METHOD_RANK = {
    RedactionMethod.HASH: 0,
    RedactionMethod.PSEUDONYMISE: 1,
    RedactionMethod.MASK: 2,
    RedactionMethod.DROP: 3,
}


@dataclass(frozen=True, slots=True)
class Destination:
    name: str
    provider: str
    region: str
    jurisdiction: str
    attributes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SectionFacts:
    tenant: str
    source_jurisdiction: str
    category: Category
    entity_types: frozenset[EntityType]


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    rule_ids: tuple[str, ...]
    destinations: tuple[Destination, ...]  # empty unless action.may_leave
    policy_version: str
    redaction: Mapping[EntityType, RedactionMethod] = field(default_factory=dict)
    reason: str = ""
