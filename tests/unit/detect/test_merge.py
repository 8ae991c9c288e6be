"""Merging model and pattern findings; redaction placeholders."""

from __future__ import annotations

from agent.detect.merge import merge, redact_text
from agent.domain import Entity, EntityType

P = EntityType.PERSON
L = EntityType.LOCATION
C = EntityType.CREDIT_CARD
E = EntityType.EMAIL_ADDRESS


def ent(t: EntityType, s: int, e: int, score: float = 0.9, src: str = "model") -> Entity:
    return Entity(t, s, e, score, src)


def test_same_type_overlap_becomes_the_union() -> None:
    out = merge([ent(P, 0, 10, 0.7)], [ent(P, 5, 14, 0.9, "pattern")])
    assert [(e.type, e.start, e.end, e.score) for e in out] == [(P, 0, 14, 0.9)]
    assert out[0].source == "model+pattern"


def test_model_span_inside_a_pattern_span_of_another_type_is_dropped() -> None:
    out = merge([ent(L, 12, 18)], [ent(E, 10, 30, 1.0, "email")])
    assert [(e.type, e.start, e.end) for e in out] == [(E, 10, 30)]


def test_model_span_sticking_out_of_a_pattern_span_is_kept() -> None:
    out = merge([ent(P, 5, 20)], [ent(E, 10, 30, 1.0, "email")])
    assert {(e.type, e.start, e.end) for e in out} == {(P, 5, 20), (E, 10, 30)}


def test_model_only_checksum_type_is_dropped_without_a_pattern() -> None:
    out = merge([ent(C, 0, 19), ent(P, 30, 40)], [])
    assert [(e.type, e.start) for e in out] == [(P, 30)]


def test_disjoint_findings_are_all_kept_in_order() -> None:
    out = merge([ent(P, 20, 25)], [ent(E, 0, 10, 1.0, "email")])
    assert [e.start for e in out] == [0, 20]


def test_redact_text_replaces_each_entity() -> None:
    text = "Call Anna at anna@x.org now"
    out = redact_text(text, [ent(P, 5, 9), ent(E, 13, 23)])
    assert out == "Call <PERSON> at <EMAIL_ADDRESS> now"


def test_redact_text_collapses_overlaps_into_one_placeholder() -> None:
    text = "abcdefghij"
    out = redact_text(text, [ent(P, 1, 5, 0.6), ent(L, 3, 8, 0.8)])
    assert out == "a<LOCATION>ij"
