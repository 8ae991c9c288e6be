"""`bastion policy check | test | explain` through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from agent.domain import Category, Entity, EntityType, SectionAnalysis
from agent.policy import PolicyEngine
from agent.policy.explain import explain_prepared, render_text, to_json
from bastion.cli import main

ROOT = Path(__file__).resolve().parents[3]
POLICIES = ROOT / "policies"


def test_policy_test_runs_every_shipped_case_and_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["policy", "test", str(POLICIES / "tests")]) == 0
    out = capsys.readouterr().out
    shipped = {p.stem for p in POLICIES.glob("*.yaml")}
    tested = {p.stem.removesuffix("_test") for p in (POLICIES / "tests").glob("*_test.yaml")}
    assert shipped == tested, "every shipped policy has a test file"
    assert "FAIL" not in out
    assert out.count("PASS ") >= 40
    assert out.strip().endswith("0 failed")


def test_policy_test_reports_a_failing_case_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.yaml").write_text(
        f"policy: {POLICIES / 'default.yaml'}\n"
        "cases:\n"
        "  - name: wrong on purpose\n"
        "    facts: {tenant: acme-law, source_jurisdiction: EU, category: privileged,"
        " entities: []}\n"
        "    expect: {action: allow, rule_ids: [nope], destinations: [eu-mistral-paris]}\n"
        "  - name: right\n"
        "    facts: {tenant: acme-law, source_jurisdiction: EU, category: privileged}\n"
        "    expect: {action: local_only}\n"
    )
    assert main(["policy", "test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "wrong on purpose" in out
    assert "action: expected allow, got local_only" in out
    assert "rule_ids: expected ['nope'], got ['privileged-stays-local']" in out
    assert "destinations: expected ['eu-mistral-paris'], got []" in out
    assert "PASS" in out and "1 passed, 1 failed" in out


def test_policy_test_broken_test_file_is_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.yaml").write_text(
        f"policy: {POLICIES / 'default.yaml'}\n"
        "cases:\n"
        "  - name: bad category\n"
        "    facts: {tenant: acme-law, source_jurisdiction: EU, category: secret}\n"
        "    expect: {action: allow}\n"
    )
    (tmp_path / "u.yaml").write_text("policy: missing.yaml\ncases: []\n")
    assert main(["policy", "test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "t.yaml:4: cases[0].facts.category: expected one of" in out
    assert "policy file not found" in out


def test_policy_test_empty_directory_fails(tmp_path: Path) -> None:
    assert main(["policy", "test", str(tmp_path)]) == 1


def test_policy_check_ok_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check", str(POLICIES / "default.yaml")]) == 0
    assert ": ok (sha256:" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text((POLICIES / "deny_all.yaml").read_text().replace("local_only", "local"))
    assert main(["policy", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:" in out and "rules[0].action" in out


class KeywordDetector:
    """A stand-in for the neighbouring detection stage (explain is tested, not detection)."""

    model_versions: ClassVar[list[str]] = ["keywords@1"]

    def analyze(self, texts: Sequence[str]) -> list[SectionAnalysis]:
        out = []
        for text in texts:
            category = Category.PRIVILEGED if "advice" in text else Category.PUBLIC
            start = text.find("Jane Doe")
            entities = (
                (Entity(EntityType.PERSON, start, start + 8, 0.9, "test"),) if start >= 0 else ()
            )
            out.append(SectionAnalysis(category, {category: 0.9}, entities))
        return out


DOCUMENT = (
    "INTRODUCTION\n\nJane Doe joined the firm in 2020 and leads the team.\n\n"
    "LEGAL ADVICE\n\nOur advice on the claim is confidential between us.\n"
)


async def test_explain_names_matching_rules_reasons_and_what_would_leave(tmp_path: Path) -> None:
    from agent.domain import DocumentRequest, Task
    from agent.pipeline import Pipeline
    from agent.vault import Vault
    from agent.wiring import default_egress_checker

    engine = PolicyEngine.load(POLICIES / "default.yaml")
    pipeline = Pipeline(
        engine=KeywordDetector(),
        policy=engine,
        vault=Vault.open(tmp_path, b"k" * 32),
        egress=default_egress_checker(),
        audit=None,
        cloud=None,
        hash_key=b"h" * 32,
    )
    request = DocumentRequest("acme-law", "doc", "EU", DOCUMENT)
    prepared = await pipeline.prepare(request, Task("Summarise.", "FUSION"), as_if_cloud=True)
    explanations = explain_prepared(prepared)
    assert [e.unit.kind.value for e in explanations] == ["section", "section", "instruction"]
    decisions = [e.evaluation.decision.action.value for e in explanations]
    assert decisions == ["redact", "local_only", "redact"]
    assert [e.status.value for e in explanations] == ["SENT", "WITHHELD_POLICY", "SENT"]
    text = render_text(engine, explanations, show_headings=False)
    assert "+ public-internal-pseudonymised (redact)" in text
    assert "- privileged-stays-local (local_only): NO: category 'public' not in" in text
    assert "+ privileged-stays-local (local_only)" in text
    assert "status: SENT (would leave)" in text and "\ninstruction " in text
    assert "Jane" not in text and "advice on the claim" not in text
    data = to_json(explanations)
    json.dumps(data)
    assert data["instruction"]["status"] == "SENT"
    assert {r["id"] for r in data["sections"][0]["rules"]} == {r.id for r in engine.policy.rules}


def test_explain_cli_with_the_real_local_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text(DOCUMENT)
    code = main(
        ["policy", "explain", "--policy", str(POLICIES / "default.yaml"), "--tenant",
         "acme-law", "--json", str(doc)]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["tenant"] == "acme-law" and data["sections"]
    assert data["instruction"]["unit"] == "instruction"
    for section in data["sections"]:
        assert section["decision"]["rule_ids"]
        assert "Jane" not in json.dumps(section)


def test_explain_cli_refuses_unknown_tenant_and_missing_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = str(POLICIES / "default.yaml")
    doc = tmp_path / "d.txt"
    doc.write_text("hello")
    assert main(["policy", "explain", "--policy", policy, "--tenant", "x", str(doc)]) == 2
    assert main(["policy", "explain", "--policy", policy, str(doc)]) == 2  # 3 tenants
    assert "--tenant is required" in capsys.readouterr().err
    missing = str(tmp_path / "absent.txt")
    assert main(["policy", "explain", "--policy", policy, "--tenant", "acme-law", missing]) == 2


def test_every_policy_subcommand_is_documented() -> None:
    import argparse

    from bastion.cli import build_parser

    parser = build_parser()
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    policy = top.choices["policy"]
    sub = next(a for a in policy._actions if isinstance(a, argparse._SubParsersAction))
    docs = (ROOT / "docs" / "policy.md").read_text()
    assert set(sub.choices) == {"check", "test", "explain", "keygen", "sign", "verify-bundle"}
    for name in sub.choices:
        assert f"### `bastion policy {name}" in docs


def test_public_api_is_pinned() -> None:
    import agent.egress
    import agent.policy
    import agent.redact
    import agent.vault

    assert {"PolicyEngine", "SectionFacts", "Decision", "Action"} <= set(agent.policy.__all__)
    assert set(agent.vault.__all__) == {
        "DEFAULT_TTL_S",
        "DocumentPseudonyms",
        "Vault",
        "key_id",
        "rotate_key",
    }
    assert set(agent.redact.__all__) == {"Redaction", "mask_everything", "redact"}
    assert {"EgressChecker", "EgressViolation"} <= set(agent.egress.__all__)


def test_policy_check_several_files_reports_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 2\nname: x\n")
    good = POLICIES / "pci.yaml"
    assert main(["policy", "check", str(good), str(bad)]) == 1
    capsys.readouterr()
    assert main(["policy", "check", str(good), str(bad), str(tmp_path / "absent.yaml")]) == 2
    out, err = capsys.readouterr()
    assert f"{good}: ok" in out
    assert f"{bad}:1:17: schema_version:" in out
    assert f"{bad}:1:1: 'destinations' is a required property" in out
    assert "absent.yaml: cannot read (FileNotFoundError)" in err


def test_policy_test_accepts_a_single_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "test", str(POLICIES / "tests" / "pci_test.yaml")]) == 0
    assert "4 passed, 0 failed" in capsys.readouterr().out
