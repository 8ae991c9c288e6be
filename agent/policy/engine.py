"""The policy engine: section facts in, one decision out, fail closed.

How a decision is made (docs/policy.md has the long form):
1. An unknown tenant is blocked (rule id ``unknown-tenant``): residency comes from the
   tenant's configuration, so a tenant without one has nowhere its data may go.
2. Every rule is matched; no match -> ``local_only`` (rule id ``default-deny``).
3. The most restrictive matching action wins, whatever the rule order.
4. If that action lets data leave, the eligible destinations are the tenant's destinations
   inside the tenant's jurisdictions, intersected with every matching rule's destinations
   (each filtered by its ``require_attributes``). None left -> ``local_only``
   (``no-eligible-destination``).
5. For ``redact``, each entity type gets the most restrictive method any matching rule
   gives it; a type present that no rule names gets ``drop`` if it is in
   ``settings.always_forbidden``, else ``settings.unlisted_entities`` (default ``mask``;
   ``local_only`` keeps the section local, ``unlisted-entity``). An ``allow`` for a
   section holding an always-forbidden type becomes a ``redact`` dropping those types
   (``always-forbidden``): sent raw, the egress re-check would stop it anyway.
Rule ids and destinations are sorted, so the decision does not depend on rule order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agent.domain import Category, EntityType
from agent.policy.base import Action, Decision, Destination, RedactionMethod, SectionFacts
from agent.policy.loader import check_policy_text, load_policy, policy_version
from agent.policy.model import (
    ANY_DESTINATION,
    UNLISTED_LOCAL_ONLY,
    Policy,
    Rule,
    RuleMatch,
    Tenant,
)
from bastion.errors import PolicyError

DEFAULT_DENY = "default-deny"
UNKNOWN_TENANT = "unknown-tenant"
NO_ELIGIBLE_DESTINATION = "no-eligible-destination"
UNLISTED_ENTITY = "unlisted-entity"
ALWAYS_FORBIDDEN = "always-forbidden"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A decision with the match result of every rule, for ``bastion policy explain``."""

    decision: Decision
    matches: tuple[RuleMatch, ...]


