"""Read a policy file into a ``Policy``, or into every problem it has, each with line:col.

Three passes, all of which report every problem they find rather than the first:
1. YAML structure (syntax, duplicate keys, size and alias bombs);
2. the JSON Schema (``agent/policy/schema.json``, also at ``policies/schema.json``);
3. cross-references and contradictions the schema cannot express (unknown destinations,
   duplicate ids, a tenant allowed a destination outside its own jurisdictions, a rule
   that can never match).
A policy with any problem is never loaded: ``load_policy`` raises ``PolicyError``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from agent.domain import Category, EntityType
from agent.policy.base import Action, Destination, RedactionMethod
from agent.policy.model import (
    ANY_DESTINATION,
    EntityCondition,
    Policy,
    Rule,
    Tenant,
)
from bastion.errors import PolicyError

MAX_POLICY_BYTES = 1_000_000
MAX_YAML_NODES = 50_000
SCHEMA_PATH = Path(__file__).with_name("schema.json")

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PolicyIssue:
    """One problem in a policy file, located by line and column (1-based)."""

    file: str
    line: int
    column: int
    where: str
    message: str

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        return f"{self.file}:{self.line}:{self.column}:{where} {self.message}"


@functools.cache
def policy_schema() -> Mapping[str, Any]:
    schema: Mapping[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def policy_version(content: bytes) -> str:
    """The policy version named in every decision: the hash of the exact file bytes."""
    return "sha256:" + hashlib.sha256(content).hexdigest()


def dotted(path: JsonPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class _Positions:
    """Line and column of every value and every mapping key, by JSON path."""

    def __init__(self) -> None:
        self.values: dict[JsonPath, tuple[int, int]] = {}
        self.keys: dict[JsonPath, tuple[int, int]] = {}
        self.duplicates: list[tuple[JsonPath, tuple[int, int]]] = []
        self.nodes = 0

    def walk(self, node: yaml.Node, path: JsonPath) -> None:
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            raise _TooLarge
        self.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                child = (*path, key)
                pos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if key in seen:
                    self.duplicates.append((child, pos))
                seen.add(key)
                self.keys[child] = pos
                self.walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, (*path, i))

    def of(self, path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """The position of ``path`` (its key if asked), else of its nearest parent."""
        p = path
        while True:
            if key and p in self.keys:
                return self.keys[p]
            if p in self.values:
                return self.values[p]
            if not p:
                return (1, 1)
            p = p[:-1]


class _TooLarge(Exception):
    pass


class _Checker:
    def __init__(self, file: str, positions: _Positions) -> None:
        self.file = file
        self.pos = positions
        self.issues: list[PolicyIssue] = []
        self.malformed: set[str] = set()  # names of items the schema already rejected
        self.schema_failed = False

    def add(self, path: JsonPath, message: str, *, key: bool = False) -> None:
        line, col = self.pos.of(path, key=key)
        self.issues.append(PolicyIssue(self.file, line, col, dotted(path), message))

    def skipped(self, path: JsonPath, exc: Exception) -> None:
        """An item too malformed to read. The schema normally said why; if it did not,
        skipping silently would drop a rule, so that is an error of its own."""
        if not self.schema_failed:
            self.add(path, f"cannot be read ({type(exc).__name__})")


def check_policy_text(content: bytes, file: str) -> tuple[Policy | None, list[PolicyIssue]]:
    """Every problem in ``content``; the ``Policy`` only when there is none."""
    positions = _Positions()
    checker = _Checker(file, positions)
    if len(content) > MAX_POLICY_BYTES:
        checker.add((), f"policy file is larger than {MAX_POLICY_BYTES} bytes")
        return None, checker.issues
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        checker.add((), f"policy file is not UTF-8 (byte {exc.start})")
        return None, checker.issues
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            positions.walk(node, ())
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        checker.issues.append(PolicyIssue(file, line, col, "", f"invalid YAML: {exc.problem}"))
        return None, checker.issues
    except _TooLarge:
        checker.add((), f"policy has more than {MAX_YAML_NODES} YAML nodes (alias bomb?)")
        return None, checker.issues
    except RecursionError:
        checker.add((), "policy is nested too deeply")
        return None, checker.issues
    except yaml.YAMLError as exc:
        checker.add((), f"invalid YAML: {type(exc).__name__}")
        return None, checker.issues
    for path, (line, col) in positions.duplicates:
        checker.issues.append(
            PolicyIssue(file, line, col, dotted(path), "duplicate key (YAML keeps only the last)")
        )
    if not isinstance(data, dict):
        checker.add((), "the top level must be a mapping")
        return None, checker.issues
    _check_schema(data, checker)
    checker.schema_failed = bool(checker.issues)
    # Cross-reference checks run even when the schema failed, on the items that are
    # well-formed enough, so that `bastion policy check` shows every problem at once.
    policy = _build(data, checker)
    issues = sorted(checker.issues, key=lambda i: (i.line, i.column))
    return (policy if not issues else None), issues


def _check_schema(data: Mapping[str, Any], checker: _Checker) -> None:
    validator = jsonschema.Draft202012Validator(policy_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: checker.pos.of(tuple(e.path)))
    for error in errors:
        path: JsonPath = tuple(error.path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - known):
                names = ", ".join(sorted(known))
                checker.add((*path, str(extra)), f"unknown key (known keys: {names})", key=True)
            continue
        if error.validator == "required":
            checker.add(path, error.message, key=True)
            continue
        if error.validator is None or error.message.startswith("False schema"):
            _action_keys(data, path, checker)
            continue
        message = _short(error.message)
        if error.validator == "type" and isinstance(error.instance, bool):
            message += " (YAML reads unquoted yes/no/on/off/NO as booleans: quote it)"
        checker.add(path, message)


_ACTION_KEYS = {
    "destinations": ("allow", "redact"),
    "require_attributes": ("allow", "redact"),
    "redaction": ("redact",),
}


def _action_keys(data: Mapping[str, Any], path: JsonPath, checker: _Checker) -> None:
    """Name the key a rule's action forbids (jsonschema points only at the rule)."""
    rule: Any = data
    for part in path:
        rule = rule[part]
    action = rule.get("action") if isinstance(rule, dict) else None
    if action not in {a.value for a in Action}:
        return  # the enum error already says what is wrong
    for key, actions in _ACTION_KEYS.items():
        if isinstance(rule, dict) and key in rule and action not in actions:
            only = " or ".join(actions)
            checker.add((*path, key), f"only allowed when action is {only}", key=True)


