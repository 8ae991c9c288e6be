"""One compliance export for several agents (nodes), each entry proven by its own node's log.

Agents behind one address share nothing but their policy bundle: each keeps its own signed
audit log with its own key. A merged export therefore does not re-sign anything; it holds
one complete single-node export per node (which verifies on its own, against that node's
key) plus a merged view::

    manifest.json         kind "merged", parameters, the nodes (name, log id, key id) and
                          the sha256 of every top-level file and of each node's manifest
    entries.jsonl|csv     every node's entries, each naming its node, by (time, node, id)
    residency.json        {"all": summary over all nodes, "nodes": {name: summary}}
    report.md             the same for humans: all nodes, then each node, and how to verify
    nodes/<NAME>/         that node's export (entries, proofs, signed head, earlier heads,
                          key chain, public key, residency, report, manifest)

``verify_merged`` verifies every node's part with that node's key (shipped, or pinned per
node), then proves the merged view is exactly the union of the proven node entries: an
entry whose node label, content or membership changed fails naming the node and entry.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.audit.entry import AuditEntry, InvalidAuditEntry, canonical_json
from bastion.crypto import VerifyKey
from bastion.errors import AuditError
from compliance.export import (
    CSV_COLUMNS,
    FORMATS,
    ExportInvalid,
    ExportReport,
    csv_cell,
    csv_value,
    export_log,
    load_json,
    read_entries,
    sha256_file,
    verify_export_entries,
)
from compliance.report import iso, residency_lines, residency_summary

MERGED_KIND = "merged"
MERGED_CSV_COLUMNS = ["node", *CSV_COLUMNS]
NODE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_TOP_FILES = ("residency.json", "report.md")

NodeRow = tuple[str, int, AuditEntry]


@dataclass(frozen=True)
class NodeSource:
    """One node's audit database, named as it will appear in the export."""

    name: str
    db_path: Path


@dataclass(frozen=True)
class MergedSummary:
    out_dir: Path
    entries: int
    nodes: tuple[tuple[str, int, int], ...]  # name, entries, signed head size
    excluded_unsigned: int

    def summary(self) -> str:
        parts = ", ".join(f"{n}: {e} (head {h})" for n, e, h in self.nodes)
        tail = (
            f"; {self.excluded_unsigned} newer matching entries are not yet under a signed "
            "head and were left out"
            if self.excluded_unsigned
            else ""
        )
        return (
            f"exported {self.entries} entries from {len(self.nodes)} nodes to "
            f"{self.out_dir} ({parts}){tail}"
        )


@dataclass(frozen=True)
class MergedReport:
    entries: int
    nodes: tuple[tuple[str, ExportReport], ...]

    def summary(self) -> str:
        parts = "; ".join(
            f"node {name}: {r.entries} entries in head of size {r.head_size}, key {r.key_id} "
            f"({'pinned' if r.pinned else 'not pinned'})"
            for name, r in self.nodes
        )
        return (
            f"merged export OK: {self.entries} entries from {len(self.nodes)} nodes, each "
            f"proven in its own node's signed log; {parts}"
        )


def check_node_name(name: str) -> str:
    if not NODE_NAME.fullmatch(name):
        raise AuditError(
            "node name must be 1-64 letters, digits, '.', '_' or '-' (starting with a "
            "letter or digit)"
        )
    return name


# -- writing ----------------------------------------------------------------------------
def _sort_key(row: NodeRow) -> tuple[float, str, int]:
    return (row[2].time, row[0], row[1])


def _write_merged_entries(path: Path, rows: Sequence[NodeRow], fmt: str) -> None:
    if fmt == "jsonl":
        with path.open("wb") as fh:
            for node, eid, e in rows:
                fh.write(canonical_json({"node": node, "id": eid, **e.to_dict()}) + b"\n")
        return
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(MERGED_CSV_COLUMNS)
        for node, eid, e in rows:
            d = {"node": node, "id": eid, **e.to_dict()}
            w.writerow([node, *(csv_cell(c, d[c]) for c in CSV_COLUMNS)])


def merged_residency(by_node: Mapping[str, Sequence[AuditEntry]]) -> dict[str, Any]:
    """Residency over all nodes and per node (pure, so the verifier recomputes it)."""
    everything = [e for name in sorted(by_node) for e in by_node[name]]
    return {
        "all": residency_summary(everything),
        "nodes": {name: residency_summary(by_node[name]) for name in sorted(by_node)},
    }


