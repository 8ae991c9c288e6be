"""``bastion audit ...`` through the real entry point: exit codes and one-line output."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from agent.audit import AuditConfig, AuditLog
from bastion.cli import main
from bastion.crypto import SigningKey
from compliance.cli import register
from tests.unit.audit.helpers import FakeClock, attacker, entries

DOCS = Path(__file__).resolve().parents[3] / "docs" / "audit.md"


@pytest.fixture
def agent_yaml(config: AuditConfig, clock: FakeClock, tmp_path: Path) -> Path:
    with AuditLog.open(config, clock=clock) as log:
        for start in range(0, 30, 10):
            log.append_sync(entries(10, start=start))
    path = tmp_path / "agent.yaml"
    path.write_text(
        "audit:\n"
        f"  path: {config.db_path.name}\n"
        f"  key: {config.key_path.name}\n"
        f"  witness: {config.witness_path.name}\n"
    )
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_verify_with_config_prints_one_summary_line(
    agent_yaml: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "verify", "--config", str(agent_yaml))
    assert code == 0 and err == ""
    assert out == (
        "audit log OK: 30 entries, 6 signed heads checked, latest head covers 30, "
        "trusted via pinned key"
    )


def test_verify_failure_is_one_line_naming_the_entry(
    agent_yaml: Path, config: AuditConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    attacker(config.db_path).execute("DELETE FROM entries WHERE id = 12")
    code, out, err = _run(capsys, "verify", "--config", str(agent_yaml))
    assert code == 1 and out == ""  # a check that found tampering: 1, not a usage error
    assert err == (
        "bastion: check failed: entry 12 is missing (next entry is 13): entries were deleted"
    )


def test_verify_with_flags_extra_heads_and_a_pinned_key(
    agent_yaml: Path, config: AuditConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "offsite-witness.jsonl"
    copy.write_bytes(config.witness_path.read_bytes())
    pub = SigningKey.load(config.key_path).verify_key.to_hex()
    code, out, _ = _run(
        capsys, "verify", "--db", str(config.db_path), "--heads", str(copy), "--public-key", pub
    )
    assert code == 0 and "6 signed heads" in out and "pinned key" in out
    wrong = SigningKey.generate().verify_key.to_hex()
    code, _, err = _run(capsys, "verify", "--db", str(config.db_path), "--public-key", wrong)
    assert code == 1 and "pinned public key" in err


def test_export_then_verify_export(
    agent_yaml: Path, config: AuditConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "evidence"
    code, out, err = _run(
        capsys,
        "export",
        "--config",
        str(agent_yaml),
        "--tenant",
        "acme",
        "--since",
        "2026-05-28",
        "--until",
        "2026-05-29T00:00:00Z",
        "--format",
        "csv",
        "--out",
        str(out_dir),
    )
    assert code == 0, err
    assert out.startswith("exported 30 entries")
    pub_file = tmp_path / "pub.txt"
    pub_file.write_text(SigningKey.load(config.key_path).verify_key.to_hex())
    code, out, err = _run(capsys, "verify-export", str(out_dir), "--public-key", str(pub_file))
    assert code == 0, err
    assert out.startswith("export OK: 30 entries")


def test_export_signs_a_head_for_entries_not_yet_covered(
    agent_yaml: Path, config: AuditConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = AuditLog.open(config, clock=FakeClock())
    log.append_sync(entries(3, start=30))  # no head yet (3 < sign_every_n)
    try:
        code, out, err = _run(
            capsys,
            *("export", "--config", str(agent_yaml), "--tenant", "acme"),
            *("--since", "2026-01-01", "--until", "2027-01-01", "--out", str(tmp_path / "e")),
        )
    finally:
        log.close()
    assert code == 0, err
    assert out.startswith("exported 33 entries") and "(signed head of size 33)" in out


def test_bad_arguments_are_one_line_errors(
    agent_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        capsys,
        *("export", "--config", str(agent_yaml), "--tenant", "acme"),
        *("--since", "last tuesday", "--until", "2027-01-01", "--out", str(tmp_path / "e")),
    )
    assert code == 2 and err == "bastion: error: --since: expected an ISO 8601 date or time"
    code, _, err = _run(capsys, "verify")
    assert code == 2 and "no audit database" in err
    code, _, err = _run(capsys, "verify", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "does not exist" in err
    code, _, err = _run(capsys, "verify-export", str(tmp_path / "nothing"))
    assert code == 2 and "manifest.json" in err


def test_keygen_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "new.key"
    code, out, _ = _run(capsys, "keygen", "--key", str(key))
    assert code == 0 and SigningKey.load(key).key_id in out
    assert key.stat().st_mode & 0o777 == 0o600
    code, _, err = _run(capsys, "keygen", "--key", str(key))
    assert code == 2 and "refusing to overwrite" in err


def test_rotate_key_then_verify_pins_the_new_key(
    agent_yaml: Path, config: AuditConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    old = SigningKey.load(config.key_path).key_id
    code, out, err = _run(capsys, "rotate-key", "--config", str(agent_yaml))
    assert code == 0, err
    new = SigningKey.load(config.key_path).key_id
    assert out.startswith(f"rotated audit signing key {old} -> {new}")
    with AuditLog.open(config) as log:
        log.append_sync(entries(2, start=30))
    code, out, err = _run(capsys, "verify", "--config", str(agent_yaml))
    assert code == 0, err
    code, out, _ = _run(capsys, "public-key", "--config", str(agent_yaml))
    assert out.endswith(f"key_id={new}")


def test_every_audit_subcommand_is_documented() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    audit = parser._subparsers._group_actions[0].choices["audit"]  # type: ignore[union-attr]
    names = audit._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    text = DOCS.read_text()
    for name in names:
        assert f"bastion audit {name}" in text, name


def test_commands_never_create_a_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "k"
    SigningKey.load_or_create(key)
    db = tmp_path / "missing.db"
    for argv in (
        ("rotate-key", "--db", str(db), "--key", str(key), "--witness", str(tmp_path / "w")),
        (
            *("export", "--db", str(db), "--key", str(key), "--witness", str(tmp_path / "w")),
            *("--tenant", "t", "--since", "2026-01-01", "--until", "2027-01-01"),
            *("--out", str(tmp_path / "e")),
        ),
    ):
        code, _, err = _run(capsys, *argv)
        assert code == 2 and "does not exist" in err
    assert not db.exists()


def test_checkpoint_prints_a_c2sp_note_that_verifies_with_the_printed_vkey(
    agent_yaml: Path, config: AuditConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    from bastion.tlog.note import NoteVerifier, verify_checkpoint

    code, note, _ = _run(capsys, "checkpoint", "--config", str(agent_yaml))
    assert code == 0
    code, vkey, _ = _run(capsys, "checkpoint", "--config", str(agent_yaml), "--vkey")
    assert code == 0
    checkpoint = verify_checkpoint(note + "\n", NoteVerifier.from_vkey(vkey))
    assert checkpoint.size == 30
    published = config.witness_path.with_name("checkpoint").read_text()
    assert published == note + "\n"
