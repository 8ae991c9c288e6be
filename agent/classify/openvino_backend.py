"""OpenVINO backend: the NNCF static INT8 IR.

The inference precision is set explicitly: on CPUs with AMX/AVX-512 BF16 OpenVINO
otherwise computes in bf16, which changes results against the ONNX Runtime backend.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from agent.classify.decode import FloatArray
from agent.classify.features import Batch
from bastion.errors import ModelError

PRECISIONS = ("f32", "bf16")


def is_available() -> bool:
    return importlib.util.find_spec("openvino") is not None


class OpenVinoRunner:
    """Callable ``batch -> (token_logits, category_logits)`` over one compiled model."""

    def __init__(self, xml_path: Path, precision: str = "f32", threads: int = 0) -> None:
        if not is_available():
            raise ModelError("the openvino backend needs the openvino package")
        if precision not in PRECISIONS:
            raise ModelError(f"unknown OpenVINO precision {precision!r}")
        import openvino as ov

        config: dict[str, str] = {
            "INFERENCE_PRECISION_HINT": precision,
            "PERFORMANCE_HINT": "LATENCY",
        }
        if threads:
            # An explicit thread count is what each of several worker processes asks for
            # (``agent.detect.parallel``). With pinning on, every process pins its threads
            # to the cores it picks, not knowing about the others, and they land on the same
            # core: two 1-thread processes then share one core and throughput halves.
            config["INFERENCE_NUM_THREADS"] = str(threads)
            config["ENABLE_CPU_PINNING"] = "NO"
        try:
            core = ov.Core()
            model = core.read_model(str(xml_path))
            self._compiled = core.compile_model(model, "CPU", config)
            self._request = self._compiled.create_infer_request()
        except Exception as exc:
            raise ModelError(f"cannot load OpenVINO model ({type(exc).__name__})") from exc
        self._tok = self._compiled.output("token_logits")
        self._cat = self._compiled.output("category_logits")
        self._lock = threading.Lock()  # one infer request: calls must not interleave

    def __call__(self, batch: Batch) -> tuple[FloatArray, FloatArray]:
        with self._lock:
            out = self._request.infer(batch.inputs())
            return (
                np.array(out[self._tok], dtype=np.float32),
                np.array(out[self._cat], dtype=np.float32),
            )
