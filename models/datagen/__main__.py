"""``python -m models.datagen --split test --n 500 --seed 7 --out FILE.jsonl``

Writes ``FILE.jsonl`` with ``bastion detect`` input lines (``{"id", "text"}``) and, next
to it, ``FILE.gold.jsonl`` with the full samples (spans, category, kind, locale). With
``--gold-only`` or ``--out -`` the full samples go to the given file / stdout instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from models.datagen.generate import SPLITS, generate


def gold_path(out: Path) -> Path:
    name = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(name + ".gold.jsonl")


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
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("--n must be >= 0")
    samples = generate(split=args.split, n=args.n, seed=args.seed)
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
    raise SystemExit(main())
