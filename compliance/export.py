"""Compliance exports that verify on another machine with only the public key.

An export directory holds::

    entries.jsonl | entries.csv   the tenant's entries in the time range, with their ids
    proofs.jsonl                  per entry: leaf hash and RFC 6962 inclusion proof
    head.json                     the signed tree head the proofs lead to
    heads.jsonl                   heads signed during the range, each with a consistency
                                  proof to head.json (the log only grew in between)
    keys.json                     the log's key chain (rotation statements)
    public_key.txt                the key that signed head.json (pin it out of band)
    residency.json                what left, to which destinations/jurisdictions, by rule
    report.md                     the same for humans, plus how to verify
    manifest.json                 parameters and the sha256 of every file above

``verify_export`` recomputes every leaf from the exported fields, checks every proof,
every signature and the key chain, and recomputes the residency summary. An export
proves that each exported entry is in the signed log; it cannot prove that no entry of
the tenant was left out (only ``bastion audit verify`` on the full log can).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from agent.audit import store
from agent.audit.entry import V2_FIELDS, AuditEntry, InvalidAuditEntry, canonical_json
from agent.audit.store import read_heads, read_keys, read_log_id
from bastion.crypto import IntegrityError, VerifyKey
from bastion.errors import AuditError, CheckFailed
from bastion.tlog.heads import HeadError, KeyRecord, TreeHead, trusted_keys
from bastion.tlog.merkle import (
    MerkleTree,
    ProofError,
    hash_leaf,
    verify_consistency,
    verify_inclusion,
)
from compliance.report import report_markdown, residency_summary

FORMATS = ("jsonl", "csv")
ENTRY_FIELDS = [f.name for f in fields(AuditEntry) if f.name != "v"]
CSV_COLUMNS = ["id", "v", *ENTRY_FIELDS]
_JSON_FIELDS = {"entity_counts", "rule_ids", "model_versions", "destination", "destinations"}
_INT_FIELDS = {"bytes_sent", "v"}
_FLOAT_FIELDS = {"time", "latency_ms"}


class ExportInvalid(AuditError, CheckFailed):
    """An export directory does not verify; the message names the file and entry."""


@dataclass(frozen=True)
class ExportSummary:
    out_dir: Path
    entries: int
    head_size: int
    excluded_unsigned: int

    def summary(self) -> str:
        tail = (
            f"; {self.excluded_unsigned} newer matching entries are not yet under a signed "
            "head and were left out"
            if self.excluded_unsigned
            else ""
        )
        return (
            f"exported {self.entries} entries to {self.out_dir} "
            f"(signed head of size {self.head_size}){tail}"
        )


@dataclass(frozen=True)
class ExportReport:
    entries: int
    head_size: int
    key_id: str
    pinned: bool
    heads: int

    def summary(self) -> str:
        trust = "pinned key" if self.pinned else "key shipped in the export (not pinned)"
        return (
            f"export OK: {self.entries} entries proven in the signed log of size "
            f"{self.head_size}, {self.heads} earlier heads consistent, key {self.key_id} "
            f"via {trust}"
        )


# -- writing ----------------------------------------------------------------------------
def csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in _JSON_FIELDS:
        return canonical_json(value).decode()
    if name in _FLOAT_FIELDS:
        return repr(float(value))
    return str(value)


def _write_entries(path: Path, rows: Sequence[tuple[int, AuditEntry]], fmt: str) -> None:
    if fmt == "jsonl":
        with path.open("wb") as fh:
            for eid, e in rows:
                fh.write(canonical_json({"id": eid, **e.to_dict()}) + b"\n")
        return
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for eid, e in rows:
            d = {"id": eid, **e.to_dict()}  # a format-1 entry has no format-2 columns
            w.writerow([csv_cell(c, d.get(c)) for c in CSV_COLUMNS])


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_log(
    db_path: Path,
    out_dir: Path,
    *,
    tenant: str,
    since: float,
    until: float,
    fmt: str,
) -> ExportSummary:
    """Write an export of ``tenant``'s entries with ``since <= time < until``."""
    if fmt not in FORMATS:
        raise AuditError(f"export format must be one of {list(FORMATS)}")
    if until <= since:
        raise AuditError("export --until must be after --since")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise AuditError(f"export directory {out_dir} is not empty")
    db = store.connect(db_path, readonly=True)
    conn = db.conn
    try:
        conn.execute("BEGIN")
        log_id = read_log_id(db)
        keys = read_keys(db)
        trust = trusted_keys(log_id, keys, ())
        heads = read_heads(db, log_id)
        if not heads:
            raise AuditError("the log has no signed tree head yet; nothing can be exported")
        head = heads[-1][1]
        trust.verify(head, log_id)
        leaf_hashes = [
            bytes(r[0])
            for r in conn.execute(
                "SELECT leaf_hash FROM entries WHERE id < ? ORDER BY id", (head.size,)
            )
        ]
        tree = MerkleTree(leaf_hashes)
        if tree.size != head.size or tree.root() != head.root:
            raise AuditError(
                "the log does not match its latest signed head; run `bastion audit verify`"
            )
        selected = conn.execute(
            "SELECT id, leaf, leaf_hash FROM entries WHERE tenant = ? AND time >= ? AND time < ? "
            "ORDER BY id",
            (tenant, since, until),
        ).fetchall()
        conn.execute("COMMIT")
    except HeadError as exc:
        raise AuditError(f"cannot export: {exc}") from None
    finally:
        conn.close()
    rows: list[tuple[int, AuditEntry]] = []
    proofs: list[bytes] = []
    excluded = 0
    for eid, leaf, leaf_hash in selected:
        if eid >= head.size:
            excluded += 1
            continue
        if hash_leaf(bytes(leaf)) != bytes(leaf_hash):
            raise AuditError(f"entry {eid} does not match its recorded hash; run verify")
        rows.append((eid, AuditEntry.from_canonical(bytes(leaf))))
        proof = tree.inclusion_proof(eid, head.size)
        proofs.append(
            canonical_json(
                {"id": eid, "leaf_hash": bytes(leaf_hash).hex(), "proof": [p.hex() for p in proof]}
            )
        )
    earlier = [h for _, h in heads[:-1] if since * 1000 <= h.time_ms < until * 1000 and h.size > 0]
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_entries(out_dir / f"entries.{fmt}", rows, fmt)
    (out_dir / "proofs.jsonl").write_bytes(b"".join(p + b"\n" for p in proofs))
    (out_dir / "head.json").write_text(head.to_json() + "\n")
    (out_dir / "heads.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "head": h.to_dict(),
                    "consistency_proof": [
                        p.hex() for p in tree.consistency_proof(h.size, head.size)
                    ],
                },
                sort_keys=True,
                separators=(",", ":"),
            )
            + "\n"
            for h in earlier
        )
    )
    (out_dir / "keys.json").write_text(json.dumps([k.to_dict() for k in keys], indent=2) + "\n")
    (out_dir / "public_key.txt").write_text(trust.keys[head.key_id].to_hex() + "\n")
    res = residency_summary(e for _, e in rows)
    (out_dir / "residency.json").write_text(json.dumps(res, indent=2, sort_keys=True) + "\n")
    (out_dir / "report.md").write_text(
        report_markdown(tenant, since, until, head, res, fmt), encoding="utf-8"
    )
    files = sorted(p.name for p in out_dir.iterdir())
    manifest = {
        "format": fmt,
        "tenant": tenant,
        "since": since,
        "until": until,
        "log_id": log_id,
        "entries": len(rows),
        "files": {name: sha256_file(out_dir / name) for name in files},
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return ExportSummary(out_dir, len(rows), head.size, excluded)


# -- reading and verifying --------------------------------------------------------------
def csv_value(name: str, cell: str) -> Any:
    if name in _JSON_FIELDS:
        return None if cell == "" and name == "destination" else json.loads(cell)
    if name == "v":
        return int(cell)
    if name == "section_index":
        return None if cell == "" else int(cell)
    if name in _INT_FIELDS or name == "id":
        return int(cell)
    if name in _FLOAT_FIELDS:
        return float(cell)
    return cell


def _csv_record(row: Sequence[str]) -> dict[str, Any]:
    cells = dict(zip(CSV_COLUMNS, row, strict=True))
    if cells.get("v") == "1":  # format 1 has no format-2 columns: they must be empty
        for name in V2_FIELDS:
            if cells.pop(name, ""):
                raise ValueError(f"format-1 entry with a {name}")
    return {c: csv_value(c, cell) for c, cell in cells.items()}


def read_entries(path: Path, fmt: str) -> list[tuple[int, AuditEntry]]:
    out: list[tuple[int, AuditEntry]] = []
    text = path.read_text(encoding="utf-8")
    if fmt == "jsonl":
        records: Iterable[tuple[int, Any]] = (
            (n, json.loads(line)) for n, line in enumerate(text.splitlines(), 1) if line.strip()
        )
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if header != CSV_COLUMNS:
            raise ExportInvalid(f"{path.name}: unexpected CSV header")
        records = ((n, _csv_record(row)) for n, row in enumerate(reader, 2))
    line = 0
    try:
        for line, rec in records:
            if not isinstance(rec, dict) or not isinstance(rec.get("id"), int):
                raise ExportInvalid(f"{path.name} line {line}: no entry id")
            eid = rec.pop("id")
            out.append((eid, AuditEntry.from_dict(rec)))
    except (ValueError, TypeError) as exc:
        raise ExportInvalid(
            f"{path.name} line {line + 1}: malformed ({type(exc).__name__})"
        ) from None
    except InvalidAuditEntry as exc:
        raise ExportInvalid(f"{path.name} line {line}: {exc}") from None
    return out


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportInvalid(f"export is missing {path.name}") from None
    except (ValueError, UnicodeDecodeError):
        raise ExportInvalid(f"{path.name} is not valid JSON") from None


def _hexes(values: object, what: str) -> list[bytes]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ExportInvalid(f"{what} must be a list of hex strings")
    try:
        return [bytes.fromhex(v) for v in values]
    except ValueError:
        raise ExportInvalid(f"{what} is not hex") from None


REQUIRED_FILES = (
    "proofs.jsonl",
    "head.json",
    "heads.jsonl",
    "keys.json",
    "public_key.txt",
    "residency.json",
    "report.md",
)


def verify_export(directory: Path, pins: Sequence[VerifyKey] = ()) -> ExportReport:
    """Check an export with nothing but its files (and, ideally, a pinned public key).

    Any malformed content fails closed with one ``ExportInvalid`` line.
    """
    return verify_export_entries(directory, pins)[0]


def verify_export_entries(
    directory: Path, pins: Sequence[VerifyKey] = ()
) -> tuple[ExportReport, list[tuple[int, AuditEntry]]]:
    """``verify_export`` that also hands back the proven entries (for merged exports)."""
    if not directory.is_dir():
        raise ExportInvalid(f"{directory} is not an export directory (no manifest.json)")
    try:
        return _verify_export(directory, pins)
    except AuditError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ExportInvalid(f"export is malformed ({type(exc).__name__})") from None


def _verify_export(
    directory: Path, pins: Sequence[VerifyKey]
) -> tuple[ExportReport, list[tuple[int, AuditEntry]]]:
    manifest = load_json(directory / "manifest.json")
    if not isinstance(manifest, dict):
        raise ExportInvalid("manifest.json must be an object")
    if manifest.get("kind") == "merged":
        raise ExportInvalid(
            "this is a merged multi-node export: verify it with verify_merged "
            "(bastion audit verify-export does)"
        )
    fmt = manifest.get("format")
    if fmt not in FORMATS:
        raise ExportInvalid("manifest.json names no known format")
    files = manifest.get("files")
    if not isinstance(files, dict) or f"entries.{fmt}" not in files:
        raise ExportInvalid("manifest.json lists no entries file")
    for name in REQUIRED_FILES:
        if name not in files:
            raise ExportInvalid(f"manifest.json does not list {name}")
    for name, digest in sorted(files.items()):
        p = directory / name
        if p.name != name or not p.is_file():
            raise ExportInvalid(f"export is missing {name}")
        if sha256_file(p) != digest:
            raise ExportInvalid(f"{name} does not match its manifest hash")
    log_id = manifest.get("log_id")
    if not isinstance(log_id, str):
        raise ExportInvalid("manifest.json has no log id")
    try:
        keys_raw = load_json(directory / "keys.json")
        if not isinstance(keys_raw, list):
            raise ExportInvalid("keys.json must be a list")
        keys = [KeyRecord.from_dict(k) for k in keys_raw]
        shipped = VerifyKey.from_hex((directory / "public_key.txt").read_text())
        trust = trusted_keys(log_id, keys, pins or [shipped])
        head = TreeHead.from_json((directory / "head.json").read_text())
        trust.verify(head, log_id)
    except (HeadError, IntegrityError) as exc:
        raise ExportInvalid(f"signed head: {exc}") from None
    entries = read_entries(directory / f"entries.{fmt}", fmt)
    proofs = [
        json.loads(line)
        for line in (directory / "proofs.jsonl").read_text().splitlines()
        if line.strip()
    ]
    if len(proofs) != len(entries):
        raise ExportInvalid(f"{len(entries)} entries but {len(proofs)} proofs")
    tenant, since, until = manifest.get("tenant"), manifest.get("since"), manifest.get("until")
    if not isinstance(tenant, str) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in (since, until)
    ):
        raise ExportInvalid("manifest.json must name the tenant and the period")
    assert isinstance(since, int | float) and isinstance(until, int | float)
    if manifest.get("entries") != len(entries):
        raise ExportInvalid("manifest entry count does not match the entries file")
    last = -1
    for (eid, entry), proof in zip(entries, proofs, strict=True):
        if eid <= last:
            raise ExportInvalid(f"entry {eid}: ids are not strictly increasing")
        last = eid
        if entry.tenant != tenant or not (since <= entry.time < until):
            raise ExportInvalid(f"entry {eid}: outside the exported tenant or period")
        if not isinstance(proof, dict) or proof.get("id") != eid:
            raise ExportInvalid(f"entry {eid}: proof is missing or out of order")
        leaf_hash = hash_leaf(entry.canonical_bytes())
        if proof.get("leaf_hash") != leaf_hash.hex():
            raise ExportInvalid(f"entry {eid}: content does not match its leaf hash")
        try:
            verify_inclusion(
                eid, head.size, leaf_hash, _hexes(proof.get("proof"), "proof"), head.root
            )
        except ProofError as exc:
            raise ExportInvalid(f"entry {eid}: {exc}") from None
    earlier = 0
    for n, line in enumerate((directory / "heads.jsonl").read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            old = TreeHead.from_dict(rec["head"])
            trust.verify(old, log_id)
            cproof = _hexes(rec["consistency_proof"], "consistency proof")
            verify_consistency(old.size, head.size, old.root, head.root, cproof)
        except (ValueError, KeyError, TypeError, HeadError, ProofError) as exc:
            raise ExportInvalid(f"heads.jsonl line {n}: {exc}") from None
        earlier += 1
    expected = residency_summary(e for _, e in entries)
    if load_json(directory / "residency.json") != json.loads(json.dumps(expected)):
        raise ExportInvalid("residency.json does not follow from the exported entries")
    report = report_markdown(tenant, since, until, head, expected, fmt)
    if (directory / "report.md").read_text(encoding="utf-8") != report:
        raise ExportInvalid("report.md does not follow from the exported entries and head")
    pinned = trust.pinned and bool(pins)
    return ExportReport(len(entries), head.size, head.key_id, pinned, earlier), entries
