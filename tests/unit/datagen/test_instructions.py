"""The task-instruction generator (``models/datagen/kinds_train/instructions.py``)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import pytest

from agent.detect.imperatives import IMPERATIVES
from models.datagen.generate import generate_instructions
from models.datagen.sample import Sample

N = 3000


@cache
def train() -> tuple[Sample, ...]:
    return tuple(generate_instructions("train", N, 13))


def test_same_arguments_same_output_and_seed_matters() -> None:
    a = generate_instructions("dev", 50, 3)
    assert [s.to_json() for s in a] == [s.to_json() for s in generate_instructions("dev", 50, 3)]
    assert [s.text for s in a] != [s.text for s in generate_instructions("dev", 50, 4)]


def test_only_train_and_dev() -> None:
    with pytest.raises(ValueError, match="train and dev only"):
        generate_instructions("test", 1)


def test_spans_are_exact_and_well_formed() -> None:
    for s in train():
        assert s.text and s.text == s.text.rstrip() and not s.text[0].isspace(), s.id
        last = 0
        for start, end, _ in s.spans:
            assert last <= start < end <= len(s.text)
            assert s.text[start:end] == s.text[start:end].strip()
            last = end


def test_half_generic_half_sensitive_in_every_language() -> None:
    cats = Counter(s.category for s in train())
    assert cats["internal"] == N // 2
    for c in ("confidential", "financial_personal", "hr", "health", "privileged"):
        assert cats[c] == N // 10
    locales = Counter(s.locale for s in train())
    assert set(locales) == {"en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT"}
    # the local languages are written, not only English with local names
    texts = " ".join(s.text for s in train())
    for word in ("zusammen", "Résume", "samen", "Resume", "Riassumi"):
        assert word in texts


def test_lengths_from_one_word_to_long_requests() -> None:
    words = [len(s.text.split()) for s in train()]
    assert min(words) == 1 and max(words) >= 40
    assert sum(w <= 3 for w in words) > N // 20


def test_sensitive_requests_name_or_state_their_content_and_generic_ones_carry_names() -> None:
    samples = train()
    sensitive = [s for s in samples if s.category != "internal"]
    # hr, health and financial_personal requests are about an identified person
    for s in sensitive:
        if s.category in ("hr", "financial_personal"):
            assert s.spans, s.text
    generic_with_names = [s for s in samples if s.category == "internal" and s.spans]
    assert len(generic_with_names) > N // 10


def test_the_opening_verb_is_never_a_span() -> None:
    for s in train():
        first = re.match(r"\w+", s.text)
        if first and first.group(0).lower() in IMPERATIVES:
            assert not s.spans or s.spans[0][0] > 0, s.text


def test_the_briefs_measured_requests_are_not_generated_verbatim() -> None:
    brief = {
        "what are the main risks?", "list the action items and owners.",
        "draft a reply to the client.", "translate this into french.",
        "say in one sentence what this notice announces.",
        "summarise this notice in one sentence.", "compare clauses 3 and 4.",
        "what is the deadline?", "summarise the merger terms and the price per share",
    }  # fmt: skip
    assert not brief & {s.text.lower() for s in train()}
