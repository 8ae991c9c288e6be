"""The policy as typed objects: destinations, tenants and rules, plus why a rule matched.

These are built only by ``agent.policy.loader`` from a validated file, so every name a
rule or tenant refers to exists. Matching is pure: a rule and the section facts in, a
``RuleMatch`` (matched or not, and one reason per condition) out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from agent.domain import Category, EntityType
from agent.policy.base import Action, Destination, RedactionMethod, SectionFacts

ANY_DESTINATION = "*"
UNLISTED_LOCAL_ONLY = "local_only"


@dataclass(frozen=True, slots=True)
class EntityCondition:
    """Entity types present in the section: at least one of ``any``, every one of
    ``all``, none of ``none``. An empty list is no condition."""

    any: frozenset[EntityType] = frozenset()
    all: frozenset[EntityType] = frozenset()
    none: frozenset[EntityType] = frozenset()

    def reasons(self, present: frozenset[EntityType]) -> list[tuple[bool, str]]:
        out: list[tuple[bool, str]] = []
        if self.any:
            hit = sorted(self.any & present)
            ok = bool(hit)
            out.append(
                (ok, f"entities.any {_names(self.any)}: present {_names(hit) if ok else '[]'}")
            )
        if self.all:
            missing = sorted(self.all - present)
            ok = not missing
            out.append((ok, f"entities.all {_names(self.all)}: missing {_names(missing)}"))
        if self.none:
            hit = sorted(self.none & present)
            ok = not hit
            out.append((ok, f"entities.none {_names(self.none)}: present {_names(hit)}"))
        return out


def _names(values: Iterable[object]) -> str:
    items = sorted(str(v) for v in values)
    return "[" + ", ".join(items) + "]"


@dataclass(frozen=True, slots=True)
class Tenant:
    name: str
    jurisdictions: frozenset[str]
    destinations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """Whether one rule matched one section, with one reason per condition."""

    rule_id: str
    action: Action
    matched: bool
    reasons: tuple[tuple[bool, str], ...]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    action: Action
    tenants: frozenset[str] | None = None
    source_jurisdictions: frozenset[str] | None = None
    categories: frozenset[Category] | None = None
    entities: EntityCondition = field(default_factory=EntityCondition)
    redaction: Mapping[EntityType, RedactionMethod] = field(default_factory=dict)
    destinations: tuple[str, ...] = ()
    require_attributes: frozenset[str] = frozenset()
    description: str = ""
    line: int = 0

    def matches(self, facts: SectionFacts) -> bool:
        """The same answer as ``match(facts).matched``, without building reasons."""
        present = facts.entity_types
        e = self.entities
        return (
            (self.tenants is None or facts.tenant in self.tenants)
            and (
                self.source_jurisdictions is None
                or facts.source_jurisdiction in self.source_jurisdictions
            )
            and (self.categories is None or facts.category in self.categories)
            and (not e.any or not e.any.isdisjoint(present))
            and e.all <= present
            and e.none.isdisjoint(present)
        )

    def match(self, facts: SectionFacts) -> RuleMatch:
        reasons: list[tuple[bool, str]] = []
        if self.tenants is not None:
            ok = facts.tenant in self.tenants
            reasons.append((ok, f"tenant {'in' if ok else 'not in'} {_names(self.tenants)}"))
        if self.source_jurisdictions is not None:
            ok = facts.source_jurisdiction in self.source_jurisdictions
            where = "in" if ok else "not in"
            reasons.append(
                (
                    ok,
                    f"source jurisdiction {facts.source_jurisdiction!r} {where} "
                    f"{_names(self.source_jurisdictions)}",
                )
            )
        if self.categories is not None:
            ok = facts.category in self.categories
            where = "in" if ok else "not in"
            reasons.append(
                (ok, f"category {facts.category.value!r} {where} {_names(self.categories)}")
            )
        reasons.extend(self.entities.reasons(facts.entity_types))
        if not reasons:
            reasons.append((True, "no conditions: matches every section"))
        matched = all(ok for ok, _ in reasons)
        return RuleMatch(self.id, self.action, matched, tuple(reasons))


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated policy. ``unlisted_entities`` is a method name or ``local_only``."""

    name: str
    destinations: Mapping[str, Destination]
    tenants: Mapping[str, Tenant]
    rules: tuple[Rule, ...]
    unlisted_entities: str = RedactionMethod.MASK.value
    always_forbidden: frozenset[EntityType] = frozenset()
    description: str = ""

    def eligible_destinations(self, tenant: Tenant) -> frozenset[str]:
        """The tenant's destinations whose jurisdiction the tenant's data may go to."""
        return frozenset(
            name
            for name in tenant.destinations
            if name in self.destinations
            and self.destinations[name].jurisdiction in tenant.jurisdictions
        )