def merged_report_markdown(
    manifest: Mapping[str, Any], res: Mapping[str, Any], heads: Mapping[str, Mapping[str, Any]]
) -> str:
    """The human report; ``heads`` maps node name to its head.json (size, root, key)."""
    fmt = manifest["format"]
    lines = [
        f"# Merged audit export - tenant `{manifest['tenant']}`",
        "",
        f"- Period: {iso(manifest['since'])} to {iso(manifest['until'])} (end exclusive)",
        f"- Entries: {manifest['entries']} from {len(manifest['nodes'])} nodes "
        f"(file `entries.{fmt}`, each entry names its node)",
        "",
        "## Nodes",
        "",
        "Each node keeps its own signed log; its part of this export is in `nodes/NAME/`.",
        "",
        "| node | entries | log id | signed head size | root | key id |",
        "|---|---:|---|---:|---|---|",
    ]
    for node in manifest["nodes"]:
        head = heads[node["name"]]
        lines.append(
            f"| {node['name']} | {node['entries']} | `{node['log_id']}` | {head['size']} "
            f"| `{head['root']}` | `{head['key_id']}` |"
        )
    lines += ["", "## All nodes", "", *residency_lines(res["all"], "###")]
    for name, node_res in res["nodes"].items():
        lines += [f"## Node `{name}`", "", *residency_lines(node_res, "###")]
    lines += [
        "## How to verify",
        "",
        "On any machine, with each node's public key obtained from its operator out of band:",
        "",
        "    bastion audit verify-export THIS_DIR --public-key NODE=PUBLIC_KEY_HEX ...",
        "",
        "This verifies every node's part against that node's own key (RFC 6962 inclusion",
        "proofs to its Ed25519-signed tree head, earlier heads consistent, key chain), then",
        "checks that the merged entries are exactly the nodes' proven entries and that the",
        "figures in this report follow from them. It does not prove that no entry was left",
        "out; `bastion audit verify` on each node's full log does.",
        "",
    ]
    return "\n".join(lines)


def export_merged(
    nodes: Sequence[NodeSource],
    out_dir: Path,
    *,
    tenant: str,
    since: float,
    until: float,
    fmt: str,
) -> MergedSummary:
    """Export ``tenant``'s entries of every node into one directory (see the module doc)."""
    if len(nodes) < 1:
        raise AuditError("a merged export needs at least one --node")
    names = [check_node_name(n.name) for n in nodes]
    if len(set(names)) != len(names):
        raise AuditError("node names must be unique")
    if len({n.db_path.resolve() for n in nodes}) != len(nodes):
        raise AuditError("two nodes name the same audit database")
    for n in nodes:
        if not n.db_path.exists():
            raise AuditError(f"node {n.name}: audit database {n.db_path} does not exist")
    if fmt not in FORMATS:
        raise AuditError(f"export format must be one of {list(FORMATS)}")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise AuditError(f"export directory {out_dir} is not empty")
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        return _export_merged(nodes, out_dir, tenant, since, until, fmt)
    except BaseException:
        for child in out_dir.iterdir():  # it was empty: everything in it is ours
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise


