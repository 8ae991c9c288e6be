"""Exports: round trip in a fresh directory with only the public key; edits are caught."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from agent.audit import AuditConfig, AuditLog
from bastion.cli import main
from bastion.crypto import SigningKey
from compliance.export import ExportInvalid, export_log, residency_summary, verify_export
from tests.unit.audit.helpers import T0, FakeClock, entries

SINCE, UNTIL = T0 + 10, T0 + 50


@pytest.fixture
def log_with_two_tenants(config: AuditConfig, clock: FakeClock) -> AuditConfig:
    with AuditLog.open(config, clock=clock) as log:
        for start in range(0, 60, 10):
            log.append_sync(entries(10, start=start, tenant="acme"))
            log.append_sync(entries(3, start=start, tenant="globex"))
            clock.advance(10)
    return config


def _export(cfg: AuditConfig, out: Path, fmt: str) -> None:
    export_log(cfg.db_path, out, tenant="acme", since=SINCE, until=UNTIL, fmt=fmt)


def _fresh_copy(src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("elsewhere") / "export"
    shutil.copytree(src, dst)
    return dst


def _rehash(directory: Path) -> None:
    """An editor who also fixes the manifest (its hashes are not a signature)."""
    m = json.loads((directory / "manifest.json").read_text())
    for name in m["files"]:
        m["files"][name] = hashlib.sha256((directory / name).read_bytes()).hexdigest()
    (directory / "manifest.json").write_text(json.dumps(m))


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_round_trip_verifies_elsewhere_with_only_the_public_key(
    log_with_two_tenants: AuditConfig,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    fmt: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = log_with_two_tenants
    _export(cfg, tmp_path / "out", fmt)
    moved = _fresh_copy(tmp_path / "out", tmp_path_factory)
    pub = SigningKey.load(cfg.key_path).verify_key
    report = verify_export(moved, [pub])
    assert report.entries == 40  # acme entries 10..49 fall in [SINCE, UNTIL)
    assert report.pinned
    assert report.head_size == 78
    assert main(["audit", "verify-export", str(moved), "--public-key", pub.to_hex()]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("export OK: 40 entries") and "\n" not in out
    files = {p.name for p in moved.iterdir()}
    assert files >= {f"entries.{fmt}", "proofs.jsonl", "head.json", "heads.jsonl", "keys.json"}
    assert files >= {"public_key.txt", "residency.json", "report.md", "manifest.json"}


def test_the_residency_summary_says_what_left_where_and_by_rule(
    log_with_two_tenants: AuditConfig, tmp_path: Path
) -> None:
    _export(log_with_two_tenants, tmp_path / "out", "jsonl")
    res = json.loads((tmp_path / "out" / "residency.json").read_text())
    wanted = [e for e in entries(60) if SINCE <= e.time < UNTIL]
    calls = [e for e in wanted if e.kind == "cloud_call"]
    assert res["left"]["cloud_calls"] == len(calls)
    assert res["left"]["bytes"] == sum(e.bytes_sent for e in calls)
    assert set(res["left"]["by_jurisdiction"]) == {"EU", "US"}
    assert res["left"]["by_rule"]["eu-redact"]["destinations"] == ["eu-llm", "us-llm"]
    assert res["withheld"]["egress_blocks"] == sum(e.kind == "egress_block" for e in wanted)
    assert res == json.loads(json.dumps(residency_summary(wanted)))
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| eu-llm | azure | westeurope | EU |" in report
    assert "verify-export" in report


def test_earlier_heads_in_the_period_come_with_consistency_proofs(
    log_with_two_tenants: AuditConfig, tmp_path: Path
) -> None:
    _export(log_with_two_tenants, tmp_path / "out", "jsonl")
    lines = (tmp_path / "out" / "heads.jsonl").read_text().splitlines()
    assert len(lines) >= 3
    assert verify_export(tmp_path / "out").heads == len(lines)


def _edit_first_entry(directory: Path) -> None:
    path = directory / "entries.jsonl"
    lines = path.read_text().splitlines()
    rec = json.loads(lines[0])
    rec["bytes_sent"] += 1
    lines[0] = json.dumps(rec, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")


def _edit_residency(directory: Path) -> None:
    path = directory / "residency.json"
    res = json.loads(path.read_text())
    res["left"]["by_jurisdiction"].pop("US")
    path.write_text(json.dumps(res))


def _edit_report(directory: Path) -> None:
    path = directory / "report.md"
    path.write_text(path.read_text().replace("| US |", "| EU |"))


def _edit_head(directory: Path) -> None:
    path = directory / "head.json"
    head = json.loads(path.read_text())
    head["size"] -= 1
    path.write_text(json.dumps(head))


def _edit_proof(directory: Path) -> None:
    path = directory / "proofs.jsonl"
    lines = path.read_text().splitlines()
    rec = json.loads(lines[3])
    rec["proof"][0] = "00" * 32
    lines[3] = json.dumps(rec)
    path.write_text("\n".join(lines) + "\n")


EDITS = {
    "entry": (_edit_first_entry, "leaf hash"),
    "residency": (_edit_residency, "residency.json"),
    "report": (_edit_report, "report.md"),
    "head": (_edit_head, "signature does not verify"),
    "proof": (_edit_proof, "does not reach the root"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edited_export_does_not_verify(
    log_with_two_tenants: AuditConfig, tmp_path: Path, edit: str
) -> None:
    out = tmp_path / "out"
    _export(log_with_two_tenants, out, "jsonl")
    mutate, message = EDITS[edit]
    mutate(out)
    with pytest.raises(ExportInvalid, match="manifest hash"):
        verify_export(out)
    _rehash(out)
    with pytest.raises(ExportInvalid, match=message):
        verify_export(out, [SigningKey.load(log_with_two_tenants.key_path).verify_key])


def test_an_export_resigned_with_another_key_fails_against_the_pinned_key(
    log_with_two_tenants: AuditConfig, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _export(log_with_two_tenants, out, "jsonl")
    stranger = SigningKey.generate().verify_key
    with pytest.raises(ExportInvalid, match="pinned"):
        verify_export(out, [stranger])


def test_export_refuses_a_non_empty_directory_and_a_bad_period(
    log_with_two_tenants: AuditConfig, tmp_path: Path
) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    with pytest.raises(Exception, match="not empty"):
        _export(log_with_two_tenants, tmp_path / "busy", "jsonl")
    with pytest.raises(Exception, match="after"):
        export_log(
            log_with_two_tenants.db_path, tmp_path / "o", tenant="acme", since=2, until=1, fmt="csv"
        )


def test_a_malformed_or_incomplete_export_fails_closed(
    log_with_two_tenants: AuditConfig, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _export(log_with_two_tenants, out, "jsonl")
    (out / "proofs.jsonl").write_text("{not json\n")
    _rehash(out)
    with pytest.raises(ExportInvalid, match="malformed"):
        verify_export(out)
    (out / "heads.jsonl").unlink()
    m = json.loads((out / "manifest.json").read_text())
    del m["files"]["heads.jsonl"]
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ExportInvalid, match=r"does not list heads\.jsonl"):
        verify_export(out)
