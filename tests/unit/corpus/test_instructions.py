"""The hand-written instruction evaluation set: format, spans, checksums, and that
training never reads it nor writes its sentences."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.recognize.checksums import iban_valid, luhn_valid, nhs_valid, ssn_valid
from bench.corpus.instructions import ROOT, load_instructions, parse_file, to_samples
from bench.corpus.prose import CATEGORIES, ENTITY_TYPES, LOCALES, ProseFormatError

REPO = Path(__file__).resolve().parents[3]


def test_the_set_loads_with_exact_spans_in_every_locale() -> None:
    items = load_instructions()
    assert len(items) >= 150
    assert {i.locale for i in items} == set(LOCALES)
    assert len({i.id for i in items}) == len(items)
    for i in items:
        assert i.category in CATEGORIES
        assert i.text == i.text.strip() and "⟦" not in i.text and "⟧" not in i.text
        last = 0
        for start, end, etype in i.spans:
            assert etype in ENTITY_TYPES
            assert last <= start < end <= len(i.text)
            value = i.text[start:end]
            assert value == value.strip(), (i.id, value)
            last = end
    benign = [i for i in items if i.benign]
    assert len(benign) >= 100 and len(items) - len(benign) >= 80
    assert sum(i.source == "brief" for i in items) == 15


CHECKS = {
    "IBAN_CODE": iban_valid,
    "CREDIT_CARD": luhn_valid,
    "UK_NHS": nhs_valid,
    "US_SSN": ssn_valid,
}


def test_identifiers_pass_their_checks() -> None:
    for i in load_instructions():
        for start, end, etype in i.spans:
            check = CHECKS.get(etype)
            if check is not None:
                assert check(i.text[start:end]), (i.id, etype)


def test_samples_carry_the_gold() -> None:
    samples = to_samples()
    assert samples[0].kind == "instruction" and samples[0].id.startswith("instruction.")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("=== instruction category=secret\nHi\n", "unknown category"),
        ("=== instruction\nHi\n", "bad entry line"),
        ("stray\n=== instruction category=internal\nHi\n", "text before the first entry"),
        ("=== instruction category=internal\n\n", "empty instruction"),
        ("=== instruction category=internal\n⟦NAME|Jo⟧\n", "unknown entity type"),
    ],
)
def test_format_errors_name_the_problem(content: str, message: str) -> None:
    with pytest.raises(ProseFormatError, match=message):
        parse_file(content, "en_GB")


def test_nothing_that_builds_or_runs_the_model_reads_the_set() -> None:
    needles = ("corpus/instructions", "corpus.instructions", "corpus import instructions")
    for folder in ("models", "agent"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not any(n in text for n in needles), path
    assert ROOT.is_dir()


def _runs(text: str, spans: tuple[tuple[int, int, str], ...], k: int) -> set[str]:
    chars = list(text)
    for a, b, _ in spans:
        chars[a:b] = ["\x00"] * (b - a)
    words = re.sub(r"[^\w\x00\s']", " ", "".join(chars).lower()).split()
    return {
        " ".join(words[i : i + k])
        for i in range(len(words) - k + 1)
        if not any("\x00" in w for w in words[i : i + k])
    }


def test_no_entry_is_written_by_the_generator() -> None:
    """No 8-word run of an entry occurs in 6,000 generated instructions, and no entry of
    more than two words that the task brief did not supply is generated verbatim."""
    from models.datagen.generate import generate_instructions

    generated = generate_instructions("train", 6000, 1234)
    runs: set[str] = set()
    texts = set()
    for s in generated:
        runs |= _runs(s.text, s.spans, 8)
        texts.add(s.text.strip().lower().rstrip(".!?"))
    for i in load_instructions():
        assert not (_runs(i.text, i.spans, 8) & runs), i.id
        if i.source != "brief" and len(re.findall(r"\w+", i.text)) > 2:
            assert i.text.strip().lower().rstrip(".!?") not in texts, i.id