def _export_merged(
    nodes: Sequence[NodeSource], out_dir: Path, tenant: str, since: float, until: float, fmt: str
) -> MergedSummary:
    by_node: dict[str, list[AuditEntry]] = {}
    rows: list[NodeRow] = []
    node_meta: list[dict[str, Any]] = []
    heads: dict[str, dict[str, Any]] = {}
    counts: list[tuple[str, int, int]] = []
    excluded = 0
    log_ids: dict[str, str] = {}
    for n in nodes:
        part = out_dir / "nodes" / n.name
        try:
            s = export_log(n.db_path, part, tenant=tenant, since=since, until=until, fmt=fmt)
        except AuditError as exc:
            raise AuditError(f"node {n.name}: {exc}") from None
        excluded += s.excluded_unsigned
        node_manifest = load_json(part / "manifest.json")
        log_id = node_manifest["log_id"]
        if log_id in log_ids:
            raise AuditError(f"nodes {log_ids[log_id]} and {n.name} hold the same log")
        log_ids[log_id] = n.name
        head = load_json(part / "head.json")
        heads[n.name] = head
        node_entries = read_entries(part / f"entries.{fmt}", fmt)
        by_node[n.name] = [e for _, e in node_entries]
        rows += [(n.name, eid, e) for eid, e in node_entries]
        node_meta.append(
            {
                "name": n.name,
                "log_id": log_id,
                "key_id": head["key_id"],
                "entries": len(node_entries),
            }
        )
        counts.append((n.name, len(node_entries), s.head_size))
    rows.sort(key=_sort_key)
    _write_merged_entries(out_dir / f"entries.{fmt}", rows, fmt)
    manifest: dict[str, Any] = {
        "kind": MERGED_KIND,
        "format": fmt,
        "tenant": tenant,
        "since": since,
        "until": until,
        "entries": len(rows),
        "nodes": node_meta,
    }
    res = merged_residency(by_node)
    (out_dir / "residency.json").write_text(json.dumps(res, indent=2, sort_keys=True) + "\n")
    (out_dir / "report.md").write_text(
        merged_report_markdown(manifest, res, heads), encoding="utf-8"
    )
    listed = [
        f"entries.{fmt}",
        *_TOP_FILES,
        *(f"nodes/{m['name']}/manifest.json" for m in node_meta),
    ]
    manifest["files"] = {name: sha256_file(out_dir / name) for name in sorted(listed)}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return MergedSummary(out_dir, len(rows), tuple(counts), excluded)


