"""BIO probabilities -> spans: continuation, word widening, thresholds."""

from __future__ import annotations

import numpy as np

from agent.classify.decode import decode_entities
from agent.classify.features import Encoded
from agent.domain import EntityType

LABELS = ["O", "B-PERSON", "I-PERSON", "B-LOCATION", "I-LOCATION"]


def _enc(text: str, pieces: list[tuple[int, int]]) -> Encoded:
    n = len(pieces)
    return Encoded(
        ids=np.zeros(n, dtype=np.int64),
        cases=np.zeros(n, dtype=np.int64),
        starts=np.array([p[0] for p in pieces], dtype=np.int64),
        ends=np.array([p[1] for p in pieces], dtype=np.int64),
    )


def _probs(tags: list[str]) -> np.ndarray:
    out = np.full((len(tags), len(LABELS)), 0.01, dtype=np.float32)
    for i, t in enumerate(tags):
        out[i, LABELS.index(t)] = 0.96
    return out


def test_b_then_i_makes_one_span() -> None:
    text = "Dear John Smith, hi"
    enc = _enc(text, [(0, 4), (5, 9), (10, 15), (15, 16), (17, 19)])
    ents = decode_entities(text, enc, _probs(["O", "B-PERSON", "I-PERSON", "O", "O"]), LABELS)
    assert [(e.type, e.start, e.end) for e in ents] == [(EntityType.PERSON, 5, 15)]
    assert text[ents[0].start : ents[0].end] == "John Smith"


def test_two_b_tags_make_two_spans() -> None:
    text = "Smith Jones"
    enc = _enc(text, [(0, 5), (6, 11)])
    ents = decode_entities(text, enc, _probs(["B-PERSON", "B-PERSON"]), LABELS)
    assert [(e.start, e.end) for e in ents] == [(0, 5), (6, 11)]


def test_partial_word_is_widened_to_the_whole_word() -> None:
    text = "Mr Vandermeer left"
    enc = _enc(text, [(0, 2), (3, 8), (8, 13), (14, 18)])
    ents = decode_entities(text, enc, _probs(["O", "O", "B-PERSON", "O"]), LABELS)
    assert [(e.start, e.end) for e in ents] == [(3, 13)]


def test_below_threshold_is_not_an_entity() -> None:
    text = "John"
    enc = _enc(text, [(0, 4)])
    probs = np.array([[0.6, 0.3, 0.05, 0.03, 0.02]], dtype=np.float32)
    assert decode_entities(text, enc, probs, LABELS, threshold=0.5) == []
    assert len(decode_entities(text, enc, probs, LABELS, threshold=0.3)) == 1


def test_a_name_split_between_name_types_is_one_span_of_the_majority_type() -> None:
    # "Romana" read as a person, "Cafarchia" (tagged I-) as a place: one name, one type
    text = "Romana Cafarchia Rossi"
    enc = _enc(text, [(0, 6), (7, 16), (17, 22)])
    ents = decode_entities(text, enc, _probs(["B-PERSON", "I-LOCATION", "I-PERSON"]), LABELS)
    assert [(e.type, e.start, e.end) for e in ents] == [(EntityType.PERSON, 0, 22)]


def test_a_b_tag_of_another_name_type_starts_a_new_span() -> None:
    text = "Anna Berlin"
    enc = _enc(text, [(0, 4), (5, 11)])
    ents = decode_entities(text, enc, _probs(["B-PERSON", "B-LOCATION"]), LABELS)
    assert [(e.type, e.start, e.end) for e in ents] == [
        (EntityType.PERSON, 0, 4),
        (EntityType.LOCATION, 5, 11),
    ]


def test_a_name_never_joins_an_entity_of_a_non_name_type() -> None:
    # a name right before its e-mail address: joined, the name would take the e-mail's
    # type and be dropped by the e-mail shape check
    labels = ["O", "B-PERSON", "I-PERSON", "B-EMAIL_ADDRESS", "I-EMAIL_ADDRESS"]
    text = "Kevin Morrison kmorrison@x.org"
    enc = _enc(text, [(0, 5), (6, 14), (15, 30)])
    probs = np.full((3, 5), 0.01, dtype=np.float32)
    for i, col in enumerate([1, 2, 4]):
        probs[i, col] = 0.96
    ents = decode_entities(text, enc, probs, labels)
    assert [(e.type, text[e.start : e.end]) for e in ents] == [
        (EntityType.PERSON, "Kevin Morrison"),
        (EntityType.EMAIL_ADDRESS, "kmorrison@x.org"),
    ]


