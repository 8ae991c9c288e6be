"""Policy unit tests written as YAML, run by ``bastion policy test DIR`` (like ``opa test``).

A test file names the policy it tests (relative to the test file) and lists cases:

    policy: ../default.yaml
    cases:
      - name: EU public text leaves pseudonymised
        facts: {tenant: acme-law, source_jurisdiction: EU, category: public,
                entities: [PERSON]}
        expect:
          action: redact                          # required
          rule_ids: [public-internal-pseudonymised]   # optional, exact (any order)
          destinations: [eu-azure-openai-weu]     # optional, exact (any order)
          redaction: {PERSON: pseudonymise}       # optional, these types at least

A broken test file or policy is a failure, never a skip.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from agent.domain import Category, EntityType
from agent.policy.base import Action, Decision, RedactionMethod, SectionFacts
from agent.policy.engine import PolicyEngine
from bastion.configfile import ConfigFile
from bastion.errors import BastionError

E = TypeVar("E", Category, EntityType, Action, RedactionMethod)

_CASE_KEYS = {"name", "facts", "expect", "description"}
_FACT_KEYS = {"tenant", "source_jurisdiction", "category", "entities"}
_EXPECT_KEYS = {"action", "rule_ids", "destinations", "redaction"}


@dataclass(frozen=True, slots=True)
class CaseResult:
    file: str
    name: str
    passed: bool
    problems: tuple[str, ...] = ()

    def __str__(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        detail = "".join(f"\n    {p}" for p in self.problems)
        return f"{status} {self.file}: {self.name}{detail}"


def find_test_files(directory: Path) -> list[Path]:
    """Every ``*.yaml`` / ``*.yml`` under ``directory``, sorted, or the file itself."""
    if directory.is_file():
        return [directory]
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml"))


def run_tests(directory: Path) -> list[CaseResult]:
    files = find_test_files(directory)
    if not files:
        return [CaseResult(str(directory), "(no test files)", False, ("no *.yaml files found",))]
    engines: dict[Path, PolicyEngine] = {}
    results: list[CaseResult] = []
    for path in files:
        results.extend(run_test_file(path, engines))
    return results


def run_test_file(path: Path, engines: dict[Path, PolicyEngine] | None = None) -> list[CaseResult]:
    cache = engines if engines is not None else {}
    try:
        cfg = ConfigFile.load(path)
        cfg.check_known("", {"policy", "cases", "description"})
        policy_path = cfg.path_value("policy")
        if policy_path is None:
            raise cfg.error("policy", "required key is missing (expected a path)")
        engine = cache.get(policy_path.resolve())
        if engine is None:
            engine = PolicyEngine.load(policy_path)
            cache[policy_path.resolve()] = engine
        cases = cfg.require("cases", list)
        if not cases:
            raise cfg.error("cases", "expected at least one case")
    except BastionError as exc:
        return [CaseResult(str(path), "(file)", False, (str(exc),))]
    return list(_run_cases(cfg, engine, cases))


def _run_cases(cfg: ConfigFile, engine: PolicyEngine, cases: list[Any]) -> Iterator[CaseResult]:
    for i, case in enumerate(cases):
        key = f"cases[{i}]"
        name = str(case.get("name", key)) if isinstance(case, dict) else key
        try:
            facts, expect = _parse_case(cfg, key, case)
            problems = _compare(engine.decide(facts), expect)
        except BastionError as exc:
            problems = [str(exc)]
        yield CaseResult(str(cfg.path), name, not problems, tuple(problems))


@dataclass(frozen=True, slots=True)
class _Expect:
    action: Action
    rule_ids: frozenset[str] | None
    destinations: frozenset[str] | None
    redaction: Mapping[EntityType, RedactionMethod]


def _parse_case(cfg: ConfigFile, key: str, case: Any) -> tuple[SectionFacts, _Expect]:
    if not isinstance(case, dict):
        raise cfg.error(key, "expected a mapping")
    _check_keys(cfg, key, case, _CASE_KEYS)
    facts = case.get("facts")
    expect = case.get("expect")
    if not isinstance(facts, dict):
        raise cfg.error(f"{key}.facts", "required mapping is missing")
    if not isinstance(expect, dict):
        raise cfg.error(f"{key}.expect", "required mapping is missing")
    _check_keys(cfg, f"{key}.facts", facts, _FACT_KEYS)
    _check_keys(cfg, f"{key}.expect", expect, _EXPECT_KEYS)
    section = SectionFacts(
        tenant=_text(cfg, f"{key}.facts.tenant", facts.get("tenant")),
        source_jurisdiction=_text(
            cfg, f"{key}.facts.source_jurisdiction", facts.get("source_jurisdiction")
        ),
        category=_enum(cfg, f"{key}.facts.category", Category, facts.get("category")),
        entity_types=frozenset(
            _enum(cfg, f"{key}.facts.entities", EntityType, e)
            for e in _list(cfg, f"{key}.facts.entities", facts.get("entities", []))
        ),
    )
    redaction = expect.get("redaction") or {}
    if not isinstance(redaction, dict):
        raise cfg.error(f"{key}.expect.redaction", "expected a mapping")
    wanted = _Expect(
        action=_enum(cfg, f"{key}.expect.action", Action, expect.get("action")),
        rule_ids=_optional_set(cfg, f"{key}.expect.rule_ids", expect.get("rule_ids")),
        destinations=_optional_set(cfg, f"{key}.expect.destinations", expect.get("destinations")),
        redaction={
            _enum(cfg, f"{key}.expect.redaction", EntityType, t): _enum(
                cfg, f"{key}.expect.redaction.{t}", RedactionMethod, m
            )
            for t, m in redaction.items()
        },
    )
    return section, wanted


def _check_keys(cfg: ConfigFile, key: str, value: Mapping[str, Any], known: set[str]) -> None:
    for k in value:
        if k not in known:
            raise cfg.error(f"{key}.{k}", f"unknown key (known keys: {', '.join(sorted(known))})")


def _text(cfg: ConfigFile, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise cfg.error(key, "expected a non-empty string")
    return value


def _list(cfg: ConfigFile, key: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise cfg.error(key, "expected a list")
    return value


def _enum(cfg: ConfigFile, key: str, kind: type[E], value: Any) -> E:
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(m.value for m in kind)
        raise cfg.error(key, f"expected one of {names}, got {value!r}") from None


def _optional_set(cfg: ConfigFile, key: str, value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset(_text(cfg, key, v) for v in _list(cfg, key, value))


def _compare(decision: Decision, expect: _Expect) -> list[str]:
    problems: list[str] = []
    if decision.action is not expect.action:
        problems.append(f"action: expected {expect.action.value}, got {decision.action.value}")
    if expect.rule_ids is not None and frozenset(decision.rule_ids) != expect.rule_ids:
        problems.append(
            f"rule_ids: expected {sorted(expect.rule_ids)}, got {sorted(decision.rule_ids)}"
        )
    got_dests = frozenset(d.name for d in decision.destinations)
    if expect.destinations is not None and got_dests != expect.destinations:
        problems.append(
            f"destinations: expected {sorted(expect.destinations)}, got {sorted(got_dests)}"
        )
    for t, method in expect.redaction.items():
        got = decision.redaction.get(t)
        if got is not method:
            shown = got.value if got else "none"
            problems.append(f"redaction.{t.value}: expected {method.value}, got {shown}")
    return problems
