"""Calibrate a build's category head: one logit offset per category, chosen on
development data, written into its ``labels.json`` (``category_bias``) and manifest.

    python -m models.calibrate [--models models/artifacts] [--dev-samples 600]

Why: the category head learns the generator's sections. On text the generator never
wrote (issue 18) it withheld public sections (recall 0.37, read as internal, confidential
or health) and, less often, chose a category that a policy treats less strictly than the
true one. Both are shifts of its decision boundaries, which an offset per category moves
back without retraining (the entities are untouched).

The offsets are chosen on development sets, weighted equally: a sample of the
generated dev split (the training distribution), ``models/datagen/handwritten_dev``
(text written by hand in other registers) and, since round 3, a sample of generated dev
task instructions (``--instruction-samples``; the agent classifies the instruction with
the same head; on it, a false withhold rate above 2% - benign requests read as a
category the default policy keeps local or sends to review - is penalised like a
downgrade rate). Never the test split, never the held-out prose corpus, never the
hand-written instruction set. The objective, per set, is macro-F1 plus a bonus for
public recall up to 0.85, minus a steep penalty for every point of downgrade rate above
1% (the share of sections predicted less sensitive than they are;
``agent.domain.Category.sensitivity``), minus a small L2 penalty on the offsets (41
hand-written sections must not carry seven free numbers far). Coordinate search over a
grid, three rounds; deterministic.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

GRID = tuple(round(x * 0.25, 2) for x in range(-12, 13))  # -3.0 .. 3.0
ROUNDS = 3
DOWNGRADE_BOUND = 0.01
DOWNGRADE_PENALTY = 10.0  # per unit of rate above the bound (0.1 per point)
PUBLIC_TARGET = 0.85
PUBLIC_WEIGHT = 0.5
L2 = 0.005
#: task instructions: a benign one (gold public or internal) predicted as a category the
#: default policy keeps local or sends to review withholds the whole request
WITHHOLDING = ("privileged", "financial_personal", "hr")
WITHHOLD_BOUND = 0.02
WITHHOLD_PENALTY = 10.0  # per unit of false withhold rate above the bound

Scored = tuple[np.ndarray, np.ndarray]  # (log-probabilities [N, C], gold indices [N])
#: a set scored as instructions: also a boolean [C] of the categories that withhold
Instructions = tuple[np.ndarray, np.ndarray, np.ndarray]


def objective(
    bias: np.ndarray, sets: Sequence[Scored | Instructions], sensitivity: np.ndarray
) -> float:
    """The mean over ``sets`` of macro-F1 + public bonus - downgrade penalty (- the false
    withhold penalty on instruction sets), minus L2."""
    total = 0.0
    for scored in sets:
        logp, gold = scored[0], scored[1]
        pred = (logp + bias).argmax(axis=1)
        total += _set_score(pred, gold, sensitivity, logp.shape[1])
        if len(scored) == 3:
            withholds = scored[2]  # type: ignore[misc]
            benign = sensitivity[gold] <= 1
            rate = float(withholds[pred[benign]].mean()) if benign.any() else 0.0
            total -= WITHHOLD_PENALTY * max(0.0, rate - WITHHOLD_BOUND)
    return total / len(sets) - L2 * float((bias**2).sum())


def _set_score(pred: np.ndarray, gold: np.ndarray, sensitivity: np.ndarray, n: int) -> float:
    f1s = []
    for c in range(n):
        tp = int(((pred == c) & (gold == c)).sum())
        n_p, n_g = int((pred == c).sum()), int((gold == c).sum())
        if not n_p and not n_g:
            continue
        p = tp / n_p if n_p else 0.0
        r = tp / n_g if n_g else 0.0
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    macro = sum(f1s) / len(f1s) if f1s else 0.0
    public = gold == 0
    recall = float((pred[public] == 0).mean()) if public.any() else 1.0
    down = float((sensitivity[pred] < sensitivity[gold]).mean())
    return (
        macro
        + PUBLIC_WEIGHT * min(recall, PUBLIC_TARGET)
        - DOWNGRADE_PENALTY * max(0.0, down - DOWNGRADE_BOUND)
    )


def tune_bias(
    sets: Sequence[Scored | Instructions], sensitivity: np.ndarray
) -> tuple[np.ndarray, float]:
    """Coordinate search: each category's offset over ``GRID`` in turn, ``ROUNDS`` times
    (ties keep the smaller offset, so nothing moves without a gain)."""
    n = sets[0][0].shape[1]
    bias = np.zeros(n, dtype=np.float64)
    best = objective(bias, sets, sensitivity)
    for _ in range(ROUNDS):
        for c in range(n):
            for value in sorted(GRID, key=abs):
                trial = bias.copy()
                trial[c] = value
                score = objective(trial, sets, sensitivity)
                if score > best + 1e-9:
                    bias, best = trial, score
    return bias, best


def category_logp(model: Any, samples: Sequence[Any], categories: Sequence[str]) -> Scored:
    """The uncalibrated model's category log-probabilities and the gold indices."""
    rows = []
    for i in range(0, len(samples), 64):
        for res in model.infer([s.text for s in samples[i : i + 64]]):
            scores = {str(k): v for k, v in res.category_scores.items()}
            rows.append([np.log(max(scores[c], 1e-9)) for c in categories])
    gold = [categories.index(s.category) for s in samples]
    return np.asarray(rows, dtype=np.float64), np.asarray(gold, dtype=np.int64)


