"""Properties of quoting and parsing over arbitrary text (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cloud.answers import normalise_label, parse_answer, parse_confidence
from cloud.domain import DataSection
from cloud.prompts import quote_sections

hostile_text = st.text(
    alphabet=st.sampled_from(list("<>SECTIONEND 0123\n\u200bab")) | st.characters(), max_size=200
)


@settings(max_examples=200, deadline=None)
@given(st.lists(hostile_text, min_size=1, max_size=4))
def test_no_section_text_can_forge_a_marker(texts: list[str]) -> None:
    sections = [DataSection(i, "", t, "internal") for i, t in enumerate(texts)]
    quoted = quote_sections(sections)
    assert quoted.count("<<<") == 2 * len(texts)
    assert quoted.count(">>>") == 2 * len(texts)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parsers_never_fail_and_stay_in_range(output: str) -> None:
    confidence = parse_confidence(output)
    assert confidence is None or 0.0 <= confidence <= 1.0
    answer = parse_answer(output)
    assert isinstance(answer, str)
    label = normalise_label(answer)
    assert normalise_label(label) == label
