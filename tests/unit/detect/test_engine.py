"""The detection engine on the real INT8 model, with the real pattern engine and with a
small neighbour recognizer to pin the merge and fail-closed behaviour."""

from __future__ import annotations

import re

import pytest

from agent.classify import load_model
from agent.classify.base import SectionModel
from agent.detect import DetectionEngine, load_engine
from agent.domain import Category, Entity, EntityType
from bastion.errors import ModelError

TEXT = (
    "Patient: Mrs. Eleanor Whitfield, date of birth 02/11/1948, admitted to Royal Infirmary "
    "Edinburgh. Card on file 4111 1111 1111 1111. Email eleanor.w@example.co.uk."
)


class EmailOnly:
    """A one-pattern neighbour recognizer (the engine's own code is under test)."""

    name = "email-only"

    def entities(self, text: str) -> list[Entity]:
        return [
            Entity(EntityType.EMAIL_ADDRESS, m.start(), m.end(), 1.0, self.name)
            for m in re.finditer(r"[\w.]+@[\w.]+\w", text)
        ]


class Broken:
    def entities(self, text: str) -> list[Entity]:
        raise RuntimeError("boom")


@pytest.fixture(scope="module")
def model() -> SectionModel:
    return load_model("onnx")


def test_engine_merges_model_and_pattern_findings(model: SectionModel) -> None:
    engine = DetectionEngine(model, EmailOnly())
    [res] = engine.analyze([TEXT])
    found = {(e.type, TEXT[e.start : e.end]) for e in res.entities}
    assert (EntityType.EMAIL_ADDRESS, "eleanor.w@example.co.uk") in found
    assert any(t == EntityType.PERSON and "Whitfield" in v for t, v in found)
    # the model may propose a card number (this one is Luhn-valid), but a Luhn-invalid
    # one never becomes a card without a validating recognizer
    invalid = TEXT.replace("4111 1111 1111 1111", "4111 1111 1111 1112")
    [bad] = engine.analyze([invalid])
    assert all(e.type != EntityType.CREDIT_CARD for e in bad.entities)
    assert res.category == max(res.category_scores, key=lambda c: res.category_scores[c])
    assert res.model_version == model.version
    assert engine.model_versions == [model.version]


def test_engine_fails_closed_when_a_recognizer_fails(model: SectionModel) -> None:
    engine = DetectionEngine(model, Broken())
    with pytest.raises(ModelError, match="RuntimeError"):
        engine.analyze([TEXT])
    with pytest.raises(ModelError, match="RuntimeError"):
        engine.analyze([TEXT] * 80)  # several model batches, still running on the model thread
    [res] = engine.analyze([]) or [None]  # and the engine is usable afterwards
    assert res is None


def test_batched_analyses_are_those_of_one_text_at_a_time(model: SectionModel) -> None:
    from agent.recognize import PatternEngine

    engine = DetectionEngine(model, PatternEngine.default())
    texts = [TEXT, "", "Ring Jan de Vries on +31 6 1234 5678.", TEXT * 30] * 20
    together = engine.analyze(texts)
    for i in range(4):
        [alone] = engine.analyze([texts[i]])
        assert together[i].entities == alone.entities
        assert together[i].category == alone.category


def test_load_engine_with_the_default_pattern_engine() -> None:
    engine = load_engine("onnx")
    [res, empty] = engine.analyze([TEXT, ""])
    types = {e.type for e in res.entities}
    assert {EntityType.PERSON, EntityType.EMAIL_ADDRESS, EntityType.CREDIT_CARD} <= types
    assert empty.entities == ()
    assert isinstance(empty.category, Category)
