"""Local section models: category + model-found entities in one encoder pass.

    model = load_model(backend="onnx")          # or "openvino"
    results = model.infer(["text of a section", ...])

``load_model`` verifies every artifact it reads against ``manifest.json`` (sha256) and
raises ``ModelError`` when anything is missing, altered or unloadable: callers fail
closed.
"""

from __future__ import annotations

from pathlib import Path

from agent.classify import onnx_backend, openvino_backend
from agent.classify.base import ModelResult, SectionModel
from agent.classify.features import load_tokenizer
from agent.classify.manifest import (
    ONNX_INT8_NAME,
    OPENVINO_BIN_NAME,
    OPENVINO_XML_NAME,
    TOKENIZER_NAME,
    load_manifest,
)
from agent.classify.runner import RunFn, WindowedModel
from bastion.errors import ModelError

__all__ = ["BACKENDS", "ModelResult", "SectionModel", "backend_available", "load_model"]

BACKENDS = ("onnx", "openvino")


def backend_available(backend: str) -> bool:
    """True when the runtime package of ``backend`` is installed."""
    if backend == "onnx":
        return onnx_backend.is_available()
    if backend == "openvino":
        return openvino_backend.is_available()
    return False


def load_model(
    backend: str = "onnx",
    models_dir: Path | None = None,
    *,
    precision: str = "f32",
    threads: int = 0,
) -> SectionModel:
    """Load the verified INT8 section model for ``backend``.

    ``precision`` applies to OpenVINO only (``f32`` or ``bf16``); ``threads`` 0 lets the
    runtime use every core, an explicit count is for one of several worker processes
    (OpenVINO then does not pin threads to cores).
    """
    if backend not in BACKENDS:
        raise ModelError(f"unknown model backend {backend!r} (expected one of {BACKENDS})")
    if not backend_available(backend):
        raise ModelError(f"model backend {backend!r} is not installed")
    manifest = load_manifest(models_dir)
    labels = manifest.labels()
    try:
        tokenizer = load_tokenizer(manifest.verified_path(TOKENIZER_NAME))
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"cannot load tokenizer ({type(exc).__name__})") from exc
    run: RunFn
    if backend == "onnx":
        run = onnx_backend.OnnxRunner(manifest.verified_path(ONNX_INT8_NAME), threads=threads)
        version = manifest.version(ONNX_INT8_NAME)
    else:
        manifest.verified_path(OPENVINO_BIN_NAME)
        xml = manifest.verified_path(OPENVINO_XML_NAME)
        run = openvino_backend.OpenVinoRunner(xml, precision=precision, threads=threads)
        version = manifest.version(OPENVINO_XML_NAME)
    return WindowedModel(tokenizer, labels, run, version)
