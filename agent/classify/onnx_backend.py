"""ONNX Runtime backend: the per-channel dynamic INT8 model."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from agent.classify.decode import FloatArray
from agent.classify.features import Batch
from bastion.errors import ModelError


def is_available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


class OnnxRunner:
    """Callable ``batch -> (token_logits, category_logits)`` over one ORT session."""

    def __init__(self, path: Path, threads: int = 0) -> None:
        if not is_available():
            raise ModelError("the onnx backend needs the onnxruntime package")
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ModelError(f"cannot load ONNX model ({type(exc).__name__})") from exc

    def __call__(self, batch: Batch) -> tuple[FloatArray, FloatArray]:
        tok, cat = self._session.run(["token_logits", "category_logits"], batch.inputs())
        return np.asarray(tok, dtype=np.float32), np.asarray(cat, dtype=np.float32)