def _short(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


def _build(data: Mapping[str, Any], checker: _Checker) -> Policy | None:
    destinations = _destinations(_items(data, "destinations"), checker)
    tenants = _tenants(_items(data, "tenants"), destinations, checker)
    rules = tuple(_rules(_items(data, "rules"), destinations, tenants, checker))
    if checker.issues:
        return None
    settings: Mapping[str, Any] = data.get("settings") or {}
    return Policy(
        name=str(data["name"]),
        destinations=destinations,
        tenants=tenants,
        rules=rules,
        unlisted_entities=str(settings.get("unlisted_entities", RedactionMethod.MASK.value)),
        always_forbidden=frozenset(EntityType(t) for t in settings.get("always_forbidden", [])),
        description=str(data.get("description", "")),
    )


_MALFORMED = (KeyError, TypeError, ValueError, AttributeError)


def _items(data: Mapping[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, item) of the mapping items of a top-level list; the schema reports the rest."""
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _destinations(
    items: list[tuple[int, dict[str, Any]]], checker: _Checker
) -> dict[str, Destination]:
    out: dict[str, Destination] = {}
    for i, d in items:
        try:
            dest = _destination(d)
        except _MALFORMED as exc:
            checker.skipped(("destinations", i), exc)
            checker.malformed.add(str(d.get("name")))
            continue
        name = dest.name
        if name in out:
            checker.add(("destinations", i, "name"), f"duplicate destination {name!r}")
            continue
        out[name] = dest
    return out


def _destination(d: Mapping[str, Any]) -> Destination:
    fields = ("name", "provider", "region", "jurisdiction")
    if not all(isinstance(d.get(f), str) for f in fields):
        raise TypeError("malformed destination")  # the schema has reported it
    return Destination(
        name=str(d["name"]),
        provider=str(d["provider"]),
        region=str(d["region"]),
        jurisdiction=str(d["jurisdiction"]),
        attributes=frozenset(str(a) for a in d.get("attributes", [])),
    )


def _tenants(
    items: list[tuple[int, dict[str, Any]]],
    destinations: Mapping[str, Destination],
    checker: _Checker,
) -> dict[str, Tenant]:
    out: dict[str, Tenant] = {}
    for i, t in items:
        try:
            name = str(t["name"])
            jurisdictions = frozenset(str(j) for j in t["jurisdictions"])
            names = [str(d) for d in t["destinations"]]
        except _MALFORMED as exc:
            checker.skipped(("tenants", i), exc)
            continue
        if name in out:
            checker.add(("tenants", i, "name"), f"duplicate tenant {name!r}")
            continue
        for j, dest in enumerate(names):
            where: JsonPath = ("tenants", i, "destinations", j)
            if dest in checker.malformed:
                continue
            if dest not in destinations:
                checker.add(where, f"unknown destination {dest!r}")
            elif destinations[dest].jurisdiction not in jurisdictions:
                checker.add(
                    where,
                    f"destination {dest!r} is in jurisdiction "
                    f"{destinations[dest].jurisdiction}, outside the tenant's "
                    f"jurisdictions {sorted(jurisdictions)}",
                )
        out[name] = Tenant(name, jurisdictions, tuple(names))
    return out


def _rules(
    items: list[tuple[int, dict[str, Any]]],
    destinations: Mapping[str, Destination],
    tenants: Mapping[str, Tenant],
    checker: _Checker,
) -> Iterator[Rule]:
    seen: set[str] = set()
    for i, r in items:
        rule_id = str(r.get("id", ""))
        if rule_id in seen:
            checker.add(("rules", i, "id"), f"duplicate rule id {rule_id!r}")
        seen.add(rule_id)
        try:
            yield _rule(r, ("rules", i), destinations, tenants, checker)
        except _MALFORMED as exc:
            checker.skipped(("rules", i), exc)
            continue


def _rule(
    r: Mapping[str, Any],
    base: JsonPath,
    destinations: Mapping[str, Destination],
    tenants: Mapping[str, Tenant],
    checker: _Checker,
) -> Rule:
    rule_id = str(r["id"])
    match: Mapping[str, Any] = r.get("match") or {}
    for j, tenant in enumerate(match.get("tenants", [])):
        if tenant not in tenants:
            checker.add((*base, "match", "tenants", j), f"unknown tenant {tenant!r}")
    ents: Mapping[str, list[str]] = match.get("entities") or {}
    condition = EntityCondition(
        any=frozenset(EntityType(e) for e in ents.get("any", [])),
        all=frozenset(EntityType(e) for e in ents.get("all", [])),
        none=frozenset(EntityType(e) for e in ents.get("none", [])),
    )
    _check_contradictions(condition, (*base, "match", "entities"), checker)
    dests = tuple(str(d) for d in r.get("destinations", []))
    if ANY_DESTINATION in dests and len(dests) > 1:
        checker.add((*base, "destinations"), "'*' already means every destination")
    for j, dest in enumerate(dests):
        if dest != ANY_DESTINATION and dest not in destinations and dest not in checker.malformed:
            checker.add((*base, "destinations", j), f"unknown destination {dest!r}")
    line, _ = checker.pos.of(base)
    return Rule(
        id=rule_id,
        action=Action(r["action"]),
        tenants=_set(match, "tenants"),
        source_jurisdictions=_set(match, "source_jurisdictions"),
        categories=(
            frozenset(Category(c) for c in match["categories"]) if "categories" in match else None
        ),
        entities=condition,
        redaction={
            EntityType(k): RedactionMethod(v) for k, v in (r.get("redaction") or {}).items()
        },
        destinations=dests,
        require_attributes=frozenset(str(a) for a in r.get("require_attributes", [])),
        description=str(r.get("description", "")),
        line=line,
    )


def _set(match: Mapping[str, Any], key: str) -> frozenset[str] | None:
    return frozenset(str(v) for v in match[key]) if key in match else None


def _check_contradictions(c: EntityCondition, path: JsonPath, checker: _Checker) -> None:
    both_none_any = c.any and c.any <= c.none
    both_none_all = c.all & c.none
    if both_none_any or both_none_all:
        checker.add(path, "contradictory entity conditions: this rule can never match")


def load_policy(path: Path) -> tuple[Policy, str]:
    """The policy and its version; ``PolicyError`` naming the first problem otherwise."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy file not found") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy file ({type(exc).__name__})") from None
    policy, issues = check_policy_text(content, str(path))
    if policy is None or issues:
        more = (
            f" (and {len(issues) - 1} more; run `bastion policy check`)" if len(issues) > 1 else ""
        )
        first = str(issues[0]) if issues else f"{path}: invalid policy"
        raise PolicyError(first + more)
    return policy, policy_version(content)
