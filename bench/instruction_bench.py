"""How the detection engine classifies task instructions, before and after, in one run.

    python -m bench.instruction_bench [--models NAME=DIR ...] [--backend onnx]
                                      [--dev-samples 600] [--json FILE] [--no-docs]

The agent decides the task instruction like a section: if the policy keeps it local,
nothing of the request leaves (``WITHHELD_INSTRUCTION``). Scored on the hand-written
instruction set (``bench/corpus/instructions``, evaluation only) and, for reference, on a
generated dev sample of instructions (``models.datagen.generate_instructions("dev")``,
the training distribution):

* **category accuracy** (all entries; the 193 written for the set; the brief's 15);
* **false withhold rate**: the share of benign instructions (gold internal or public)
  predicted as a category the default policy keeps local or sends to review
  (privileged, financial_personal, hr; ``policies/default.yaml``): the whole request is
  then withheld for nothing;
* **benign read as health** and **as confidential**: the default policy lets health
  leave only to a destination with a HIPAA BAA (so never for acme-law or northbank) and
  confidential only to zero-retention destinations;
* **downgrade rate** on sensitive instructions: predicted less sensitive than the gold
  category (``Category.sensitivity``, as ``bench.detect_bench``), and the share of them
  predicted benign (internal or public);
* entities: strict and any-overlap precision/recall, leaked values (``bench.detect_bench
  .evaluate``), and false PERSON/LOCATION/ORGANIZATION spans on the request's first word.

Systems: every ``--models NAME=DIR`` (default: ``committed=models/artifacts``), each run
through today's engine; with ``--without-rule NAME`` also that model with the request-verb
rule of ``agent.detect.imperatives`` switched off (the engine as it was before it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "benchmarks.md"
BEGIN, END = "<!-- instructions:begin -->", "<!-- instructions:end -->"
WITHHELD = frozenset({"privileged", "financial_personal", "hr"})
BENIGN = frozenset({"public", "internal"})
NAME_TYPES = frozenset({"PERSON", "LOCATION", "ORGANIZATION"})


@contextlib.contextmanager
def rule_switched_off() -> Iterator[None]:
    """The merge without the request-verb rule (the engine before it)."""
    import importlib

    merge = importlib.import_module("agent.detect.merge")  # the package exports merge()
    saved = merge.without_leading_imperative
    merge.without_leading_imperative = lambda text, ent: ent
    try:
        yield
    finally:
        merge.without_leading_imperative = saved


def analyse(engine: Any, texts: Sequence[str], rule: bool) -> list[dict[str, Any]]:
    ctx = contextlib.nullcontext() if rule else rule_switched_off()
    with ctx:
        analyses = engine.analyze(list(texts))
    return [
        {
            "category": a.category.value,
            "scores": {
                str(k.value if hasattr(k, "value") else k): v for k, v in a.category_scores.items()
            },
            "spans": [(e.start, e.end, e.type.value) for e in a.entities],
        }
        for a in analyses
    ]


def score(
    samples: Sequence[Any], preds: Sequence[dict[str, Any]], sources: Sequence[str]
) -> dict[str, Any]:
    from bench.detect_bench import SENSITIVITY, Prediction, evaluate

    gold = [s.category for s in samples]
    pred = [p["category"] for p in preds]
    benign = [i for i, g in enumerate(gold) if g in BENIGN]
    sensitive = [i for i, g in enumerate(gold) if g not in BENIGN]
    withheld = [i for i in benign if pred[i] in WITHHELD]
    confidential = [i for i in benign if pred[i] == "confidential"]
    health = [i for i in benign if pred[i] == "health"]
    down = [i for i in sensitive if SENSITIVITY[pred[i]] < SENSITIVITY[gold[i]]]
    to_benign = [i for i in sensitive if pred[i] in BENIGN]

    def acc(idx: Sequence[int]) -> float | None:
        return sum(gold[i] == pred[i] for i in idx) / len(idx) if idx else None

    ents = evaluate(list(samples), [Prediction(p["spans"], p["category"]) for p in preds])
    first_word_names = 0
    for s, p in zip(samples, preds, strict=True):
        gold_spans = {(a, b) for a, b, _ in s.spans}
        for a, b, t in p["spans"]:
            if t in NAME_TYPES and (a, b) not in gold_spans and not s.text[:a].strip(" -*•\t"):
                first_word_names += 1
    by_lang: dict[str, dict[str, Any]] = {}
    for lang in sorted({s.locale for s in samples}):
        idx = [i for i, s in enumerate(samples) if s.locale == lang]
        b = [i for i in idx if i in set(benign)]
        by_lang[lang] = {
            "n": len(idx),
            "accuracy": acc(idx),
            "false_withholds": sum(pred[i] in WITHHELD for i in b),
            "benign": len(b),
            "downgrades": sum(i in set(down) for i in idx),
        }
    confusion = Counter(f"{gold[i]}->{pred[i]}" for i in range(len(gold)) if gold[i] != pred[i])
    return {
        "n": len(samples),
        "n_benign": len(benign),
        "n_sensitive": len(sensitive),
        "accuracy": acc(range(len(gold))),
        "accuracy_handwritten": acc([i for i, src in enumerate(sources) if src != "brief"]),
        "accuracy_brief": acc([i for i, src in enumerate(sources) if src == "brief"]),
        "benign_accepted": (len(benign) - sum(pred[i] not in BENIGN for i in benign)) / len(benign)
        if benign
        else None,
        "false_withhold_rate": len(withheld) / len(benign) if benign else None,
        "false_withholds": [samples[i].id for i in withheld],
        "benign_as_confidential": len(confidential) / len(benign) if benign else None,
        "benign_as_health": len(health) / len(benign) if benign else None,
        "downgrade_rate": len(down) / len(sensitive) if sensitive else None,
        "downgrades": [f"{samples[i].id}: {gold[i]}->{pred[i]}" for i in down],
        "sensitive_as_benign": len(to_benign) / len(sensitive) if sensitive else None,
        "per_category_recall": {
            c: acc([i for i in range(len(gold)) if gold[i] == c]) for c in sorted(set(gold))
        },
        "confusions": confusion.most_common(8),
        "entities": {
            "p_strict": ents["strict"]["p"],
            "r_strict": ents["strict"]["r"],
            "p_any": ents["any"]["p"],
            "r_any": ents["any"]["r"],
            "leak_values": ents["leak_values"],
            "n_gold": sum(len(s.spans) for s in samples),
            "false_name_on_first_word": first_word_names,
        },
        "by_language": by_lang,
    }


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def render(results: dict[str, dict[str, Any]], command: str, notes: Sequence[str]) -> str:
    out = [
        "## Task instructions (hand-written set)",
        "",
        f"Command: `{command}`.",
        "",
    ]
    for set_name, per in results.items():
        first = next(iter(per.values()))
        out += [
            f"### {set_name} ({first['n']} instructions: {first['n_benign']} benign, "
            f"{first['n_sensitive']} sensitive)",
            "",
            "| system | cat acc | acc (written) | acc (brief) | false withhold | benign -> "
            "health | benign -> confidential | downgrade | sensitive -> benign | ent P strict "
            "| ent R strict | ent R any | leak values | false name on 1st word |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for system, m in per.items():
            e = m["entities"]
            out.append(
                f"| {system} | {_f(m['accuracy'])} | {_f(m['accuracy_handwritten'])} | "
                f"{_f(m['accuracy_brief'])} | {_pct(m['false_withhold_rate'])} | "
                f"{_pct(m['benign_as_health'])} | {_pct(m['benign_as_confidential'])} | "
                f"{_pct(m['downgrade_rate'])} | "
                f"{_pct(m['sensitive_as_benign'])} | {_f(e['p_strict'])} | {_f(e['r_strict'])} | "
                f"{_f(e['r_any'])} | {_pct(e['leak_values'])} | {e['false_name_on_first_word']} |"
            )
        out.append("")
        for system, m in per.items():
            rec = ", ".join(f"{c} {_f(v)}" for c, v in m["per_category_recall"].items())
            conf = ", ".join(f"{k} ({v})" for k, v in m["confusions"])
            out.append(f"- {system}: recall per category: {rec}; confusions: {conf or 'none'}")
            if m["false_withholds"] and len(m["false_withholds"]) <= 12:
                out.append(f"  - false withholds: {', '.join(m['false_withholds'])}")
            if m["downgrades"] and len(m["downgrades"]) <= 12:
                out.append(f"  - downgrades: {', '.join(m['downgrades'])}")
            langs = ", ".join(
                f"{k} {_f(v['accuracy'])} ({v['false_withholds']}/{v['benign']} withheld)"
                for k, v in m["by_language"].items()
            )
            out.append(f"  - by language (accuracy, false withholds): {langs}")
        out.append("")
    out += [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


def write_docs(section: str) -> None:
    block = f"{BEGIN}\n{section}{END}"
    text = DOCS.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.instruction_bench", description=__doc__)
    p.add_argument("--models", action="append", default=[], metavar="NAME=DIR")
    p.add_argument("--without-rule", action="append", default=[], metavar="NAME")
    p.add_argument("--backend", default="onnx", choices=("onnx", "openvino"))
    p.add_argument("--dev-samples", type=int, default=600)
    p.add_argument("--dev-seed", type=int, default=2468)
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--no-docs", action="store_true")
    args = p.parse_args(argv)

    from agent.detect import load_engine
    from bench.corpus.instructions import load_instructions, to_samples
    from models.datagen.generate import generate_instructions

    models = dict(m.split("=", 1) for m in args.models) or {
        "committed": str(REPO / "models" / "artifacts")
    }
    sets: dict[str, tuple[list[Any], list[str]]] = {
        "hand-written instruction set": (
            to_samples(),
            [i.source for i in load_instructions()],
        ),
    }
    if args.dev_samples:
        dev = generate_instructions("dev", args.dev_samples, args.dev_seed)
        sets[f"generated dev instructions (seed {args.dev_seed})"] = (dev, ["dev"] * len(dev))
    systems: list[tuple[str, str, bool]] = []
    for name, d in models.items():
        if name in args.without_rule:
            systems.append((f"{name}, without the verb rule", d, False))
        systems.append((name, d, True))
    results: dict[str, dict[str, Any]] = {s: {} for s in sets}
    predictions: dict[str, dict[str, Any]] = {}
    engines: dict[str, Callable[[], Any]] = {}
    for label, d, rule in systems:
        engine = engines.get(d)
        if engine is None:
            engine = load_engine(args.backend, Path(d))
            engines[d] = engine
        for set_name, (samples, sources) in sets.items():
            preds = analyse(engine, [s.text for s in samples], rule)
            results[set_name][label] = score(samples, preds, sources)
            predictions[f"{set_name}|{label}"] = {
                s.id: {"gold": s.category, "pred": pr["category"]}
                for s, pr in zip(samples, preds, strict=True)
            }
            m = results[set_name][label]
            print(
                f"{set_name}: {label}: acc {_f(m['accuracy'])} false withhold "
                f"{_pct(m['false_withhold_rate'])} downgrade {_pct(m['downgrade_rate'])}",
                file=sys.stderr,
            )
    command = "python -m bench.instruction_bench " + " ".join(
        [f"--models {n}={d}" for n, d in models.items()]
        + [f"--without-rule {n}" for n in args.without_rule]
        + ([f"--backend {args.backend}"] if args.backend != "onnx" else [])
    )
    notes = [
        f"Engine: {args.backend} INT8, model + recognizers + today's merge rules, one analyze() "
        "call per set, every system in the same run.",
        "false withhold = benign (gold internal/public) predicted privileged, "
        "financial_personal or hr (kept local or sent to review by the default policy: the "
        "whole request is withheld); downgrade = sensitive predicted with a lower "
        "Category.sensitivity; false name on 1st word = a PERSON/LOCATION/ORGANIZATION span "
        "not in the gold that starts the instruction or a bullet.",
    ]
    section = render(results, command, notes)
    print(section)
    if args.json:
        args.json.write_text(
            json.dumps({"results": results, "predictions": predictions}, indent=1),
            encoding="utf-8",
        )
    if not args.no_docs:
        write_docs(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
