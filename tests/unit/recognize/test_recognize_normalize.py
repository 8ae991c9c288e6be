"""The normalised view and its map back to the original text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.recognize.normalize import NormalizedText, join_lines, normalize


def _original_of(view: NormalizedText, needle: str) -> str:
    start = view.text.index(needle)
    lo, hi = view.to_original(start, start + len(needle))
    return view.original[lo:hi]


def test_plain_text_is_the_identity_and_cheap() -> None:
    view = normalize("Nothing to see here, 42 times.")
    assert view.is_identity
    assert view.text == view.original
    assert view.to_original(3, 7) == (3, 7)


@pytest.mark.parametrize(
    ("original", "normalised", "needle", "covers"),
    [
        ("mail jane [at] example [dot] com now", "mail jane@example.com now",
         "jane@example.com", "jane [at] example [dot] com"),
        ("jane(at)example(dot)co(dot)uk", "jane@example.co.uk",
         "jane@example.co.uk", "jane(at)example(dot)co(dot)uk"),
        ("jane {AT} example {DOT} org", "jane@example.org", "jane@example.org",
         "jane {AT} example {DOT} org"),
        ("jane at example [dot] com", "jane@example.com", "jane@example.com",
         "jane at example [dot] com"),
        ("ja\u200bne@exa\u200cmple.com", "jane@example.com", "jane@example.com",
         "ja\u200bne@exa\u200cmple.com"),
        ("IBAN\ufeff DE89\u00ad3704", "IBAN DE893704", "DE893704", "DE89\u00ad3704"),
        ("card ４１１１ １１１１", "card 4111 1111", "4111 1111", "４１１１ １１１１"),
        ("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "jane@example.com", "jane@example.com",
         "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ"),
    ],
)  # fmt: skip
def test_obfuscations_are_undone_and_mapped_back(
    original: str, normalised: str, needle: str, covers: str
) -> None:
    view = normalize(original)
    assert view.text == normalised
    assert _original_of(view, needle) == covers


@pytest.mark.parametrize(
    "text",
    [
        "We met at the office and left at noon.",  # " at " without a [dot] domain
        "Meet me at example.com",  # a plain dot: nothing is obfuscated
        "the [data] set (dotted) and {atom}",
    ],
)
def test_ordinary_at_and_brackets_are_left_alone(text: str) -> None:
    assert normalize(text).text == text


def test_line_broken_identifiers_are_joined_with_join_points() -> None:
    original = "IBAN GB82 WEST 1234\n5698 7654 32 and jane.doe@exam-\n  ple.com"
    joined = join_lines(normalize(original))
    assert joined is not None
    assert "GB82 WEST 12345698 7654 32" in joined.text
    assert "jane.doe@example.com" in joined.text
    assert _original_of(joined, "jane.doe@example.com") == "jane.doe@exam-\n  ple.com"
    start = joined.text.index("12345698")
    assert joined.crosses_join(start, start + 8)
    assert not joined.crosses_join(0, 4)


def test_wrapped_prose_is_not_joined() -> None:
    assert join_lines(normalize("a well-\nknown fact\nabout the\nworld")) is None


def test_csv_rows_meet_at_their_last_and_first_field() -> None:
    # each row is one run of non-spaces with digits in it; the break is between two names
    rows = "Ludovica Vitturi,NL62 LQJM 5211 7167 87,4517315473752848,Corneno\nO. Emo,BE1793\n"
    assert join_lines(normalize(rows)) is None
    # an identifier broken inside a field is still joined
    broken = "Jane Roe,4111 1111 1111\n1111,Leeds"
    joined = join_lines(normalize(broken))
    assert joined is not None and "4111 1111 11111111" in joined.text


def test_joining_composes_with_character_normalisation() -> None:
    original = "card ４１１１ １１１１ １１１１\n１１１１ ok"
    joined = join_lines(normalize(original))
    assert joined is not None
    assert "4111 1111 11111111" in joined.text
    assert _original_of(joined, "4111 1111 11111111") == "４１１１ １１１１ １１１１\n１１１１"


def test_spans_outside_the_normalised_text_are_refused() -> None:
    view = normalize("abc")
    with pytest.raises(ValueError):
        view.to_original(2, 5)
    with pytest.raises(ValueError):
        view.to_original(2, 2)


_PIECES = st.sampled_from(
    [
        "a", "Z", "7", " ", "\n", "-", "@", ".", "[at]", " [at] ", "(dot)", " [dot] ", " at ",
        "\u200b", "\u00ad", "\ufeff", "４", "ａ", "＠", "İ", "ß", "é", "\r\n", "x\n-", "9-\n1",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_map_is_monotonic_and_inside_the_original(text: str) -> None:
    for view in (normalize(text), join_lines(normalize(text))):
        if view is None or view.is_identity:
            continue
        assert view.starts is not None and view.ends is not None
        assert len(view.starts) == len(view.ends) == len(view.text)
        for i in range(len(view.text)):
            assert 0 <= view.starts[i] < view.ends[i] <= len(text)
            if i:
                assert view.starts[i - 1] <= view.starts[i]
                assert view.ends[i - 1] <= view.ends[i]
        for i in range(len(view.text)):
            for j in range(i + 1, min(len(view.text), i + 6) + 1):
                lo, hi = view.to_original(i, j)
                assert 0 <= lo < hi <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_keeps_its_kept_characters(text: str) -> None:
    """Every normalised character that is not a replacement is the original character."""
    view = normalize(text)
    for i, ch in enumerate(view.text):
        lo, hi = view.to_original(i, i + 1)
        if hi - lo == 1 and ch == text[lo]:
            continue
        # a replacement: full-width fold, or an [at]/[dot] form
        assert ch in "@." or ord(text[lo]) >= 0xFF01
