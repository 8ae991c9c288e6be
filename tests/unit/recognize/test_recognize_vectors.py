"""Published vectors (tests/vectors/recognize/): every registry IBAN and every network
test card number validates, and the engine finds it in a sentence, spaced or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.domain import EntityType
from agent.recognize import PatternEngine
from agent.recognize.checksums import iban_valid, luhn_valid

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "recognize"


def _load(name: str) -> list[str]:
    lines = (VECTORS / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


IBANS = _load("iban_registry_examples.txt")
CARDS = _load("test_card_numbers.txt")


def _grouped(value: str, size: int = 4) -> str:
    return " ".join(value[i : i + size] for i in range(0, len(value), size))


def test_the_vector_files_are_complete() -> None:
    assert len(IBANS) == 75
    assert len({iban[:2] for iban in IBANS}) == 75
    assert len(CARDS) == 14


@pytest.mark.parametrize("iban", IBANS)
def test_registry_iban_validates_and_is_found(iban: str) -> None:
    assert iban_valid(iban)
    engine = PatternEngine.default()
    for written in (iban, _grouped(iban)):
        text = f"Please pay to {written}, thank you."
        found = [(e.type, text[e.start : e.end]) for e in engine.entities(text)]
        assert (EntityType.IBAN_CODE, written) in found
    broken = iban[:-1] + ("0" if iban[-1] != "0" else "1")
    assert not iban_valid(broken)


@pytest.mark.parametrize("number", CARDS)
def test_network_test_card_validates_and_is_found(number: str) -> None:
    assert luhn_valid(number)
    engine = PatternEngine.default()
    text = f"Card on file: {number}."
    found = [(e.type, text[e.start : e.end]) for e in engine.entities(text)]
    assert (EntityType.CREDIT_CARD, number) in found
