"""The artifact manifest: what was built, from what, and the sha256 of every file.

Loading a model first checks every artifact it will read against the manifest, so a
corrupted or swapped file fails closed with ``ModelError`` instead of silently
changing what the agent finds.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bastion.errors import ModelError

MANIFEST_NAME = "manifest.json"
LABELS_NAME = "labels.json"
TOKENIZER_NAME = "tokenizer.json"
ONNX_INT8_NAME = "section.int8.onnx"
OPENVINO_XML_NAME = "section.int8.xml"
OPENVINO_BIN_NAME = "section.int8.bin"


def default_models_dir() -> Path:
    """``$BASTION_MODELS_DIR`` if set, else ``models/artifacts`` of this checkout."""
    env = os.environ.get("BASTION_MODELS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models" / "artifacts"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class LabelMap:
    """What the model's outputs mean, and how the run time must window its input."""

    token_labels: tuple[str, ...]
    categories: tuple[str, ...]
    window_tokens: int
    window_overlap: int
    threshold: float
    case_features: bool = True  # False: the model was trained without case ids
    #: a token next to an entity extends it from this score on (hysteresis); an entity
    #: still needs one token at ``threshold``. ``None``: the same as ``threshold``
    extend_threshold: float | None = None
    #: added to the category logits before the softmax (calibrated on development data by
    #: ``models/calibrate.py``); ``None``: no correction
    category_bias: tuple[float, ...] | None = None

    @property
    def extend_at(self) -> float:
        return self.threshold if self.extend_threshold is None else self.extend_threshold


@dataclass(frozen=True, slots=True)
class Manifest:
    directory: Path
    artifacts: Mapping[str, str]  # file name -> sha256
    raw: Mapping[str, Any]

    def verified_path(self, name: str) -> Path:
        """The path of artifact ``name`` after checking its sha256."""
        expected = self.artifacts.get(name)
        if expected is None:
            raise ModelError(f"model manifest lists no artifact named {name}")
        path = self.directory / name
        if not path.is_file():
            raise ModelError(f"model artifact {name} is missing from {self.directory}")
        actual = sha256_file(path)
        if actual != expected:
            raise ModelError(f"model artifact {name} does not match its manifest sha256")
        return path

    def version(self, name: str) -> str:
        """A short content version of one artifact, for audit entries."""
        return f"{name}@sha256:{self.artifacts[name][:16]}"

    def labels(self) -> LabelMap:
        path = self.verified_path(LABELS_NAME)
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
            return LabelMap(
                token_labels=tuple(str(x) for x in obj["token_labels"]),
                categories=tuple(str(x) for x in obj["categories"]),
                window_tokens=int(obj["window_tokens"]),
                window_overlap=int(obj["window_overlap"]),
                threshold=float(obj["threshold"]),
                case_features=bool(obj.get("case_features", True)),
                extend_threshold=(
                    float(obj["extend_threshold"]) if "extend_threshold" in obj else None
                ),
                category_bias=_bias(obj.get("category_bias"), len(obj["categories"])),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"label map {LABELS_NAME} is invalid ({type(exc).__name__})") from exc


def _bias(value: Any, n: int) -> tuple[float, ...] | None:
    if value is None:
        return None
    bias = tuple(float(x) for x in value)
    if len(bias) != n or not all(math.isfinite(x) for x in bias):
        raise ValueError("category_bias needs one finite number per category")
    return bias


def load_manifest(models_dir: Path | None = None) -> Manifest:
    directory = models_dir if models_dir is not None else default_models_dir()
    path = directory / MANIFEST_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"no model manifest at {path}; run `bastion models build`") from exc
    except (OSError, ValueError) as exc:
        raise ModelError(f"model manifest {path} is unreadable ({type(exc).__name__})") from exc
    artifacts = raw.get("artifacts") if isinstance(raw, dict) else None
    if not isinstance(artifacts, dict):
        raise ModelError(f"model manifest {path} has no artifacts table")
    table: dict[str, str] = {}
    for name, entry in artifacts.items():
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(digest, str) or len(digest) != 64:
            raise ModelError(f"model manifest entry {name} has no valid sha256")
        table[str(name)] = digest
    return Manifest(directory=directory, artifacts=table, raw=raw)
