"""Record every entity the pattern engine finds on a fixed set of texts, or compare with a
record made earlier: a speed change to ``agent/recognize`` or ``agent/split`` must not
change what is found.

    python scripts/recognize_fingerprint.py --out before.json      # on the old code
    python scripts/recognize_fingerprint.py --compare before.json  # on the new code

The texts: generated sections (``models.datagen``, test and dev splits), the sample
documents under ``examples/documents`` split as the agent splits them, the test vectors
under ``tests/vectors/recognize`` (each line alone and each file whole), and small
pathological texts (digit columns, hex ids, repeated separators, long tokens) of a size
the old, quadratic code still finishes. Exit 1 on any difference, naming the text.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.recognize import PatternEngine  # noqa: E402
from agent.split import split_document  # noqa: E402
from models.datagen import generate  # noqa: E402


def small_pathological(size: int, seed: int) -> dict[str, str]:
    rng = random.Random(seed)

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    def fill(line: object) -> str:
        parts: list[str] = []
        total = 0
        while total < size:
            piece = line() if callable(line) else str(line)
            parts.append(piece)
            total += len(piece)
        return "".join(parts)[:size]

    return {
        "digit-column": fill(lambda: digits(rng.randint(4, 20)) + "\n"),
        "card-column": fill(lambda: "4111 1111 1111 1111\n"),
        "hex-ids": fill(lambda: "".join(rng.choice("0123456789abcdef") for _ in range(32)) + "\n"),
        "separators": fill(lambda: rng.choice(["-", ".", " ", "_", "/", ":", "\n"])),
        "long-token": fill(lambda: rng.choice("abcdefABCDEF0123456789+/_-")),
        "digits-and-dashes": fill(lambda: digits(rng.randint(1, 4)) + rng.choice("- .\n")),
        "short-lines": fill(lambda: rng.choice(["a", "1", "x1", "ab", "9"]) + "\n"),
    }


def texts() -> dict[str, str]:
    out: dict[str, str] = {}
    for split, seed, n in (("test", 7, 700), ("dev", 13, 700)):
        for i, sample in enumerate(generate(split=split, n=n, seed=seed)):
            out[f"datagen/{split}/{seed}/{i}"] = sample.text
    for path in sorted((ROOT / "examples" / "documents").rglob("*.txt")):
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        out[name] = text
        for j, section in enumerate(split_document(text)):
            out[f"{name}#{j}"] = section.text
    for path in sorted((ROOT / "tests" / "vectors" / "recognize").glob("*.txt")):
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        out[name] = text
        for j, line in enumerate(text.splitlines()):
            out[f"{name}:{j}"] = line
    for seed, size in ((1, 3000), (2, 6000)):
        for kind, text in small_pathological(size, seed).items():
            out[f"pathological/{kind}/{size}"] = text
    return out


def fingerprint() -> dict[str, list[list[object]]]:
    engine = PatternEngine.default()
    return {
        name: [[e.type.value, e.start, e.end, round(e.score, 6), e.source]
               for e in engine.entities(text)]
        for name, text in texts().items()
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path, help="write the record here")
    group.add_argument("--compare", type=Path, help="compare with this record")
    args = parser.parse_args(argv)
    found = fingerprint()
    n_entities = sum(len(v) for v in found.values())
    if args.out:
        args.out.write_text(json.dumps(found, sort_keys=True))
        print(f"{len(found)} texts, {n_entities} entities -> {args.out}")
        return 0
    before = json.loads(args.compare.read_text())
    differ = sorted(k for k in before.keys() | found.keys() if before.get(k) != found.get(k))
    for name in differ[:20]:
        print(f"differs: {name}")
    print(f"{len(found)} texts, {n_entities} entities, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