def test_courtesy_title_and_trailing_stop_are_trimmed() -> None:
    text = "Dr. Anna Berg."
    enc = _enc(text, [(0, 2), (2, 3), (4, 8), (9, 13), (13, 14)])
    ents = decode_entities(
        text, enc, _probs(["B-PERSON", "I-PERSON", "I-PERSON", "I-PERSON", "I-PERSON"]), LABELS
    )
    assert [text[e.start : e.end] for e in ents] == ["Anna Berg"]


def test_a_title_alone_or_punctuation_alone_is_no_entity() -> None:
    text = "Mr. * ok"
    enc = _enc(text, [(0, 2), (2, 3), (4, 5), (6, 8)])
    ents = decode_entities(text, enc, _probs(["B-PERSON", "I-PERSON", "B-LOCATION", "O"]), LABELS)
    assert ents == []


def test_abbreviation_full_stop_is_kept() -> None:
    text = "Acme Inc. signed"
    labels = ["O", "B-ORGANIZATION", "I-ORGANIZATION"]
    enc = _enc(text, [(0, 4), (5, 8), (8, 9), (10, 16)])
    probs = np.full((4, 3), 0.01, dtype=np.float32)
    for i, col in enumerate([1, 2, 2, 0]):
        probs[i, col] = 0.98
    ents = decode_entities(text, enc, probs, labels)
    assert [text[e.start : e.end] for e in ents] == ["Acme Inc."]


def test_span_starting_at_punctuation_does_not_swallow_the_previous_word() -> None:
    text = "Hospital, Dublin"
    enc = _enc(text, [(0, 8), (8, 9), (10, 16)])
    ents = decode_entities(text, enc, _probs(["O", "B-LOCATION", "I-LOCATION"]), LABELS)
    assert [text[e.start : e.end] for e in ents] == ["Dublin"]


def _weak(probs: np.ndarray, row: int, label: str, inside: float) -> None:
    """Make token ``row`` lean ``label`` with ``1 - P(O) = inside``."""
    probs[row, :] = (1.0 - inside) / 10
    probs[row, LABELS.index("O")] = 1.0 - inside
    probs[row, LABELS.index(label)] = inside - (1.0 - inside) / 10 * (len(LABELS) - 2)


def test_a_weak_token_between_confident_ones_extends_the_name() -> None:
    text = "Name: Govoni, Morena    Hosp No"
    pieces = [(0, 4), (4, 5), (6, 12), (12, 13), (14, 20), (24, 28), (29, 31)]
    enc = _enc(text, pieces)
    probs = _probs(["O", "O", "B-PERSON", "I-PERSON", "I-PERSON", "O", "O"])
    _weak(probs, 3, "I-PERSON", 0.4)  # the comma: not confident on its own
    two = decode_entities(text, enc, probs, LABELS, threshold=0.8)
    assert [text[e.start : e.end] for e in two] == ["Govoni", "Morena"]
    one = decode_entities(text, enc, probs, LABELS, threshold=0.8, extend_threshold=0.2)
    assert [text[e.start : e.end] for e in one] == ["Govoni, Morena"]
    # below the extension threshold nothing changes
    assert decode_entities(text, enc, probs, LABELS, threshold=0.8, extend_threshold=0.5) == two


def test_weak_tokens_alone_make_no_entity() -> None:
    text = "the renegotiate clause"
    enc = _enc(text, [(0, 3), (4, 15), (16, 22)])
    probs = _probs(["O", "O", "O"])
    _weak(probs, 1, "B-PERSON", 0.7)
    assert decode_entities(text, enc, probs, LABELS, threshold=0.8, extend_threshold=0.2) == []
    _weak(probs, 1, "B-PERSON", 0.85)
    [ent] = decode_entities(text, enc, probs, LABELS, threshold=0.8, extend_threshold=0.2)
    assert text[ent.start : ent.end] == "renegotiate"


def test_a_name_never_continues_across_a_line_break() -> None:
    text = "Vermerk\n\nFrau Katrin Vogel"
    enc = _enc(text, [(0, 7), (9, 13), (14, 20), (21, 26)])
    tags = ["B-PERSON", "I-PERSON", "I-PERSON", "I-PERSON"]
    ents = decode_entities(text, enc, _probs(tags), LABELS)
    assert [text[e.start : e.end] for e in ents] == ["Vermerk", "Katrin Vogel"]
