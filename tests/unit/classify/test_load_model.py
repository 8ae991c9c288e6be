"""Real inference on the committed artifacts (ONNX Runtime and OpenVINO), and the
manifest checks that make a tampered or missing artifact fail closed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.classify import ModelResult, backend_available, load_model
from agent.classify.base import SectionModel
from agent.classify.manifest import (
    LABELS_NAME,
    MANIFEST_NAME,
    ONNX_INT8_NAME,
    OPENVINO_BIN_NAME,
    default_models_dir,
)
from agent.domain import Category, EntityType
from bastion.errors import ModelError

TEXTS = [
    "Dear Dr. Margaret Okafor, thank you for referring Mr. Thomas Brennan, born "
    "14 March 1962, to the cardiology clinic at St. Vincent's Hospital, 45 Eccles Street, "
    "Dublin. His hospital number is MRN 44817263.",
    "Board minutes: Northwind Capital agreed to acquire Helios Data GmbH for EUR 120m; "
    "the price must not be disclosed before signing.",
    "The weather in spring is mild and the museum opens at nine.",
    "",
]


@pytest.fixture(scope="module")
def onnx_model() -> SectionModel:
    return load_model("onnx")


@pytest.fixture(scope="module")
def openvino_model() -> SectionModel:
    return load_model("openvino")


def _check_results(texts: list[str], results: list[ModelResult]) -> None:
    assert len(results) == len(texts)
    for text, res in zip(texts, results, strict=True):
        assert set(res.category_scores) == set(Category)
        assert sum(res.category_scores.values()) == pytest.approx(1.0, abs=1e-4)
        for e in res.entities:
            assert 0 <= e.start < e.end <= len(text)
            assert e.source == "model"


def test_backends_are_available() -> None:
    assert backend_available("onnx")
    assert backend_available("openvino")
    assert not backend_available("tpu")


@pytest.mark.parametrize("backend", ["onnx", "openvino"])
def test_real_inference_finds_names_and_places(
    backend: str, onnx_model: SectionModel, openvino_model: SectionModel
) -> None:
    model = onnx_model if backend == "onnx" else openvino_model
    results = model.infer(TEXTS)
    _check_results(TEXTS, results)
    found = {(e.type, TEXTS[0][e.start : e.end]) for e in results[0].entities}
    assert (EntityType.PERSON, "Thomas Brennan") in found
    # the place is redacted as a place or inside the hospital's name (the round-2 build
    # reads "St. Vincent's Hospital, 45 Eccles Street, Dublin" as one organisation)
    names = (EntityType.LOCATION, EntityType.ORGANIZATION)
    assert any(t in names and "Dublin" in v for t, v in found)
    assert results[3].entities == ()
    assert model.version.startswith("section.int8.")


def test_long_text_uses_several_windows_and_keeps_offsets(onnx_model: SectionModel) -> None:
    filler = "The committee reviewed the quarterly figures in detail. " * 60
    text = filler + "Please call Ingrid Johansson tomorrow. " + filler
    [res] = onnx_model.infer([text])
    names = [text[e.start : e.end] for e in res.entities if e.type == EntityType.PERSON]
    assert "Ingrid Johansson" in names


def test_category_of_a_clinical_letter_is_health(onnx_model: SectionModel) -> None:
    [res] = onnx_model.infer([TEXTS[0]])
    best = max(res.category_scores, key=lambda c: res.category_scores[c])
    assert best == Category.HEALTH


def test_onnx_and_openvino_agree(onnx_model: SectionModel, openvino_model: SectionModel) -> None:
    a = onnx_model.infer(TEXTS)
    b = openvino_model.infer(TEXTS)
    # agreement that matters for redaction: each finding of one runtime overlaps a
    # finding of the same type from the other
    for x, y in ((a, b), (b, a)):
        pairs = [(r, e) for r in range(len(x)) for e in x[r].entities]
        agreed = [
            1 for r, e in pairs if any(f.type == e.type and f.overlaps(e) for f in y[r].entities)
        ]
        assert len(agreed) >= 0.9 * len(pairs)
    for text, ra, rb in zip(TEXTS, a, b, strict=True):
        if not text:
            continue  # no evidence either way: the two runtimes may break the tie apart
        best_a = max(ra.category_scores, key=lambda c: ra.category_scores[c])
        best_b = max(rb.category_scores, key=lambda c: rb.category_scores[c])
        assert best_a == best_b


@pytest.fixture
def artifacts_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "artifacts"
    shutil.copytree(default_models_dir(), dst)
    return dst


@pytest.mark.parametrize("name", [ONNX_INT8_NAME, LABELS_NAME])
def test_tampered_artifact_is_a_model_error(artifacts_copy: Path, name: str) -> None:
    path = artifacts_copy / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256"):
        load_model("onnx", artifacts_copy)


def test_tampered_openvino_weights_are_a_model_error(artifacts_copy: Path) -> None:
    path = artifacts_copy / OPENVINO_BIN_NAME
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    load_model("onnx", artifacts_copy)  # the ONNX backend does not read the IR
    with pytest.raises(ModelError, match="sha256"):
        load_model("openvino", artifacts_copy)


def test_missing_manifest_is_a_model_error(artifacts_copy: Path) -> None:
    (artifacts_copy / MANIFEST_NAME).unlink()
    with pytest.raises(ModelError, match="manifest"):
        load_model("onnx", artifacts_copy)


def test_missing_artifact_is_a_model_error(artifacts_copy: Path) -> None:
    (artifacts_copy / ONNX_INT8_NAME).unlink()
    with pytest.raises(ModelError, match="missing"):
        load_model("onnx", artifacts_copy)


def test_manifest_without_sha256_is_a_model_error(artifacts_copy: Path) -> None:
    path = artifacts_copy / MANIFEST_NAME
    obj = json.loads(path.read_text())
    obj["artifacts"][ONNX_INT8_NAME].pop("sha256")
    path.write_text(json.dumps(obj))
    with pytest.raises(ModelError, match="sha256"):
        load_model("onnx", artifacts_copy)


def test_unknown_backend_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="backend"):
        load_model("tensorflow")


def _set_bias(artifacts: Path, bias: object) -> None:
    import hashlib

    labels = artifacts / LABELS_NAME
    obj = json.loads(labels.read_text())
    obj["category_bias"] = bias
    labels.write_text(json.dumps(obj))
    manifest = artifacts / MANIFEST_NAME
    raw = json.loads(manifest.read_text())
    raw["artifacts"][LABELS_NAME]["sha256"] = hashlib.sha256(labels.read_bytes()).hexdigest()
    manifest.write_text(json.dumps(raw))


def test_category_bias_shifts_the_category_scores(artifacts_copy: Path) -> None:
    text = TEXTS[1]
    _set_bias(artifacts_copy, None)
    plain = load_model("onnx", artifacts_copy).infer([text])[0].category_scores
    _set_bias(artifacts_copy, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    same = load_model("onnx", artifacts_copy).infer([text])[0].category_scores
    assert all(abs(plain[c] - same[c]) < 1e-5 for c in plain)
    _set_bias(artifacts_copy, [40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    shifted = load_model("onnx", artifacts_copy).infer([text])[0].category_scores
    assert max(shifted, key=lambda c: shifted[c]) is Category.PUBLIC
    assert shifted[Category.PUBLIC] > plain[Category.PUBLIC]


@pytest.mark.parametrize("bias", [[1.0, 2.0], ["x"] * 7, [float("nan")] * 7])
def test_invalid_category_bias_is_a_model_error(artifacts_copy: Path, bias: object) -> None:
    _set_bias(artifacts_copy, bias)
    with pytest.raises(ModelError, match="label map"):
        load_model("onnx", artifacts_copy)
