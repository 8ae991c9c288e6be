from hypothesis import given
from hypothesis import strategies as st

from agent.split import split_document

MEMO = """PRIVILEGED & CONFIDENTIAL

1. Background
The client, Jane Doe, retained us on 3 March.

2. Advice
We advise settling. The hearing is listed for May.

# Next steps
Call the client.
"""


def test_headings_start_sections_and_are_kept() -> None:
    sections = split_document(MEMO)
    headings = [s.heading for s in sections]
    assert headings == ["PRIVILEGED & CONFIDENTIAL", "1. Background", "2. Advice", "Next steps"]


def test_offsets_index_the_original_text() -> None:
    for s in split_document(MEMO):
        assert MEMO[s.start : s.end] == s.text


def test_long_paragraph_is_cut_below_the_target_at_a_sentence() -> None:
    text = "The party agrees to the terms. " * 200
    sections = split_document(text, target_chars=500)
    assert len(sections) > 1
    assert all(len(s.text) <= 500 for s in sections)
    assert all(s.text.endswith(". ") for s in sections[:-1])


def test_empty_text_has_no_section() -> None:
    assert split_document("") == []


def test_a_token_longer_than_the_target_is_never_cut() -> None:
    token = "4111111111111111" * 40  # 640 characters, no whitespace
    sections = split_document(f"Refund {token} today and more words follow.", target_chars=100)
    assert any(token in s.text for s in sections)
    assert [len(s.text) for s in split_document("x" * 1000, target_chars=100)] == [1000]


def _tokens(text: str) -> set[str]:
    return set(text.split())


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=3000), st.integers(16, 600))
def test_sections_partition_the_document_and_never_cut_a_token(text: str, target: int) -> None:
    sections = split_document(text, target_chars=target)
    assert "".join(s.text for s in sections) == text
    assert [s.index for s in sections] == list(range(len(sections)))
    assert all(s.start < s.end for s in sections)
    whole = _tokens(text)
    for s in sections:  # every token a section holds is a whole token of the text
        assert _tokens(s.text) <= whole
        if s.end - s.start > target:  # only a token longer than the target stretches one
            assert not any(c.isspace() for c in s.text[target // 4 : target])


def test_labelled_headings_such_as_agenda_items_start_sections() -> None:
    text = (
        "BOARD MINUTES\n\nItem 1: Quarterly results\nMargin fell.\n\n"
        "Item 2: Personnel matter\nA disciplinary case.\n\nArticle 12 - Termination\nEnds.\n"
    )
    headings = [s.heading for s in split_document(text)]
    assert headings == [
        "BOARD MINUTES",
        "Item 1: Quarterly results",
        "Item 2: Personnel matter",
        "Article 12 - Termination",
    ]


def test_a_sentence_starting_with_item_is_not_a_heading() -> None:
    text = "Notes\n\nItem 4 was discussed at length. The board agreed.\n"
    assert [s.heading for s in split_document(text)] == [
        "",
    ] or len(split_document(text)) == 1
