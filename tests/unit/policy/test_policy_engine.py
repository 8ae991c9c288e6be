"""Decisions: default deny, most restrictive wins, destinations, redaction methods."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.domain import Category, EntityType
from agent.policy import (
    ALWAYS_FORBIDDEN,
    DEFAULT_DENY,
    NO_ELIGIBLE_DESTINATION,
    UNKNOWN_TENANT,
    UNLISTED_ENTITY,
    Action,
    PolicyEngine,
    RedactionMethod,
    SectionFacts,
)
from bastion.errors import PolicyError

ROOT = Path(__file__).resolve().parents[3]
POLICIES = ROOT / "policies"
SHIPPED = sorted(p for p in POLICIES.glob("*.yaml"))

BASE = """
schema_version: 1
name: t
destinations:
  - {name: eu-a, provider: p, region: r1, jurisdiction: EU, attributes: [zero_retention]}
  - {name: eu-b, provider: p, region: r2, jurisdiction: EU}
  - {name: us-a, provider: p, region: r3, jurisdiction: US, attributes: [hipaa_baa]}
tenants:
  - {name: eu-firm, jurisdictions: [EU], destinations: [eu-a, eu-b]}
  - {name: us-firm, jurisdictions: [US], destinations: [us-a]}
"""


def engine(rules: str, settings_block: str = "") -> PolicyEngine:
    return PolicyEngine.from_text(BASE + settings_block + "rules:\n" + rules)


def facts(
    category: Category = Category.PUBLIC,
    entities: frozenset[EntityType] = frozenset(),
    tenant: str = "eu-firm",
    source: str = "EU",
) -> SectionFacts:
    return SectionFacts(tenant, source, category, entities)


def test_version_is_the_sha256_of_the_file_content() -> None:
    import hashlib

    path = POLICIES / "default.yaml"
    e = PolicyEngine.load(path)
    assert e.version == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert e.decide(facts(tenant="acme-law")).policy_version == e.version


def test_version_changes_when_a_comment_changes() -> None:
    a = engine("  - {id: r, action: local_only}\n")
    b = engine("  - {id: r, action: local_only}  # note\n")
    assert a.version != b.version


def test_no_matching_rule_is_default_deny_local_only() -> None:
    e = engine("  - {id: pub, action: allow, destinations: ['*'], match: {categories: [public]}}\n")
    d = e.decide(facts(Category.HR))
    assert d.action is Action.LOCAL_ONLY
    assert d.rule_ids == (DEFAULT_DENY,)
    assert d.destinations == ()


def test_empty_rule_list_denies_everything() -> None:
    d = engine(" []\n").decide(facts())
    assert (d.action, d.rule_ids) == (Action.LOCAL_ONLY, (DEFAULT_DENY,))


def test_unknown_tenant_is_blocked_and_tenant_known_says_so() -> None:
    e = engine("  - {id: all, action: allow, destinations: ['*']}\n")
    assert e.tenant_known("eu-firm")
    assert not e.tenant_known("intruder")
    d = e.decide(facts(tenant="intruder"))
    assert (d.action, d.rule_ids, d.destinations) == (Action.BLOCK, (UNKNOWN_TENANT,), ())


def test_most_restrictive_action_wins_and_names_its_rules() -> None:
    e = engine(
        "  - {id: a-allow, action: allow, destinations: ['*']}\n"
        "  - {id: b-review, action: review, match: {categories: [hr]}}\n"
        "  - {id: c-block, action: block, match: {entities: {any: [SECRET]}}}\n"
    )
    assert e.decide(facts(Category.PUBLIC)).action is Action.ALLOW
    hr = e.decide(facts(Category.HR))
    assert (hr.action, hr.rule_ids) == (Action.REVIEW, ("b-review",))
    sec = e.decide(facts(Category.HR, frozenset({EntityType.SECRET})))
    assert (sec.action, sec.rule_ids, sec.destinations) == (Action.BLOCK, ("c-block",), ())


def test_allowed_destinations_are_the_intersection_of_matching_rules() -> None:
    e = engine(
        "  - {id: wide, action: allow, destinations: [eu-a, eu-b]}\n"
        "  - {id: narrow, action: redact, destinations: [eu-a], redaction: {PERSON: mask},"
        " match: {categories: [internal]}}\n"
    )
    assert [d.name for d in e.decide(facts(Category.PUBLIC)).destinations] == ["eu-a", "eu-b"]
    d = e.decide(facts(Category.INTERNAL))
    assert d.action is Action.REDACT
    assert [x.name for x in d.destinations] == ["eu-a"]
    assert d.rule_ids == ("narrow", "wide")


def test_destinations_outside_the_tenant_are_never_eligible() -> None:
    # The rule names a US destination; the EU tenant may not use it -> nowhere to go.
    e = engine("  - {id: us, action: allow, destinations: [us-a]}\n")
    d = e.decide(facts(tenant="eu-firm", source="US"))
    assert d.action is Action.LOCAL_ONLY
    assert d.rule_ids == ("us", NO_ELIGIBLE_DESTINATION)
    assert d.destinations == ()


def test_require_attributes_filters_destinations() -> None:
    e = engine(
        "  - {id: zr, action: allow, destinations: ['*'], require_attributes: [zero_retention]}\n"
    )
    assert [d.name for d in e.decide(facts()).destinations] == ["eu-a"]
    us = e.decide(facts(tenant="us-firm", source="US"))
    assert us.action is Action.LOCAL_ONLY
    assert NO_ELIGIBLE_DESTINATION in us.rule_ids


def test_entity_conditions_any_all_none() -> None:
    e = engine(
        "  - {id: r, action: allow, destinations: ['*'], match: {entities:"
        " {any: [PERSON, EMAIL_ADDRESS], all: [LOCATION], none: [SECRET]}}}\n"
    )
    P, E, L, S = (
        EntityType.PERSON,
        EntityType.EMAIL_ADDRESS,
        EntityType.LOCATION,
        EntityType.SECRET,
    )
    assert e.decide(facts(entities=frozenset({P, L}))).action is Action.ALLOW
    assert e.decide(facts(entities=frozenset({E, L}))).action is Action.ALLOW
    assert e.decide(facts(entities=frozenset({P}))).action is Action.LOCAL_ONLY  # all: no L
    assert e.decide(facts(entities=frozenset({L}))).action is Action.LOCAL_ONLY  # any: none
    assert e.decide(facts(entities=frozenset({P, L, S}))).action is Action.LOCAL_ONLY  # none


def test_most_restrictive_method_wins_per_entity_type() -> None:
    e = engine(
        "  - {id: a, action: redact, destinations: ['*'],"
        " redaction: {PERSON: hash, EMAIL_ADDRESS: drop}}\n"
        "  - {id: b, action: redact, destinations: ['*'],"
        " redaction: {PERSON: mask, EMAIL_ADDRESS: pseudonymise}}\n"
    )
    d = e.decide(facts())
    assert d.redaction[EntityType.PERSON] is RedactionMethod.MASK
    assert d.redaction[EntityType.EMAIL_ADDRESS] is RedactionMethod.DROP


def test_unlisted_entity_type_is_masked_by_default() -> None:
    e = engine(
        "  - {id: a, action: redact, destinations: ['*'], redaction: {PERSON: pseudonymise}}\n"
    )
    d = e.decide(facts(entities=frozenset({EntityType.PERSON, EntityType.IBAN_CODE})))
    assert d.action is Action.REDACT
    assert d.redaction[EntityType.IBAN_CODE] is RedactionMethod.MASK
    assert d.redaction[EntityType.PERSON] is RedactionMethod.PSEUDONYMISE


def test_unlisted_entity_type_can_keep_the_section_local() -> None:
    e = engine(
        "  - {id: a, action: redact, destinations: ['*'], redaction: {PERSON: pseudonymise}}\n",
        "settings: {unlisted_entities: local_only}\n",
    )
    d = e.decide(facts(entities=frozenset({EntityType.IBAN_CODE})))
    assert d.action is Action.LOCAL_ONLY
    assert UNLISTED_ENTITY in d.rule_ids
    assert e.decide(facts(entities=frozenset({EntityType.PERSON}))).action is Action.REDACT


def test_allow_carries_no_redaction_and_forbidden_types_include_always_forbidden() -> None:
    e = engine(
        "  - {id: a, action: allow, destinations: ['*']}\n",
        "settings: {always_forbidden: [CREDIT_CARD]}\n",
    )
    d = e.decide(facts(entities=frozenset({EntityType.PERSON})))
    assert d.action is Action.ALLOW and d.redaction == {}
    assert e.forbidden_types(d) == frozenset({EntityType.CREDIT_CARD})


def test_always_forbidden_types_are_dropped_even_under_allow() -> None:
    e = engine(
        "  - {id: a, action: allow, destinations: ['*'], match: {categories: [public]}}\n"
        "  - {id: r, action: redact, destinations: ['*'], redaction: {PERSON: hash},"
        " match: {categories: [internal]}}\n",
        "settings: {always_forbidden: [CREDIT_CARD]}\n",
    )
    card = frozenset({EntityType.CREDIT_CARD, EntityType.PERSON})
    d = e.decide(facts(Category.PUBLIC, card))
    assert (d.action, d.rule_ids) == (Action.REDACT, ("a", ALWAYS_FORBIDDEN))
    assert d.redaction == {
        EntityType.CREDIT_CARD: RedactionMethod.DROP,
        EntityType.PERSON: RedactionMethod.MASK,  # a redact names a method for every type
    }
    d = e.decide(facts(Category.INTERNAL, card))
    assert (d.action, d.rule_ids) == (Action.REDACT, ("r",))
    assert d.redaction == {
        EntityType.CREDIT_CARD: RedactionMethod.DROP,
        EntityType.PERSON: RedactionMethod.HASH,
    }


def test_source_jurisdiction_matches_but_never_widens_residency() -> None:
    e = engine(
        "  - {id: us-src, action: allow, destinations: ['*'],"
        " match: {source_jurisdictions: [US]}}\n"
    )
    d = e.decide(facts(tenant="eu-firm", source="US"))
    assert [x.jurisdiction for x in d.destinations] == ["EU", "EU"]
    assert e.decide(facts(tenant="eu-firm", source="EU")).action is Action.LOCAL_ONLY


@pytest.mark.parametrize(
    "bad",
    [
        SectionFacts("eu-firm", "EU", "public", frozenset()),  # type: ignore[arg-type]
        SectionFacts("eu-firm", "EU", Category.PUBLIC, frozenset({"PERSON"})),  # type: ignore[arg-type]
        SectionFacts("eu-firm", "EU", Category.PUBLIC, {EntityType.PERSON}),  # type: ignore[arg-type]
        SectionFacts(None, "EU", Category.PUBLIC, frozenset()),  # type: ignore[arg-type]
    ],
)
def test_malformed_facts_fail_closed_with_policy_error(bad: SectionFacts) -> None:
    e = engine("  - {id: a, action: allow, destinations: ['*']}\n")
    with pytest.raises(PolicyError):
        e.decide(bad)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_policy_loads(path: Path) -> None:
    e = PolicyEngine.load(path)
    assert e.policy.tenants
    assert e.version.startswith("sha256:")


# -- order independence ----------------------------------------------------------------
_ENGINES = {p.name: PolicyEngine.load(p) for p in SHIPPED}
# Shipped policies never `allow`; this one mixes every action, attributes and settings.
_ENGINES["mixed"] = engine(
    "  - {id: pub, action: allow, destinations: ['*'], match: {categories: [public]}}\n"
    "  - {id: eu-int, action: allow, destinations: [eu-a], match: {source_jurisdictions: [EU]}}\n"
    "  - {id: pii, action: redact, destinations: ['*'], redaction: {PERSON: pseudonymise,"
    " EMAIL_ADDRESS: hash}, match: {entities: {any: [PERSON, EMAIL_ADDRESS]}}}\n"
    "  - {id: drop-mail, action: redact, destinations: [eu-a, eu-b, us-a],"
    " redaction: {EMAIL_ADDRESS: drop}, match: {categories: [internal]}}\n"
    "  - {id: baa, action: redact, destinations: ['*'], redaction: {}, require_attributes:"
    " [hipaa_baa], match: {categories: [health]}}\n"
    "  - {id: hr, action: review, match: {categories: [hr], entities: {none: [SECRET]}}}\n"
    "  - {id: sec, action: block, match: {entities: {all: [SECRET]}}}\n"
    "  - {id: priv, action: local_only, match: {categories: [privileged]}}\n",
    "settings: {always_forbidden: [CREDIT_CARD, IBAN_CODE], unlisted_entities: local_only}\n",
)


@st.composite
def facts_for(draw: st.DrawFn, e: PolicyEngine) -> SectionFacts:
    tenant = draw(st.sampled_from([*sorted(e.policy.tenants), "unknown"]))
    source = draw(st.sampled_from(["EU", "US", "UK", "CH"]))
    category = draw(st.sampled_from(list(Category)))
    entities = draw(st.frozensets(st.sampled_from(list(EntityType)), max_size=5))
    return SectionFacts(tenant, source, category, entities)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(_ENGINES)))
def test_decision_does_not_depend_on_rule_order(data: st.DataObject, name: str) -> None:
    e = _ENGINES[name]
    shuffled_rules = tuple(data.draw(st.permutations(e.policy.rules)))
    shuffled = PolicyEngine(dataclasses.replace(e.policy, rules=shuffled_rules), e.version)
    f = data.draw(facts_for(e))
    assert shuffled.decide(f) == e.decide(f)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(_ENGINES)))
def test_only_leaving_actions_carry_destinations(data: st.DataObject, name: str) -> None:
    e = _ENGINES[name]
    f = data.draw(facts_for(e))
    d = e.decide(f)
    assert d.rule_ids
    if d.action.may_leave:
        tenant = e.policy.tenants[f.tenant]
        assert d.destinations
        for dest in d.destinations:
            assert dest.name in tenant.destinations
            assert dest.jurisdiction in tenant.jurisdictions
        if d.action is Action.REDACT:
            assert f.entity_types <= d.redaction.keys()
    else:
        assert d.destinations == () and d.redaction == {}


@settings(max_examples=150, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(_ENGINES)))
def test_decide_and_explain_agree(data: st.DataObject, name: str) -> None:
    e = _ENGINES[name]
    f = data.draw(facts_for(e))
    evaluation = e.evaluate(f)
    assert evaluation.decision == e.decide(f)
    if not e.tenant_known(f.tenant):
        assert evaluation.matches == ()
        return
    for rule, m in zip(e.policy.rules, evaluation.matches, strict=True):
        assert rule.matches(f) == m.matched
