"""Tokens, case classes and windows: the inputs training and run time share."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from agent.classify.features import (
    CASE_DIGIT,
    CASE_LOWER,
    CASE_MIXED,
    CASE_NO_LETTER,
    CASE_TITLE,
    CASE_UPPER,
    CLS_ID,
    SEP_ID,
    encode,
    encode_many,
    load_tokenizer,
    make_batch,
    window_bounds,
)
from agent.classify.manifest import TOKENIZER_NAME, default_models_dir


@cache
def _tokenizer() -> Tokenizer:
    return load_tokenizer(default_models_dir() / TOKENIZER_NAME)


@pytest.mark.parametrize(
    ("piece", "word_start", "expected"),
    [
        ("smith", True, CASE_LOWER),
        ("Smith", True, CASE_TITLE),
        ("SMITH", True, CASE_UPPER),
        ("McDonald", True, CASE_MIXED),
        ("J", True, CASE_TITLE),
        ("J", False, CASE_UPPER),
        ("1234", True, CASE_DIGIT),
        (",", True, CASE_NO_LETTER),
        ("Ölçü", True, CASE_TITLE),
    ],
)
def test_case_class_table(piece: str, word_start: bool, expected: int) -> None:
    from agent.classify.features import case_class

    assert case_class(piece, word_start) == expected


def test_encode_offsets_are_code_points_and_cases_see_original_case() -> None:
    tok = _tokenizer()
    text = "Zoë 😀 met JOHN Smith"
    enc = encode(tok, text)
    pieces = [text[s:e] for s, e in zip(enc.starts, enc.ends, strict=True)]
    assert "JOHN" in pieces and "Smith" in pieces
    assert enc.cases[pieces.index("JOHN")] == CASE_UPPER
    assert enc.cases[pieces.index("Smith")] == CASE_TITLE


def test_encode_many_matches_encode_text_by_text() -> None:
    tok = _tokenizer()
    texts = ["Zoë 😀 met JOHN Smith", "", "word " * 300, "ＩＢＡＮ ＧＢ８２ a\u200bb", "x"]
    many = encode_many(tok, texts)
    assert len(many) == len(texts)
    for text, got in zip(texts, many, strict=True):
        one = encode(tok, text)
        for field in ("ids", "cases", "starts", "ends"):
            assert np.array_equal(getattr(got, field), getattr(one, field)), field


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        st.one_of(
            st.sampled_from(list("aZ É1٣½Ⅻ日ǅß-.,'\n\t")),  # cases, digits, caseless, numerals
            st.characters(codec="utf-8"),  # what a request can carry (no lone surrogate)
        ),
        max_size=60,
    )
)
def test_case_classes_are_those_of_the_original_characters(text: str) -> None:
    """The per-text shape table gives each token exactly ``case_class`` of the original
    characters under it, with a word start wherever no letter or digit precedes it."""
    from agent.classify.features import case_class

    enc = encode(_tokenizer(), text)
    for s, e, got in zip(enc.starts.tolist(), enc.ends.tolist(), enc.cases.tolist(), strict=True):
        word_start = s == 0 or not text[s - 1].isalnum()
        assert got == case_class(text[s:e], word_start), (text[s:e], word_start)


def test_encode_ignores_the_shipped_truncation() -> None:
    tok = _tokenizer()
    enc = encode(tok, "word " * 1000)
    assert len(enc) == 1000


@pytest.mark.parametrize("n", [0, 1, 125, 126, 127, 300, 1000])
def test_windows_cover_every_token_and_fit(n: int) -> None:
    bounds = window_bounds(n, window=128, overlap=32)
    covered = np.zeros(n, dtype=bool)
    for a, b in bounds:
        assert b - a <= 126
        covered[a:b] = True
    assert covered.all()
    assert bounds[-1][1] == n


def test_make_batch_pads_and_wraps_with_special_tokens() -> None:
    ids = [np.array([5, 6, 7], dtype=np.int64), np.array([8], dtype=np.int64)]
    cases = [np.array([2, 3, 4], dtype=np.int64), np.array([2], dtype=np.int64)]
    b = make_batch(list(zip(ids, cases, strict=True)))
    assert b.input_ids.tolist() == [[CLS_ID, 5, 6, 7, SEP_ID], [CLS_ID, 8, SEP_ID, 0, 0]]
    assert b.attention_mask.tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]
    assert b.case_ids.tolist() == [[0, 2, 3, 4, 0], [0, 2, 0, 0, 0]]


def test_make_batch_rounds_the_width_up_to_a_multiple() -> None:
    ids = np.arange(5, 25, dtype=np.int64)
    b = make_batch([(ids, np.full(20, 2, dtype=np.int64))], multiple=16)
    assert b.input_ids.shape == (1, 32)
    assert b.attention_mask.sum() == 22
    assert b.input_ids[0, 21] == SEP_ID and b.input_ids[0, 22] == 0