class PolicyEngine:
    """A loaded, validated policy. Immutable, so safe to share between requests."""

    def __init__(self, policy: Policy, version: str) -> None:
        self.policy = policy
        self.version = version

    @classmethod
    def load(cls, path: Path | str) -> PolicyEngine:
        policy, version = load_policy(Path(path))
        return cls(policy, version)

    @classmethod
    def from_text(cls, text: str, name: str = "<policy>") -> PolicyEngine:
        content = text.encode("utf-8")
        policy, issues = check_policy_text(content, name)
        if policy is None or issues:
            raise PolicyError(str(issues[0]) if issues else f"{name}: invalid policy")
        return cls(policy, policy_version(content))

    @property
    def name(self) -> str:
        return self.policy.name

    def tenant_known(self, tenant: str) -> bool:
        return tenant in self.policy.tenants

    def forbidden_types(self, decision: Decision) -> frozenset[EntityType]:
        """Entity types the egress re-check must not find in what this decision sends."""
        return frozenset(decision.redaction) | self.policy.always_forbidden

    def decide(self, facts: SectionFacts) -> Decision:
        _validate(facts)
        tenant = self.policy.tenants.get(facts.tenant)
        if tenant is None:
            return self._unknown_tenant()
        matched = [rule for rule in self.policy.rules if rule.matches(facts)]
        return self._decide(facts, tenant, matched)

    def evaluate(self, facts: SectionFacts) -> Evaluation:
        """``decide`` plus every rule's match result with reasons (for ``explain``)."""
        _validate(facts)
        tenant = self.policy.tenants.get(facts.tenant)
        if tenant is None:
            return Evaluation(self._unknown_tenant(), ())
        matches = tuple(rule.match(facts) for rule in self.policy.rules)
        matched = [r for r, m in zip(self.policy.rules, matches, strict=True) if m.matched]
        return Evaluation(self._decide(facts, tenant, matched), matches)

    # -- the decision -------------------------------------------------------------------
    def _decide(self, facts: SectionFacts, tenant: Tenant, matched: list[Rule]) -> Decision:
        if not matched:
            return self._stay(Action.LOCAL_ONLY, (DEFAULT_DENY,), "no rule allows this section")
        winner = max((r.action for r in matched), key=lambda a: a.restrictiveness)
        if not winner.may_leave:
            ids = tuple(sorted(r.id for r in matched if r.action is winner))
            return self._stay(winner, ids, f"most restrictive matching action: {winner.value}")
        ids = tuple(sorted(r.id for r in matched))
        names = self._destinations(tenant, matched)
        redaction: dict[EntityType, RedactionMethod] = {}
        forced = facts.entity_types & self.policy.always_forbidden
        if winner is Action.ALLOW and forced:
            # `allow` would send these raw and the egress re-check would stop the send:
            # redact instead, dropping them (never in any form), and say so.
            winner, ids = Action.REDACT, (*ids, ALWAYS_FORBIDDEN)
        elif winner is Action.REDACT:
            redaction = _merge_methods(matched)
        if winner is Action.REDACT:
            unlisted = sorted(facts.entity_types - redaction.keys())
            for t in sorted(forced & frozenset(unlisted)):
                redaction[t] = RedactionMethod.DROP
                unlisted.remove(t)
            if unlisted and self.policy.unlisted_entities == UNLISTED_LOCAL_ONLY:
                reason = f"entity types no rule names a method for: {', '.join(unlisted)}"
                return self._stay(Action.LOCAL_ONLY, (*ids, UNLISTED_ENTITY), reason)
            for t in unlisted:
                redaction[EntityType(t)] = RedactionMethod(self.policy.unlisted_entities)
        if not names:
            reason = "no destination satisfies every matching rule and the tenant's residency"
            return self._stay(Action.LOCAL_ONLY, (*ids, NO_ELIGIBLE_DESTINATION), reason)
        dests = tuple(self.policy.destinations[n] for n in sorted(names))
        return Decision(
            action=winner,
            rule_ids=ids,
            destinations=dests,
            policy_version=self.version,
            redaction=redaction,
            reason=f"{len(matched)} matching rule(s); most restrictive: {winner.value}",
        )

    def _destinations(self, tenant: Tenant, matched: list[Rule]) -> frozenset[str]:
        names = self.policy.eligible_destinations(tenant)
        for rule in matched:
            allowed = (
                names if ANY_DESTINATION in rule.destinations else frozenset(rule.destinations)
            )
            names = names & frozenset(
                n for n in allowed if rule.require_attributes <= self._attributes(n)
            )
        return names

    def _attributes(self, name: str) -> frozenset[str]:
        dest: Destination | None = self.policy.destinations.get(name)
        return dest.attributes if dest is not None else frozenset()

    def _unknown_tenant(self) -> Decision:
        reason = "tenant is not configured in this policy"
        return self._stay(Action.BLOCK, (UNKNOWN_TENANT,), reason)

    def _stay(self, action: Action, rule_ids: tuple[str, ...], reason: str) -> Decision:
        return Decision(action, rule_ids, (), self.version, {}, reason)


def _merge_methods(rules: list[Rule]) -> dict[EntityType, RedactionMethod]:
    out: dict[EntityType, RedactionMethod] = {}
    for rule in rules:
        for t, method in rule.redaction.items():
            current = out.get(t)
            if current is None or method.restrictiveness > current.restrictiveness:
                out[t] = method
    return out


def _validate(facts: SectionFacts) -> None:
    """Facts from a buggy caller must fail closed, not match by accident."""
    if not isinstance(facts.tenant, str) or not isinstance(facts.source_jurisdiction, str):
        raise PolicyError("section facts: tenant and source_jurisdiction must be strings")
    if not isinstance(facts.category, Category):
        raise PolicyError("section facts: category must be a Category")
    if not isinstance(facts.entity_types, frozenset) or not all(
        isinstance(t, EntityType) for t in facts.entity_types
    ):
        raise PolicyError("section facts: entity_types must be a frozenset of EntityType")


def decision_summary(decision: Decision) -> Mapping[str, object]:
    """A JSON-friendly view of a decision (no document content)."""
    return {
        "action": decision.action.value,
        "rule_ids": list(decision.rule_ids),
        "destinations": [d.name for d in decision.destinations],
        "redaction": {t.value: m.value for t, m in sorted(decision.redaction.items())},
        "policy_version": decision.policy_version,
        "reason": decision.reason,
    }
