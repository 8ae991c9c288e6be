"""The hand-written development set loads, and its format errors name the file."""

from __future__ import annotations

import pytest

from agent.recognize.checksums import iban_valid, luhn_valid, nhs_valid, nino_valid
from models.datagen.handwritten_dev import HandwrittenFormatError, load, parse_document
from models.datagen.sample import CATEGORIES


def test_every_document_loads_with_exact_spans() -> None:
    samples = load()
    assert len(samples) >= 30
    assert len({s.locale for s in samples}) == 7
    assert {s.category for s in samples} == set(CATEGORIES)
    checks = {
        "IBAN_CODE": iban_valid,
        "CREDIT_CARD": luhn_valid,
        "UK_NHS": nhs_valid,
        "UK_NINO": nino_valid,
    }
    for s in samples:
        for start, end, etype in s.spans:
            value = s.text[start:end]
            assert value == value.strip() and value, (s.id, value)
            check = checks.get(etype)
            assert check is None or check(value), (s.id, value)


def test_annotations_become_spans() -> None:
    doc = "# kind: chat\n=== section category=hr\nthanks ⟦PERSON|tom⟧, ok\n"
    [s] = parse_document(doc, "en_GB-chat-99.txt")
    assert s.text == "thanks tom, ok"
    assert s.spans == ((7, 10, "PERSON"),)
    assert (s.category, s.locale, s.kind, s.id) == ("hr", "en_GB", "handwritten.chat", s.id)


@pytest.mark.parametrize(
    ("doc", "name", "message"),
    [
        ("=== section category=hr\nx", "chat-01.txt", "not <locale>"),
        ("=== section category=secret\nx", "en_GB-chat-01.txt", "unknown category"),
        ("=== section category=hr\n⟦NAME|x⟧", "en_GB-chat-01.txt", "bad annotation"),
        ("=== section category=hr\nx⟧", "en_GB-chat-01.txt", "stray"),
        ("text first\n=== section category=hr\nx", "en_GB-chat-01.txt", "before the first"),
    ],
)
def test_format_errors_name_the_file(doc: str, name: str, message: str) -> None:
    with pytest.raises(HandwrittenFormatError, match=message):
        parse_document(doc, name)
