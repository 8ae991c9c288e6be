"""Span and category metrics of a ``SectionModel`` on generated samples.

Scored through the run-time model (tokenizer, windows, decoding), not through torch,
so the numbers describe what the agent will actually do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.classify.base import SectionModel
from models.datagen.sample import Sample


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def _prf(tp_p: int, n_pred: int, tp_g: int, n_gold: int) -> dict[str, float]:
    p = tp_p / n_pred if n_pred else 1.0
    r = tp_g / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": n_gold}


def evaluate(
    model: SectionModel, samples: Sequence[Sample], types: Sequence[str], batch: int = 64
) -> dict[str, Any]:
    """Per-type any-overlap and IoU>=0.5 P/R/F1 (``types`` only), category accuracy/macro-F1."""
    results = []
    for k in range(0, len(samples), batch):
        results += model.infer([s.text for s in samples[k : k + batch]])
    counts: dict[str, dict[str, list[int]]] = {
        mode: {t: [0, 0, 0, 0] for t in types} for mode in ("overlap", "iou50")
    }
    cats = sorted({s.category for s in samples})
    conf: dict[tuple[str, str], int] = {}
    correct = 0
    for sample, res in zip(samples, results, strict=True):
        gold = [(s, e, t) for s, e, t in sample.spans if t in types]
        pred = [(x.start, x.end, x.type.value) for x in res.entities if x.type.value in types]
        for mode in ("overlap", "iou50"):

            def match(a: tuple[int, int, str], b: tuple[int, int, str], m: str = mode) -> bool:
                if a[2] != b[2]:
                    return False
                if m == "overlap":
                    return a[0] < b[1] and b[0] < a[1]
                return _iou((a[0], a[1]), (b[0], b[1])) >= 0.5

            for t in types:
                g = [x for x in gold if x[2] == t]
                p = [x for x in pred if x[2] == t]
                c = counts[mode][t]
                c[0] += sum(1 for x in p if any(match(x, y) for y in g))
                c[1] += len(p)
                c[2] += sum(1 for y in g if any(match(x, y) for x in p))
                c[3] += len(g)
        predicted = max(res.category_scores, key=lambda c: res.category_scores[c]).value
        correct += predicted == sample.category
        conf[(sample.category, predicted)] = conf.get((sample.category, predicted), 0) + 1
    f1s = []
    for c in cats:
        tp = conf.get((c, c), 0)
        fp = sum(v for (g, p), v in conf.items() if p == c and g != c)
        fn = sum(v for (g, p), v in conf.items() if g == c and p != c)
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    out: dict[str, Any] = {
        "samples": len(samples),
        "category_accuracy": round(correct / max(1, len(samples)), 4),
        "category_macro_f1": round(sum(f1s) / max(1, len(f1s)), 4),
    }
    for mode in ("overlap", "iou50"):
        per = {t: _prf(*counts[mode][t]) for t in types}
        tot = [sum(counts[mode][t][i] for t in types) for i in range(4)]
        out[mode] = {"micro": _prf(*tot), "per_type": per}
    return out
