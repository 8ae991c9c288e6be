"""Policy files: every problem reported with line:col, nothing loaded if any."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from agent.policy import PolicyEngine, check_policy_text
from bastion.errors import PolicyError

ROOT = Path(__file__).resolve().parents[3]
POLICIES = ROOT / "policies"

GOOD = """\
schema_version: 1
name: t
destinations:
  - name: eu-a
    provider: p
    region: r
    jurisdiction: EU
tenants:
  - name: firm
    jurisdictions: [EU]
    destinations: [eu-a]
rules:
  - id: pub
    action: allow
    destinations: [eu-a]
"""


def issues_of(text: str) -> list[str]:
    policy, issues = check_policy_text(text.encode(), "p.yaml")
    assert (policy is None) == bool(issues)
    return [str(i) for i in issues]


def test_good_policy_has_no_issues() -> None:
    assert issues_of(GOOD) == []


def test_unknown_key_is_located_at_the_key() -> None:
    text = GOOD.replace("    region: r\n", "    region: r\n    colour: blue\n")
    assert issues_of(text) == [
        "p.yaml:7:5: destinations[0].colour: unknown key (known keys: attributes, description,"
        " jurisdiction, name, provider, region)"
    ]


def test_bad_action_is_located_at_the_value() -> None:
    (issue,) = issues_of(GOOD.replace("action: allow", "action: alow"))
    assert issue.startswith("p.yaml:14:13: rules[0].action: 'alow' is not one of")


def test_every_problem_is_reported_at_once() -> None:
    text = (
        GOOD.replace("destinations: [eu-a]\nrules", "destinations: [eu-a, nope]\nrules")
        .replace("name: t\n", "name: T T\n")
        .replace("    destinations: [eu-a]\n", "    destinations: [eu-b]\n", 1)
    )
    text += "  - id: pub\n    action: local_only\n"
    found = issues_of(text)
    assert any(":2:7: name:" in i for i in found)
    assert any(":11:26: tenants[0].destinations[1]: unknown destination 'nope'" in i for i in found)
    assert any("rules[1].id: duplicate rule id 'pub'" in i for i in found)
    assert len(found) >= 3
    lines = [int(i.split(":")[1]) for i in found]
    assert lines == sorted(lines)


def test_duplicate_yaml_key_is_an_error_not_last_wins() -> None:
    text = GOOD.replace("    action: allow\n", "    action: allow\n    action: block\n")
    assert any("rules[0].action: duplicate key" in i for i in issues_of(text))


def test_unquoted_no_is_explained() -> None:
    (issue,) = issues_of(GOOD.replace("jurisdiction: EU", "jurisdiction: NO"))
    assert "p.yaml:7:19" in issue and "quote it" in issue


def test_yaml_syntax_error_has_line_and_column() -> None:
    (issue,) = issues_of(GOOD.replace("tenants:\n", "tenants: [\n"))
    assert issue.startswith("p.yaml:") and "invalid YAML" in issue


def test_tenant_destination_outside_its_jurisdictions_is_an_error() -> None:
    text = GOOD.replace("jurisdictions: [EU]", "jurisdictions: [US]")
    (issue,) = issues_of(text)
    assert "tenants[0].destinations[0]" in issue and "outside the tenant's" in issue


def test_rule_keys_that_the_action_forbids() -> None:
    text = GOOD.replace("action: allow", "action: local_only")
    (issue,) = issues_of(text)
    assert issue.startswith("p.yaml:15:5: rules[0].destinations: only allowed when action is")
    missing = GOOD.replace("action: allow", "action: redact")
    assert any("'redaction' is a required property" in i for i in issues_of(missing))


def test_rule_with_unknown_tenant_or_destination() -> None:
    text = GOOD.replace(
        "    destinations: [eu-a]\n", "    destinations: [eu-z]\n    match: {tenants: [ghost]}\n"
    )
    text = text.replace("    destinations: [eu-z]\n", "    destinations: [eu-a]\n", 1)
    found = issues_of(text)
    assert any("rules[0].destinations[0]: unknown destination 'eu-z'" in i for i in found)
    assert any("rules[0].match.tenants[0]: unknown tenant 'ghost'" in i for i in found)


def test_contradictory_entity_conditions_are_refused() -> None:
    text = GOOD + "    match: {entities: {all: [PERSON], none: [PERSON]}}\n"
    assert any("can never match" in i for i in issues_of(text))


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    (issue,) = issues_of("\n".join(lines) + "\n")
    assert "YAML nodes" in issue


def test_deep_nesting_is_refused_not_a_crash() -> None:
    (issue,) = issues_of("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested too deeply" in issue or "YAML nodes" in issue


def test_non_utf8_and_non_mapping() -> None:
    policy, issues = check_policy_text(b"\xff\xfe", "p.yaml")
    assert policy is None and "not UTF-8" in str(issues[0])
    assert "must be a mapping" in issues_of("- 1\n- 2\n")[0]


def test_load_raises_policy_error_with_location_and_count(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("action: allow", "action: alow").replace("name: t", "name: T"))
    with pytest.raises(PolicyError, match=r"bad\.yaml:2:7: name: .*\(and 1 more"):
        PolicyEngine.load(path)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        PolicyEngine.load(tmp_path / "absent.yaml")


def test_policies_schema_json_is_the_packaged_schema() -> None:
    packaged = ROOT / "agent" / "policy" / "schema.json"
    assert (POLICIES / "schema.json").read_bytes() == packaged.read_bytes()


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_policies_validate_with_jsonschema(path: Path) -> None:
    schema = json.loads((POLICIES / "schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)