# -- verifying --------------------------------------------------------------------------
def is_merged_export(directory: Path) -> bool:
    """True when ``directory`` holds a merged export (its manifest says so)."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(manifest, dict) and manifest.get("kind") == MERGED_KIND


def verify_merged(directory: Path, pins: Mapping[str, VerifyKey] | None = None) -> MergedReport:
    """Verify every node's part against its own key and the merged view against the parts.

    ``pins`` maps node names to pinned public keys; nodes without a pin are checked with
    the key shipped in their part (and reported as not pinned). Any problem fails closed
    with one ``ExportInvalid`` naming the node and entry.
    """
    if not directory.is_dir():
        raise ExportInvalid(f"{directory} is not an export directory")
    try:
        return _verify_merged(directory, dict(pins or {}))
    except AuditError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ExportInvalid(f"merged export is malformed ({type(exc).__name__})") from None


def _verify_manifest(directory: Path) -> tuple[dict[str, Any], list[str]]:
    manifest = load_json(directory / "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("kind") != MERGED_KIND:
        raise ExportInvalid("manifest.json is not a merged export manifest")
    fmt = manifest.get("format")
    if fmt not in FORMATS:
        raise ExportInvalid("manifest.json names no known format")
    nodes = manifest.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        raise ExportInvalid("manifest.json lists no nodes")
    names: list[str] = []
    for node in nodes:
        name = node.get("name") if isinstance(node, dict) else None
        if not isinstance(name, str) or not NODE_NAME.fullmatch(name) or name in names:
            raise ExportInvalid("manifest.json: node names must be unique and well formed")
        names.append(name)
    files = manifest.get("files")
    expected = {f"entries.{fmt}", *_TOP_FILES, *(f"nodes/{n}/manifest.json" for n in names)}
    if not isinstance(files, dict) or set(files) != expected:
        raise ExportInvalid("manifest.json does not list exactly the merged export's files")
    for name, digest in sorted(files.items()):
        p = directory / name
        if not p.is_file():
            raise ExportInvalid(f"export is missing {name}")
        if sha256_file(p) != digest:
            raise ExportInvalid(f"{name} does not match its manifest hash")
    return manifest, names


def _verify_merged(directory: Path, pins: dict[str, VerifyKey]) -> MergedReport:
    manifest, names = _verify_manifest(directory)
    unknown = sorted(set(pins) - set(names))
    if unknown:
        raise ExportInvalid(f"a public key is pinned for unknown node(s) {', '.join(unknown)}")
    fmt = manifest["format"]
    reports: list[tuple[str, ExportReport]] = []
    proven: dict[tuple[str, int], bytes] = {}
    by_node: dict[str, list[AuditEntry]] = {}
    heads: dict[str, Any] = {}
    log_ids: dict[str, str] = {}
    for node in manifest["nodes"]:
        name = node["name"]
        part = directory / "nodes" / name
        pin = pins.get(name)
        try:
            report, entries = verify_export_entries(part, [pin] if pin is not None else [])
        except AuditError as exc:
            raise ExportInvalid(f"node {name}: {exc}") from None
        part_manifest = load_json(part / "manifest.json")
        same = (part_manifest.get(k) == manifest[k] for k in ("format", "tenant", "since", "until"))
        if not all(same):
            raise ExportInvalid(f"node {name}: its part covers another tenant, period or format")
        log_id = part_manifest["log_id"]
        if node.get("log_id") != log_id or node.get("entries") != report.entries:
            raise ExportInvalid(f"node {name}: manifest.json misstates the node's log or count")
        if log_id in log_ids:
            raise ExportInvalid(f"nodes {log_ids[log_id]} and {name} hold the same log")
        log_ids[log_id] = name
        heads[name] = load_json(part / "head.json")
        if node.get("key_id") != heads[name]["key_id"]:
            raise ExportInvalid(f"node {name}: manifest.json misstates the node's key")
        by_node[name] = [e for _, e in entries]
        for eid, e in entries:
            proven[(name, eid)] = e.canonical_bytes()
        reports.append((name, report))
    merged = _read_merged_entries(directory / f"entries.{fmt}", fmt)
    _match_merged(merged, proven)
    if manifest.get("entries") != len(merged):
        raise ExportInvalid("manifest entry count does not match the merged entries file")
    res = merged_residency(by_node)
    if load_json(directory / "residency.json") != json.loads(json.dumps(res)):
        raise ExportInvalid("residency.json does not follow from the nodes' entries")
    if (directory / "report.md").read_text(encoding="utf-8") != merged_report_markdown(
        manifest, res, heads
    ):
        raise ExportInvalid("report.md does not follow from the nodes' entries and heads")
    return MergedReport(len(merged), tuple(reports))


def _read_merged_entries(path: Path, fmt: str) -> list[tuple[int, NodeRow]]:
    """(line number, (node, id, entry)) for each line of the merged entries file."""
    text = path.read_text(encoding="utf-8")
    out: list[tuple[int, NodeRow]] = []
    if fmt == "jsonl":
        records: list[tuple[int, Any]] = [
            (n, json.loads(line)) for n, line in enumerate(text.splitlines(), 1) if line.strip()
        ]
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        if next(reader, None) != MERGED_CSV_COLUMNS:
            raise ExportInvalid(f"{path.name}: unexpected CSV header")
        records = []
        for n, row in enumerate(reader, 2):
            if len(row) != len(MERGED_CSV_COLUMNS):
                raise ExportInvalid(f"{path.name} line {n}: wrong number of columns")
            rec: dict[str, Any] = {"node": row[0]}
            rec.update(
                {c: csv_value(c, cell) for c, cell in zip(CSV_COLUMNS, row[1:], strict=True)}
            )
            records.append((n, rec))
    for n, rec in records:
        if not isinstance(rec, dict):
            raise ExportInvalid(f"{path.name} line {n}: not an entry")
        node, eid = rec.pop("node", None), rec.pop("id", None)
        if not isinstance(node, str) or not isinstance(eid, int) or isinstance(eid, bool):
            raise ExportInvalid(f"{path.name} line {n}: no node or entry id")
        try:
            out.append((n, (node, eid, AuditEntry.from_dict(rec))))
        except InvalidAuditEntry as exc:
            raise ExportInvalid(f"{path.name} line {n}: node {node} entry {eid}: {exc}") from None
    return out


def _match_merged(
    merged: Sequence[tuple[int, NodeRow]], proven: dict[tuple[str, int], bytes]
) -> None:
    seen: set[tuple[str, int]] = set()
    last: tuple[float, str, int] | None = None
    for line, (node, eid, entry) in merged:
        key = (node, eid)
        where = f"merged entries line {line}: node {node} entry {eid}"
        if key in seen:
            raise ExportInvalid(f"{where} is listed twice")
        seen.add(key)
        want = proven.get(key)
        if want is None:
            raise ExportInvalid(f"{where} is not among node {node}'s proven entries")
        if entry.canonical_bytes() != want:
            raise ExportInvalid(f"{where} differs from the entry proven in node {node}'s log")
        order = _sort_key((node, eid, entry))
        if last is not None and order <= last:
            raise ExportInvalid(f"{where} is out of order (by time, node, id)")
        last = order
    missing = sorted(set(proven) - seen)
    if missing:
        node, eid = missing[0]
        raise ExportInvalid(f"node {node} entry {eid} is missing from the merged entries")
