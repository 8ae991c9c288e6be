"""End to end: how much of what must not leave reaches the cloud client, on text nobody
here wrote (the hand-written prose corpus, bench/corpus/prose).

    python -m bench.e2e_leak [--backend onnx] [--tenant acme-law --jurisdiction EU]

Every document of the corpus (its sections as the caller's sections) is routed through
the agent's real pipeline - the INT8 model and the recognizers, the default policy, the
vault, the independent egress re-check, the audit log - to a recording cloud client that
keeps the exact bytes it is handed (the one stand-in: no cloud tier or vendor is needed
to see what would leave). The default policy lets no entity leave raw, so any gold value
found in the instruction or section texts of those bytes is a leak (the rest of the
request is the agent's own configuration, e.g. destination names). The oracle is simple
and independent: NFKC, zero-width characters out, case folded, letters and digits only (a
value of fewer than 4 such characters is not counted: it would match anywhere).

Reports: documents and sections routed, sections sent, gold values in sent sections, and
the values that reached the client, by entity type (counts only, never the values).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

from agent.audit import AuditConfig, AuditLog
from agent.detect import load_engine
from agent.domain import CloudAnswer, DocumentRequest, Section, Task
from agent.pipeline import Pipeline
from agent.policy import PolicyEngine
from agent.vault import Vault
from agent.wiring import default_egress_checker
from bastion.wire.v1 import cloud_pb2
from bench.corpus.prose import ProseSection, load_prose_corpus

ROOT = Path(__file__).resolve().parent.parent
ZERO_WIDTH = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
MIN_CHARS = 4


class RecordingCloud:
    def __init__(self) -> None:
        self.payloads: list[bytes] = []

    async def orchestrate(
        self, payload: bytes, *, deadline_s: float | None, request_id: str
    ) -> CloudAnswer:
        self.payloads.append(payload)
        return CloudAnswer("ok", (), 1.0, "MAJORITY_VOTE", False, "", (), b"")

    async def close(self) -> None:
        pass


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text.casefold() if c.isalnum() and c not in ZERO_WIDTH)


async def run(
    backend: str, tenant: str, jurisdiction: str, models: Path | None = None
) -> dict[str, object]:
    corpus = load_prose_corpus()
    documents: dict[str, list[ProseSection]] = {}
    for s in corpus:
        documents.setdefault(s.doc_id, []).append(s)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        audit = AuditLog.open(AuditConfig(d / "a.db", d / "a.key", d / "w.jsonl"))
        cloud = RecordingCloud()
        pipeline = Pipeline(
            engine=load_engine(backend, models),
            policy=PolicyEngine.load(ROOT / "policies" / "default.yaml"),
            vault=Vault.open(d / "vault", b"v" * 32),
            egress=default_egress_checker(),
            audit=audit,
            cloud=cloud,
            hash_key=b"h" * 32,
        )
        gold_in_sent: Counter[str] = Counter()
        leaked: Counter[str] = Counter()
        sections_total = sections_sent = 0
        for doc_id, parts in sorted(documents.items()):
            pos, sections = 0, []
            for s in parts:
                sections.append(Section(s.index, "", pos, pos + len(s.text), s.text))
                pos += len(s.text)
            req = DocumentRequest(
                tenant, doc_id.replace("/", "-"), jurisdiction,
                "".join(s.text for s in parts), tuple(sections), "bench",
            )  # fmt: skip
            before = len(cloud.payloads)
            result = await pipeline.route(req, Task("Summarise the key points.", "FUSION"))
            # the caller-derived text that left: instructions and section texts (not the
            # agent's own metadata: "eu-mistral-paris" is configuration, not a leak)
            sent = [cloud_pb2.OrchestrateRequest.FromString(p) for p in cloud.payloads[before:]]
            folded = fold(
                "\n".join(
                    [m.task.instruction for m in sent] + [x.text for m in sent for x in m.sections]
                )
            )
            sections_total += len(parts)
            for outcome, part in zip(result.sections, parts, strict=True):
                if not outcome.status.left:
                    continue
                sections_sent += 1
                for start, end, kind in part.spans:
                    value = fold(part.text[start:end])
                    if len(value) < MIN_CHARS:
                        continue
                    gold_in_sent[kind] += 1
                    if value in folded:
                        leaked[kind] += 1
        await pipeline.close()
    return {
        "documents": len(documents),
        "sections": sections_total,
        "sent": sections_sent,
        "gold_in_sent": gold_in_sent,
        "leaked": leaked,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="onnx", choices=["onnx", "openvino"])
    parser.add_argument("--tenant", default="acme-law")
    parser.add_argument("--jurisdiction", default="EU")
    parser.add_argument(
        "--models", type=Path, default=None, help="artifacts folder (default: the committed build)"
    )
    args = parser.parse_args()
    r = asyncio.run(run(args.backend, args.tenant, args.jurisdiction, args.models))
    gold: Counter[str] = r["gold_in_sent"]  # type: ignore[assignment]
    leaked: Counter[str] = r["leaked"]  # type: ignore[assignment]
    total_gold, total_leaked = sum(gold.values()), sum(leaked.values())
    print(
        f"{r['documents']} documents, {r['sections']} sections routed ({args.tenant}, "
        f"default policy, {args.backend}); {r['sent']} sections sent holding {total_gold} "
        f"gold values; {total_leaked} reached the cloud client "
        f"({100 * total_leaked / max(total_gold, 1):.2f}%)"
    )
    print("| entity type | gold values in sent sections | reached the client |")
    print("|---|---:|---:|")
    for kind in sorted(gold, key=lambda k: -gold[k]):
        print(f"| {kind} | {gold[kind]} | {leaked[kind]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
