"""Every mention of a found name is redacted, with guards against spreading guesses."""

from __future__ import annotations

from agent.detect.propagate import propagate
from agent.domain import Entity, EntityType


def _found(
    text: str, value: str, etype: EntityType = EntityType.PERSON, score: float = 0.99
) -> Entity:
    start = text.index(value)
    return Entity(etype, start, start + len(value), score, "model")


def _values(text: str, entities: list[Entity]) -> list[tuple[str, str, str]]:
    return [(text[e.start : e.end], e.type.value, e.source) for e in entities]


def test_a_name_found_once_is_found_in_every_mention() -> None:
    text = "<Natalia Impastato> hi\nPayslip query from natalia  impastato: tax code wrong."
    out = propagate(text, [_found(text, "Natalia Impastato")])
    assert _values(text, out) == [
        ("Natalia Impastato", "PERSON", "model"),
        ("natalia  impastato", "PERSON", "propagated"),
    ]


def test_whole_words_only_and_no_second_entity_over_a_found_one() -> None:
    text = "Impastato met Impastatos; Mr Impastato left."
    first = _found(text, "Impastato")
    third = Entity(
        EntityType.PERSON, text.rindex("Impastato"), text.rindex("Impastato") + 9, 0.9, "x"
    )
    out = propagate(text, [first, third])
    assert out == [first, third]


def test_places_and_organisations_propagate_with_their_type() -> None:
    text = "Site in Aachen. The Aachen office; Acme Holdings and ACME HOLDINGS."
    out = propagate(
        text,
        [
            _found(text, "Aachen", EntityType.LOCATION),
            _found(text, "Acme Holdings", EntityType.ORGANIZATION),
        ],
    )
    assert [(v, t) for v, t, _ in _values(text, out)] == [
        ("Aachen", "LOCATION"),
        ("Aachen", "LOCATION"),
        ("Acme Holdings", "ORGANIZATION"),
        ("ACME HOLDINGS", "ORGANIZATION"),
    ]


def test_a_short_one_word_name_keeps_its_case() -> None:
    text = "Ms Bien filed a report. C'est bien fait; Bien agreed."
    out = propagate(text, [_found(text, "Bien")])
    assert [text[e.start : e.end] for e in out] == ["Bien", "Bien"]  # not the adverb "bien"


def test_weak_one_word_findings_and_function_words_do_not_spread() -> None:
    text = "renegotiate now; we renegotiate later. He said: He left."
    weak = _found(text, "renegotiate", score=0.9)
    pronoun = _found(text, "He")
    assert propagate(text, [weak, pronoun]) == [weak, pronoun]


def test_other_types_do_not_spread() -> None:
    text = "call 020 7946 0000 or 020 7946 0000"
    phone = Entity(EntityType.PHONE_NUMBER, 5, 18, 0.99, "phone")
    assert propagate(text, [phone]) == [phone]


def test_text_whose_lowercase_moves_offsets_is_matched_in_its_own_case() -> None:
    text = "İstanbul office: Maria Rossi. Later MARIA ROSSI and Maria  Rossi called."
    out = propagate(text, [_found(text, "Maria Rossi")])
    assert [text[e.start : e.end] for e in out] == ["Maria Rossi", "Maria  Rossi"]
