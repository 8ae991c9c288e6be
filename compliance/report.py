"""What left the premises, where to and under which rules: the residency summary and the
human-readable report of an export. Both are pure functions of the exported entries (and
the head), so ``verify_export`` recomputes them and refuses an edited copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from agent.audit.entry import AuditEntry
from bastion.tlog.heads import TreeHead


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bump(slot: dict[str, Any], **amounts: int) -> None:
    for k, v in amounts.items():
        slot[k] = slot.get(k, 0) + v


def residency_summary(entries: Iterable[AuditEntry]) -> dict[str, Any]:
    """What left the premises, where to, under which rules - and what was withheld.

    Sends are ``cloud_call`` entries with a destination (calls and bytes per destination
    and jurisdiction); sent sections are ``section`` entries with a destination (counted
    per rule that allowed them). Everything else of kind ``section`` or ``egress_block``
    was withheld and is counted by policy action and by status.
    """
    by_dest: dict[tuple[str, str, str, str], dict[str, int]] = {}
    by_jur: dict[str, dict[str, int]] = {}
    by_rule: dict[str, dict[str, Any]] = {}
    withheld_action: dict[str, int] = {}
    withheld_status: dict[str, int] = {}
    calls = sent_bytes = sent_sections = blocks = total = 0
    for e in entries:
        total += 1
        d = e.destination
        if e.kind == "cloud_call" and d is not None:
            calls += 1
            sent_bytes += e.bytes_sent
            dk = (d["name"], d["provider"], d["region"], d["jurisdiction"])
            _bump(by_dest.setdefault(dk, {}), calls=1, bytes=e.bytes_sent, sections=0)
            _bump(by_jur.setdefault(d["jurisdiction"], {}), calls=1, bytes=e.bytes_sent)
        elif e.kind == "section" and d is not None:
            sent_sections += 1
            dk = (d["name"], d["provider"], d["region"], d["jurisdiction"])
            _bump(by_dest.setdefault(dk, {}), calls=0, bytes=0, sections=1)
            _bump(by_jur.setdefault(d["jurisdiction"], {}), calls=0, bytes=0, sections=1)
            for rule in e.rule_ids or ("(no rule)",):
                r = by_rule.setdefault(rule, {"sections": 0, "bytes": 0, "destinations": []})
                _bump(r, sections=1, bytes=e.bytes_sent)
                if d["name"] not in r["destinations"]:
                    r["destinations"].append(d["name"])
        elif e.kind in ("section", "egress_block"):
            blocks += e.kind == "egress_block"
            action = e.action or "none"
            withheld_action[action] = withheld_action.get(action, 0) + 1
            status = e.status or "none"
            withheld_status[status] = withheld_status.get(status, 0) + 1
    for r in by_rule.values():
        r["destinations"].sort()
    for slot in by_jur.values():
        slot.setdefault("sections", 0)
    return {
        "entries": total,
        "left": {
            "cloud_calls": calls,
            "bytes": sent_bytes,
            "sections": sent_sections,
            "by_destination": [
                {"name": k[0], "provider": k[1], "region": k[2], "jurisdiction": k[3], **v}
                for k, v in sorted(by_dest.items())
            ],
            "by_jurisdiction": dict(sorted(by_jur.items())),
            "by_rule": dict(sorted(by_rule.items())),
        },
        "withheld": {
            "sections_by_action": dict(sorted(withheld_action.items())),
            "sections_by_status": dict(sorted(withheld_status.items())),
            "egress_blocks": blocks,
        },
    }


def report_markdown(
    tenant: str, since: float, until: float, head: TreeHead, res: Mapping[str, Any], fmt: str
) -> str:
    lines = [
        f"# Audit export - tenant `{tenant}`",
        "",
        f"- Period: {iso(since)} to {iso(until)} (end exclusive)",
        f"- Entries: {res['entries']} (file `entries.{fmt}`)",
        f"- Signed tree head: size {head.size}, root `{head.root.hex()}`, signed "
        f"{iso(head.time_ms / 1000)} by key `{head.key_id}`",
        "",
        *residency_lines(res, "##"),
        "## How to verify",
        "",
        "On any machine, with the public key obtained from the operator out of band:",
        "",
        "    bastion audit verify-export THIS_DIR --public-key PUBLIC_KEY_HEX",
        "",
        "This checks that every entry above is included in the signed log (RFC 6962",
        "inclusion proofs to the Ed25519-signed tree head), that earlier heads are",
        "consistent with it, and that the figures in this report follow from the entries.",
        "It does not prove that no entry was left out of the export; `bastion audit verify`",
        "on the full log does.",
        "",
    ]
    return "\n".join(lines)


def residency_lines(res: Mapping[str, Any], level: str) -> list[str]:
    """The "what left" and "what was withheld" tables of one residency summary."""
    left = res["left"]
    lines = [
        f"{level} What left the premises",
        "",
        f"{left['cloud_calls']} cloud calls carrying {left['bytes']} bytes; "
        f"{left['sections']} sections sent.",
        "",
        "| destination | provider | region | jurisdiction | calls | bytes | sections |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for d in left["by_destination"]:
        lines.append(
            f"| {d['name']} | {d['provider']} | {d['region']} | {d['jurisdiction']} "
            f"| {d['calls']} | {d['bytes']} | {d['sections']} |"
        )
    lines += ["", "| jurisdiction | calls | bytes | sections |", "|---|---:|---:|---:|"]
    for j, v in left["by_jurisdiction"].items():
        lines.append(f"| {j} | {v['calls']} | {v['bytes']} | {v['sections']} |")
    lines += ["", "| rule | sections sent | bytes | destinations |", "|---|---:|---:|---|"]
    for rule, v in left["by_rule"].items():
        lines.append(
            f"| {rule} | {v['sections']} | {v['bytes']} | {', '.join(v['destinations'])} |"
        )
    w = res["withheld"]
    lines += [
        "",
        f"{level} What was withheld",
        "",
        f"The egress re-check stopped {w['egress_blocks']} sections.",
        "",
        "| policy action | sections |",
        "|---|---:|",
        *(f"| {a} | {n} |" for a, n in w["sections_by_action"].items()),
        "",
        "| status | sections |",
        "|---|---:|",
        *(f"| {a} | {n} |" for a, n in w["sections_by_status"].items()),
        "",
    ]
    return lines
