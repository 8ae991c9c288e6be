"""``WindowedModel``: several model batches run on the model's thread while finished texts
are decoded; results must not depend on how texts were batched, and a failing batch must
fail the whole call without leaving work behind. Real INT8 model, real tokenizer."""

from __future__ import annotations

import threading

import pytest

from agent.classify import load_model
from agent.classify.base import SectionModel
from agent.classify.decode import FloatArray
from agent.classify.features import Batch, encode_many, load_tokenizer
from agent.classify.manifest import ONNX_INT8_NAME, TOKENIZER_NAME, load_manifest
from agent.classify.onnx_backend import OnnxRunner
from agent.classify.runner import WindowedModel, batches
from bastion.errors import ModelError

LETTER = (
    "Dear Ms Ingrid Vossberg,\n\nFurther to our meeting in Rotterdam with Halvorsen & Teague "
    "LLP, Dr. Pieter Claes confirmed the referral. Contact: +31 20 555 0199.\n\n"
)


def texts() -> list[str]:
    """Enough text for several model batches: short notes and long letters."""
    out = []
    for k in range(80):
        out.append(f"Note {k}: call Marta Ferreira-Lopes in Lisbon about file {1000 + k}.")
        out.append(LETTER * (1 + k % 9))
    return out


@pytest.fixture(scope="module")
def model() -> WindowedModel:
    m = load_model("onnx")
    assert isinstance(m, WindowedModel)
    return m


def test_the_texts_need_several_batches(model: WindowedModel) -> None:
    labels = load_manifest(None).labels()
    tok = load_tokenizer(load_manifest(None).verified_path(TOKENIZER_NAME))
    assert len(batches(encode_many(tok, texts()), labels)) >= 6


def test_pipelined_batches_give_the_results_of_one_text_at_a_time(model: SectionModel) -> None:
    many = texts()
    together = model.infer(many)
    for i in (0, 1, 17, 79, 159):  # a short note, letters of several lengths
        [alone] = model.infer([many[i]])
        assert together[i].entities == alone.entities
        for cat, score in alone.category_scores.items():
            assert together[i].category_scores[cat] == pytest.approx(score, abs=1e-4)


def test_infer_each_yields_every_text_once(model: SectionModel) -> None:
    many = texts()
    seen = [i for i, _ in model.infer_each(many)]
    assert sorted(seen) == list(range(len(many)))
    assert seen != sorted(seen)  # short texts come back before long ones finish


class FailingRunner:
    """The real ONNX model, failing on its ``fail_at``-th batch."""

    def __init__(self, fail_at: int) -> None:
        manifest = load_manifest(None)
        self._run = OnnxRunner(manifest.verified_path(ONNX_INT8_NAME))
        self.fail_at = fail_at
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, batch: Batch) -> tuple[FloatArray, FloatArray]:
        with self.lock:
            self.calls += 1
            n = self.calls
        if n == self.fail_at:
            raise RuntimeError("device lost: Ingrid Vossberg")
        return self._run(batch)


def test_a_failing_batch_fails_the_call_and_stops_the_rest() -> None:
    manifest = load_manifest(None)
    tok = load_tokenizer(manifest.verified_path(TOKENIZER_NAME))
    runner = FailingRunner(fail_at=2)
    model = WindowedModel(tok, manifest.labels(), runner, "test")
    many = texts()
    planned = len(batches(encode_many(tok, many), manifest.labels()))
    with pytest.raises(ModelError) as info:
        model.infer(many)
    assert "Vossberg" not in str(info.value)  # no text in the error
    assert runner.calls <= 3 < planned  # the batches after the failure were cancelled
    calls = runner.calls
    # the model thread is idle again: nothing of the failed call runs on
    assert model.infer(["Marta Ferreira-Lopes"])  # one batch, caller's thread
    assert runner.calls == calls + 1