def report(
    bias: np.ndarray, sets: dict[str, Scored | Instructions], sensitivity: np.ndarray
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, scored in sets.items():
        logp, gold = scored[0], scored[1]
        for label, b in (("before", np.zeros_like(bias)), ("after", bias)):
            pred = (logp + b).argmax(axis=1)
            public = gold == 0
            out[f"{name}_{label}"] = {
                "accuracy": round(float((pred == gold).mean()), 4),
                **(
                    {
                        "false_withhold_rate": round(
                            float(scored[2][pred[sensitivity[gold] <= 1]].mean()),  # type: ignore[misc]
                            4,
                        )
                    }
                    if len(scored) == 3
                    else {}
                ),
                "public_recall": round(float((pred[public] == 0).mean()), 4)
                if public.any()
                else None,
                "downgrade_rate": round(float((sensitivity[pred] < sensitivity[gold]).mean()), 4),
            }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from agent.classify import manifest as mf
    from agent.classify.features import load_tokenizer
    from agent.classify.onnx_backend import OnnxRunner
    from agent.classify.runner import WindowedModel
    from agent.domain import Category
    from models.datagen import generate
    from models.datagen.generate import generate_instructions
    from models.datagen.handwritten_dev import load as load_handwritten

    p = argparse.ArgumentParser(prog="python -m models.calibrate", description=__doc__)
    p.add_argument("--models", type=Path, default=REPO / "models" / "artifacts")
    p.add_argument("--dev-samples", type=int, default=600)
    p.add_argument("--seed", type=int, default=4321)
    p.add_argument(
        "--instruction-samples",
        type=int,
        default=600,
        help="generated dev task instructions as a third set (0: sections only)",
    )
    args = p.parse_args(argv)

    manifest = mf.load_manifest(args.models)
    labels = dataclasses.replace(manifest.labels(), category_bias=None)
    tokenizer = load_tokenizer(manifest.verified_path(mf.TOKENIZER_NAME))
    run = OnnxRunner(manifest.verified_path(mf.ONNX_INT8_NAME))
    model = WindowedModel(tokenizer, labels, run, "calibrate")
    cats = list(labels.categories)
    sensitivity = np.asarray([Category(c).sensitivity for c in cats], dtype=np.int64)
    sets: dict[str, Scored | Instructions] = {
        "generated_dev": category_logp(model, generate("dev", args.dev_samples, args.seed), cats),
        "handwritten_dev": category_logp(model, load_handwritten(), cats),
    }
    if args.instruction_samples:
        logp, gold = category_logp(
            model, generate_instructions("dev", args.instruction_samples, args.seed), cats
        )
        withholds = np.asarray([c in WITHHOLDING for c in cats])
        sets["generated_instructions_dev"] = (logp, gold, withholds)
    bias, score = tune_bias(list(sets.values()), sensitivity)
    table = report(bias, sets, sensitivity)
    for k, v in table.items():
        print(f"{k}: {v}", file=sys.stderr)
    print(f"category_bias {dict(zip(cats, bias.round(2).tolist(), strict=True))}", file=sys.stderr)

    labels_path = args.models / mf.LABELS_NAME
    obj = json.loads(labels_path.read_text(encoding="utf-8"))
    obj["category_bias"] = [round(float(x), 2) for x in bias]
    labels_path.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")
    mpath = args.models / mf.MANIFEST_NAME
    raw = json.loads(mpath.read_text(encoding="utf-8"))
    data = labels_path.read_bytes()
    raw["artifacts"][mf.LABELS_NAME] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    raw["category_calibration"] = {
        "method": "per-category logit offsets, coordinate search (models/calibrate.py)",
        "dev_sets": {
            "generated_dev": {"split": "dev", "n": args.dev_samples, "seed": args.seed},
            "handwritten_dev": {"n": int(sets["handwritten_dev"][1].shape[0])},
            **(
                {
                    "generated_instructions_dev": {
                        "n": args.instruction_samples,
                        "seed": args.seed,
                    }
                }
                if args.instruction_samples
                else {}
            ),
        },
        "objective": score,
        "bias": obj["category_bias"],
        "figures": table,
    }
    mpath.write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {labels_path} and {mpath}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
