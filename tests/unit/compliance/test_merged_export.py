"""Merged multi-node exports: two real logs with different keys, each entry proven by its own
node; any edit to one node's part, or to the merged view, fails naming the node and entry."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest

from agent.audit import AuditConfig, AuditLog
from bastion.cli import main
from bastion.crypto import SigningKey, VerifyKey
from bastion.errors import AuditError
from compliance.export import ExportInvalid, verify_export
from compliance.merge import NodeSource, export_merged, verify_merged
from tests.unit.audit.helpers import T0, FakeClock, entries

SINCE, UNTIL = T0, T0 + 1000


def _node_log(root: Path, name: str, n: int, offset: float) -> AuditConfig:
    d = root / name
    d.mkdir()
    cfg = AuditConfig(d / "audit.db", d / "audit.key", d / "witness.jsonl", sign_every_n=10)
    clock = FakeClock(T0 + offset)
    with AuditLog.open(cfg, clock=clock) as log:
        for start in range(0, n, 5):
            batch = entries(5, start=start, tenant="acme")
            log.append_sync([dataclasses.replace(e, time=e.time + offset) for e in batch])
            log.append_sync(entries(2, start=start, tenant="globex"))
            clock.advance(5)
    return cfg


@pytest.fixture
def two_nodes(tmp_path: Path) -> dict[str, AuditConfig]:
    return {
        "agent-a": _node_log(tmp_path, "agent-a", 20, 0.5),
        "agent-b": _node_log(tmp_path, "agent-b", 15, 0.25),
    }


def _pub(cfg: AuditConfig) -> VerifyKey:
    return SigningKey.load(cfg.key_path).verify_key


def _export(nodes: dict[str, AuditConfig], out: Path, fmt: str = "jsonl") -> None:
    export_merged(
        [NodeSource(name, cfg.db_path) for name, cfg in nodes.items()],
        out,
        tenant="acme",
        since=SINCE,
        until=UNTIL,
        fmt=fmt,
    )


def _rehash(directory: Path) -> None:
    """An editor who also fixes every manifest (hashes are not signatures)."""
    for m_path in [*directory.glob("nodes/*/manifest.json"), directory / "manifest.json"]:
        m = json.loads(m_path.read_text())
        for name in m["files"]:
            m["files"][name] = hashlib.sha256((m_path.parent / name).read_bytes()).hexdigest()
        m_path.write_text(json.dumps(m))


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_merged_round_trip_each_entry_proven_by_its_own_node(
    two_nodes: dict[str, AuditConfig],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    fmt: str,
) -> None:
    a, b = two_nodes["agent-a"], two_nodes["agent-b"]
    assert _pub(a) != _pub(b)
    _export(two_nodes, tmp_path / "out", fmt)
    moved = tmp_path_factory.mktemp("elsewhere") / "export"
    shutil.copytree(tmp_path / "out", moved)
    report = verify_merged(moved, {"agent-a": _pub(a), "agent-b": _pub(b)})
    assert report.entries == 35
    assert [(n, r.entries, r.pinned) for n, r in report.nodes] == [
        ("agent-a", 20, True),
        ("agent-b", 15, True),
    ]
    # each node part is a complete single-node export, verifiable on its own
    assert verify_export(moved / "nodes" / "agent-b", [_pub(b)]).entries == 15
    # the merged list names the node of every entry, ordered by time
    text = (moved / f"entries.{fmt}").read_text()
    if fmt == "jsonl":
        rows = [json.loads(line) for line in text.splitlines()]
    else:
        rows = [
            {**r, "time": float(r["time"])} for r in csv.DictReader(io.StringIO(text, newline=""))
        ]
    assert {r["node"] for r in rows} == {"agent-a", "agent-b"}
    assert [r["time"] for r in rows] == sorted(r["time"] for r in rows)
    # residency: over all nodes and per node
    res = json.loads((moved / "residency.json").read_text())
    assert res["all"]["entries"] == 35
    assert {k: v["entries"] for k, v in res["nodes"].items()} == {"agent-a": 20, "agent-b": 15}
    assert res["all"]["left"]["bytes"] == sum(v["left"]["bytes"] for v in res["nodes"].values())
    report_md = (moved / "report.md").read_text()
    assert "## Node `agent-a`" in report_md and "## Node `agent-b`" in report_md


def test_a_key_pinned_for_the_wrong_node_fails_naming_it(
    two_nodes: dict[str, AuditConfig], tmp_path: Path
) -> None:
    _export(two_nodes, tmp_path / "out")
    a, b = two_nodes["agent-a"], two_nodes["agent-b"]
    with pytest.raises(ExportInvalid, match=r"^node agent-b: signed head: .*pinned"):
        verify_merged(tmp_path / "out", {"agent-a": _pub(a), "agent-b": _pub(a)})
    with pytest.raises(ExportInvalid, match="unknown node"):
        verify_merged(tmp_path / "out", {"agent-c": _pub(b)})
    # without pins: still verifies, each node against the key its part ships
    report = verify_merged(tmp_path / "out")
    assert not any(r.pinned for _, r in report.nodes)


def test_an_altered_entry_of_node_b_fails_naming_node_b(
    two_nodes: dict[str, AuditConfig], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _export(two_nodes, out)
    path = out / "nodes" / "agent-b" / "entries.jsonl"
    lines = path.read_text().splitlines()
    rec = json.loads(lines[3])
    rec["bytes_sent"] += 1
    lines[3] = json.dumps(rec, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")
    _rehash(out)
    with pytest.raises(ExportInvalid, match=f"^node agent-b: entry {rec['id']}: content"):
        verify_merged(out, {"agent-a": _pub(two_nodes["agent-a"])})


def test_an_altered_entry_in_the_merged_list_fails_naming_the_node(
    two_nodes: dict[str, AuditConfig], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _export(two_nodes, out)
    path = out / "entries.jsonl"
    lines = path.read_text().splitlines()
    i = next(i for i, line in enumerate(lines) if json.loads(line)["node"] == "agent-b")
    rec = json.loads(lines[i])
    rec["status"] = "OK" if rec["status"] != "OK" else "SENT"
    lines[i] = json.dumps(rec, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")
    _rehash(out)
    with pytest.raises(
        ExportInvalid,
        match=f"node agent-b entry {rec['id']} differs from the entry proven in node agent-b",
    ):
        verify_merged(out)


def test_an_entry_relabelled_from_node_a_to_node_b_fails(
    two_nodes: dict[str, AuditConfig], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _export(two_nodes, out)
    path = out / "entries.jsonl"
    lines = path.read_text().splitlines()
    i = next(i for i, line in enumerate(lines) if json.loads(line)["node"] == "agent-a")
    rec = json.loads(lines[i])
    rec["node"] = "agent-b"
    lines[i] = json.dumps(rec, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n")
    _rehash(out)
    with pytest.raises(ExportInvalid, match=f"node agent-b entry {rec['id']}"):
        verify_merged(out)


def test_an_entry_moved_from_node_a_part_to_node_b_part_fails(
    two_nodes: dict[str, AuditConfig], tmp_path: Path
) -> None:
    """The attacker moves the entry with its proof, renumbers nothing, fixes all hashes."""
    out = tmp_path / "out"
    _export(two_nodes, out)
    pa, pb = out / "nodes" / "agent-a", out / "nodes" / "agent-b"
    a_entries = (pa / "entries.jsonl").read_text().splitlines()
    a_proofs = (pa / "proofs.jsonl").read_text().splitlines()
    b_ids = {json.loads(line)["id"] for line in (pb / "entries.jsonl").read_text().splitlines()}
    k = next(k for k, line in enumerate(a_entries) if json.loads(line)["id"] > max(b_ids))
    moved_id = json.loads(a_entries[k])["id"]
    (pa / "entries.jsonl").write_text("\n".join(a_entries[:k] + a_entries[k + 1 :]) + "\n")
    (pa / "proofs.jsonl").write_text("\n".join(a_proofs[:k] + a_proofs[k + 1 :]) + "\n")
    with (pb / "entries.jsonl").open("a") as fh:
        fh.write(a_entries[k] + "\n")
    with (pb / "proofs.jsonl").open("a") as fh:
        fh.write(a_proofs[k] + "\n")
    for part, delta in ((pa, -1), (pb, 1)):
        m = json.loads((part / "manifest.json").read_text())
        m["entries"] += delta
        (part / "manifest.json").write_text(json.dumps(m))
    _rehash(out)
    with pytest.raises(ExportInvalid, match=f"^node agent-a: |^node agent-b: entry {moved_id}"):
        verify_merged(out)
    # node B's part alone refuses the foreign entry: its proof does not lead to B's head
    with pytest.raises(ExportInvalid, match=f"entry {moved_id}"):
        verify_export(pb)


def test_a_dropped_or_duplicated_merged_line_fails(
    two_nodes: dict[str, AuditConfig], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _export(two_nodes, out)
    path = out / "entries.jsonl"
    original = path.read_text().splitlines()
    path.write_text("\n".join(original[:-1]) + "\n")
    _rehash(out)
    with pytest.raises(ExportInvalid, match="is missing from the merged entries"):
        verify_merged(out)
    path.write_text("\n".join([*original, original[-1]]) + "\n")
    _rehash(out)
    with pytest.raises(ExportInvalid, match="is listed twice"):
        verify_merged(out)


def test_a_node_part_swapped_for_a_copy_of_another_fails(
    two_nodes: dict[str, AuditConfig], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _export(two_nodes, out)
    shutil.rmtree(out / "nodes" / "agent-b")
    shutil.copytree(out / "nodes" / "agent-a", out / "nodes" / "agent-b")
    _rehash(out)
    with pytest.raises(ExportInvalid, match="node agent-b"):
        verify_merged(out)


def test_export_refuses_bad_node_sets(two_nodes: dict[str, AuditConfig], tmp_path: Path) -> None:
    a = two_nodes["agent-a"]
    with pytest.raises(AuditError, match="same audit database"):
        _export({"x": a, "y": a}, tmp_path / "o1")
    with pytest.raises(AuditError, match="node name"):
        _export({"../evil": a}, tmp_path / "o2")
    missing = AuditConfig(tmp_path / "none.db", tmp_path / "k", tmp_path / "w")
    with pytest.raises(AuditError, match="node gone: audit database"):
        _export({"agent-a": a, "gone": missing}, tmp_path / "o3")
    assert not (tmp_path / "o3").exists() or not any((tmp_path / "o3").iterdir())


def test_cli_merged_export_and_verify_with_per_node_keys(
    two_nodes: dict[str, AuditConfig], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = two_nodes["agent-a"], two_nodes["agent-b"]
    yaml_a = tmp_path / "agent-a.yaml"
    yaml_a.write_text(
        f"audit:\n  path: {a.db_path}\n  key: {a.key_path}\n  witness: {a.witness_path}\n"
    )
    out = tmp_path / "evidence"
    code = main(
        [
            *("audit", "export", "--node", f"agent-a={yaml_a}"),
            *("--node", f"agent-b={b.db_path}", "--tenant", "acme"),
            *("--since", "2026-01-01", "--until", "2030-01-01", "--format", "csv"),
            *("--out", str(out)),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith("exported 35 entries from 2 nodes")
    b_pub_file = tmp_path / "b.pub"
    b_pub_file.write_text(_pub(b).to_hex() + "\n")
    argv = ["audit", "verify-export", str(out), "--public-key", f"agent-a={_pub(a).to_hex()}"]
    assert main([*argv, "--public-key", f"agent-b={b_pub_file}"]) == 0
    out_line = capsys.readouterr().out.strip()
    assert out_line.startswith("merged export OK: 35 entries from 2 nodes")
    assert "node agent-b: 15 entries" in out_line and "not pinned" not in out_line
    assert main([*argv, "--public-key", f"agent-b={_pub(a).to_hex()}"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("bastion: check failed: node agent-b:") and len(err.splitlines()) == 1
    assert main(["audit", "verify-export", str(out), "--public-key", _pub(a).to_hex()]) == 2
    assert "NODE=HEX_OR_FILE" in capsys.readouterr().err
    code = main(
        [
            *("audit", "export", "--node", f"agent-a={a.db_path}", "--db", str(a.db_path)),
            *("--tenant", "acme", "--since", "2026-01-01", "--until", "2030-01-01"),
            *("--out", str(tmp_path / "x")),
        ]
    )
    assert code == 2 and "cannot be combined" in capsys.readouterr().err


def test_merge_flags_are_documented() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "audit.md").read_text()
    assert "bastion audit export --node NAME=AGENT_CONFIG_OR_DB" in text
    assert "--public-key NODE=HEX_OR_FILE" in text and "## Merged exports" in text


def test_single_node_verifier_points_a_merged_export_to_verify_merged(
    two_nodes: dict[str, AuditConfig], tmp_path: Path
) -> None:
    _export(two_nodes, tmp_path / "out")
    with pytest.raises(ExportInvalid, match="merged multi-node export"):
        verify_export(tmp_path / "out")


def test_a_flipped_byte_in_any_file_of_any_part_fails(
    two_nodes: dict[str, AuditConfig], tmp_path: Path
) -> None:
    """Every file matters: a flip anywhere (manifests re-hashed by the editor) is caught,
    except in public_key.txt, which a verifier with pinned keys does not read."""
    out = tmp_path / "out"
    _export(two_nodes, out)
    pins = {name: _pub(cfg) for name, cfg in two_nodes.items()}
    files = sorted(
        p
        for p in out.rglob("*")
        if p.is_file() and p.name not in ("public_key.txt", "manifest.json")
    )
    assert len(files) == 3 + 2 * 7  # top: entries, residency, report; per node: 7
    for path in files:
        original = path.read_bytes()
        for pos in sorted({0, len(original) // 2, max(len(original) - 2, 0)}):
            altered = bytearray(original)
            altered[pos] ^= 0x01
            path.write_bytes(bytes(altered))
            _rehash(out)
            with pytest.raises(ExportInvalid):
                verify_merged(out, pins)
            path.write_bytes(original)
    _rehash(out)
    assert verify_merged(out, pins).entries == 35


def test_cli_node_errors_name_the_node(
    two_nodes: dict[str, AuditConfig], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_audit = tmp_path / "bare.yaml"
    no_audit.write_text("listen: 127.0.0.1:0\n")
    base = ["audit", "export", "--tenant", "acme", "--since", "2026-01-01"]
    base += ["--until", "2030-01-01", "--out", str(tmp_path / "x")]
    a = two_nodes["agent-a"].db_path
    for node, needle in (
        (f"agent-c={no_audit}", "node agent-c: no audit database"),
        (f"agent-c={tmp_path / 'nowhere.db'}", "node agent-c: cannot read"),
        ("agent-c", "expected NAME=AGENT_CONFIG_OR_DB"),
        (f"bad/name={a}", "node name must be"),
    ):
        assert main([*base, "--node", f"agent-a={a}", "--node", node]) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and len(err.splitlines()) == 1, err
