"""``python -m models.datagen --split test --n 500 --seed 7 --out FILE.jsonl``

Writes ``FILE.jsonl`` with ``bastion detect`` input lines (``{"id", "text"}``) and, next
to it, ``FILE.gold.jsonl`` with the full samples (spans, category, kind, locale). With
``--gold-only`` or ``--out -`` the full samples go to the given file / stdout instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from models.datagen.generate import SPLITS, generate
from models.datagen.sample import Sample


def gold_path(out: Path) -> Path:
    name = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(name + ".gold.jsonl")


def print_stats(samples: list[Sample]) -> None:
    """Counts that show whether a split covers every type, category, kind and locale."""
    tables = {
        "entity types": Counter(t for s in samples for _, _, t in s.spans),
        "categories": Counter(s.category for s in samples),
        "kinds": Counter(s.kind for s in samples),
        "locales": Counter(s.locale for s in samples),
    }
    chars = sum(len(s.text) for s in samples)
    print(f"{len(samples)} sections, {chars} chars, {sum(len(s.spans) for s in samples)} spans")
    print(f"sections without any span: {sum(not s.spans for s in samples)}")
    for title, counts in tables.items():
        print(f"\n{title}:")
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {key:<28} {n}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m models.datagen", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--split", choices=SPLITS, default="train")
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--out", default="-", help="input JSONL for `bastion detect` ('-': full samples to stdout)"
    )
    parser.add_argument(
        "--gold", default=None, help="gold file path (default: OUT with .gold.jsonl)"
    )
    parser.add_argument(
        "--stats", action="store_true", help="print counts per type, category, kind, locale"
    )
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("--n must be >= 0")
    samples = generate(split=args.split, n=args.n, seed=args.seed)
    if args.stats:
        print_stats(samples)
        return 0
    if args.out == "-":
        for s in samples:
            sys.stdout.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
        return 0
    out = Path(args.out)
    gold = Path(args.gold) if args.gold else gold_path(out)
    with out.open("w", encoding="utf-8") as f_in, gold.open("w", encoding="utf-8") as f_gold:
        for s in samples:
            f_in.write(json.dumps({"id": s.id, "text": s.text}, ensure_ascii=False) + "\n")
            f_gold.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
    print(f"wrote {len(samples)} samples to {out} and gold to {gold}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        raise SystemExit(0) from None
