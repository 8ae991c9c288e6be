"""Compare builds on development data only: what a build is chosen on.

    python -m bench.dev_compare --models NAME=DIR [--models NAME=DIR ...] [--json FILE]

Three development sets, never the test split, the prose corpus or the hand-written
instruction set (those are measured once, after the choice, by ``bench.detect_bench`` and
``bench.instruction_bench``):

* a generated dev sample of sections (``generate("dev", 400, 77)``, as round 2 chose on);
* the hand-written dev set (``models/datagen/handwritten_dev``, 41 sections);
* a generated dev sample of task instructions (``generate_instructions("dev", 600, 2468)``).

Sections: strict precision, any-overlap recall, leaked values, category macro-F1, public
recall, downgrade rate (``bench.detect_bench`` definitions). Instructions: category
accuracy, false withhold rate, downgrade rate (``bench.instruction_bench``). ONNX INT8
engine with today's merge rules, every build in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.dev_compare", description=__doc__)
    p.add_argument("--models", action="append", required=True, metavar="NAME=DIR")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)

    from agent.detect import load_engine
    from bench.detect_bench import Prediction, evaluate, headline
    from bench.instruction_bench import analyse, score
    from models.datagen import generate
    from models.datagen.generate import generate_instructions
    from models.datagen.handwritten_dev import load as load_handwritten

    sections = {
        "generated dev (seed 77, 400)": generate("dev", 400, 77),
        "hand-written dev (41)": load_handwritten(),
    }
    instructions = generate_instructions("dev", 600, 2468)
    rows: list[str] = [
        "| build | set | P strict | R any | leak values | cat macro-F1 | public recall "
        "| downgrades |",
        "|---|---|---|---|---|---|---|---|",
    ]
    irows: list[str] = [
        "| build | instr. accuracy | false withhold | downgrade | sensitive -> benign |",
        "|---|---|---|---|---|",
    ]
    out: dict[str, Any] = {}
    for spec in args.models:
        name, d = spec.split("=", 1)
        engine = load_engine("onnx", Path(d))
        for set_name, samples in sections.items():
            analyses = engine.analyze([s.text for s in samples])
            preds = [
                Prediction([(e.start, e.end, e.type.value) for e in a.entities], a.category.value)
                for a in analyses
            ]
            h = headline(evaluate(samples, preds))
            out[f"{name} | {set_name}"] = h
            rows.append(
                f"| {name} | {set_name} | {h['p_strict']:.3f} | {h['r_any']:.3f} | "
                f"{100 * h['leak_values']:.2f}% | {h['macro_f1']:.3f} | {h['public_recall']:.3f} | "
                f"{100 * h['downgrade_rate']:.2f}% |"
            )
        m = score(
            instructions, analyse(engine, [s.text for s in instructions], True), ["dev"] * 600
        )
        out[f"{name} | instructions"] = {k: v for k, v in m.items() if k != "by_language"}
        irows.append(
            f"| {name} | {m['accuracy']:.3f} | {100 * m['false_withhold_rate']:.1f}% | "
            f"{100 * m['downgrade_rate']:.1f}% | {100 * m['sensitive_as_benign']:.1f}% |"
        )
        print(f"done {name}", file=sys.stderr)
    print("\n".join(rows))
    print()
    print("\n".join(irows))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
