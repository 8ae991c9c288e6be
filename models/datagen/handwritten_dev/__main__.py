"""``python -m models.datagen.handwritten_dev --out dev.jsonl`` writes the detect input
(``{"id", "text"}`` lines) and ``dev.gold.jsonl`` (``Sample.to_json`` lines)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from models.datagen.handwritten_dev import load


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m models.datagen.handwritten_dev")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    samples = load()
    if args.out is None:
        print(f"{len(samples)} sections")
        print("categories:", dict(Counter(s.category for s in samples)))
        print("locales:", dict(Counter(s.locale for s in samples)))
        print("types:", dict(Counter(t for s in samples for *_, t in s.spans)))
        return 0
    gold = args.out.with_name(args.out.name.removesuffix(".jsonl") + ".gold.jsonl")
    with args.out.open("w", encoding="utf-8") as f, gold.open("w", encoding="utf-8") as g:
        for s in samples:
            f.write(json.dumps({"id": s.id, "text": s.text}, ensure_ascii=False) + "\n")
            g.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
    print(f"wrote {len(samples)} sections to {args.out} and {gold}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
