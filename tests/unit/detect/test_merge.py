"""Merging model and pattern findings; redaction placeholders."""

from __future__ import annotations

import pytest

from agent.detect.merge import merge, redact_text
from agent.domain import Entity, EntityType

P = EntityType.PERSON
L = EntityType.LOCATION
C = EntityType.CREDIT_CARD
E = EntityType.EMAIL_ADDRESS
I = EntityType.IBAN_CODE  # noqa: E741

TEXT = "x" * 100


def ent(t: EntityType, s: int, e: int, score: float = 0.95, src: str = "model") -> Entity:
    return Entity(t, s, e, score, src)


def test_same_type_overlap_of_names_becomes_the_union() -> None:
    out = merge(TEXT, [ent(P, 0, 10, 0.7)], [ent(P, 5, 14, 0.9, "pattern")])
    assert [(e.type, e.start, e.end, e.score) for e in out] == [(P, 0, 14, 0.9)]
    assert out[0].source == "model+pattern"


def test_same_type_overlap_of_a_pattern_type_keeps_the_pattern_boundaries() -> None:
    text = "Mail thomas@example.ie. Bye"
    out = merge(text, [ent(E, 5, 23)], [ent(E, 5, 22, 1.0, "email")])
    assert [(e.start, e.end) for e in out] == [(5, 22)]


def test_model_span_inside_a_pattern_span_of_another_type_is_dropped() -> None:
    out = merge(TEXT, [ent(L, 12, 18)], [ent(E, 10, 30, 1.0, "email")])
    assert [(e.type, e.start, e.end) for e in out] == [(E, 10, 30)]


def test_model_span_sticking_out_of_a_pattern_span_is_kept() -> None:
    out = merge(TEXT, [ent(P, 5, 20)], [ent(E, 10, 30, 1.0, "email")])
    assert {(e.type, e.start, e.end) for e in out} == {(P, 5, 20), (E, 10, 30)}


@pytest.mark.parametrize(
    ("value", "etype", "kept"),
    [
        ("4111 1111 1111 1111", C, True),
        ("4111 1111 1111 1112", C, False),  # Luhn-invalid: an order number, not a card
        ("４１１１１１１１１１１１１１１１", C, True),  # full-width digits
        ("GB82 WEST 1234 5698 7654 32", I, True),
        ("GB82 WEST 1234 5698 7654 33", I, False),
    ],
)
def test_model_only_checksum_type_counts_only_when_valid(
    value: str, etype: EntityType, kept: bool
) -> None:
    text = f"Ref: {value} ok"
    out = merge(text, [ent(etype, 5, 5 + len(value))], [])
    assert bool(out) is kept


def test_model_only_email_needs_a_high_score() -> None:
    text = "jo@x.io.be and more"
    assert merge(text, [ent(E, 0, 10, 0.6)], []) == []
    assert len(merge(text, [ent(E, 0, 10, 0.97)], [])) == 1


@pytest.mark.parametrize("score", [0.5, 0.97])
def test_model_only_email_without_an_at_sign_is_kept_as_a_person(score: float) -> None:
    # an IRC nick reads like a mailbox in "Name <mailbox>": still a name, still redacted
    text = "12h32 <anja kessler> agreed"
    out = merge(text, [ent(E, 7, 19, score)], [])
    assert [(e.type, e.start, e.end) for e in out] == [(P, 7, 19)]


@pytest.mark.parametrize("value", ["jo [at] x [dot] io", "jo(at)x.io", "jo at x [dot] io"])
def test_model_only_obfuscated_email_stays_an_email(value: str) -> None:
    out = merge(value, [ent(E, 0, len(value), 0.97)], [])
    assert [e.type for e in out] == [E]


@pytest.mark.parametrize(
    ("value", "etype"),
    [("He", P), ("Sie uns", EntityType.ORGANIZATION), ("beim", L), ("fue", P)],
)
def test_model_only_name_of_function_words_is_dropped(value: str, etype: EntityType) -> None:
    text = f"{value} was here."
    assert merge(text, [ent(etype, 0, len(value), 0.99)], []) == []


@pytest.mark.parametrize("value", ["Will", "May", "Sara", "van Dijk", "Di Stefano", "He Wei"])
def test_names_that_look_like_function_words_are_kept(value: str) -> None:
    text = f"{value} was here."
    assert len(merge(text, [ent(P, 0, len(value), 0.99)], [])) == 1


def test_function_words_found_by_a_pattern_of_the_same_type_are_kept() -> None:
    text = "He was here."
    out = merge(text, [ent(P, 0, 2)], [ent(P, 0, 2, 0.9, "pattern")])
    assert len(out) == 1


def test_disjoint_findings_are_all_kept_in_order() -> None:
    out = merge(TEXT, [ent(P, 20, 25)], [ent(E, 0, 10, 1.0, "email")])
    assert [e.start for e in out] == [0, 20]


def test_redact_text_replaces_each_entity() -> None:
    text = "Call Anna at anna@x.org now"
    out = redact_text(text, [ent(P, 5, 9), ent(E, 13, 23)])
    assert out == "Call <PERSON> at <EMAIL_ADDRESS> now"


def test_redact_text_collapses_overlaps_into_one_placeholder() -> None:
    text = "abcdefghij"
    out = redact_text(text, [ent(P, 1, 5, 0.6), ent(L, 3, 8, 0.8)])
    assert out == "a<LOCATION>ij"


@pytest.mark.parametrize(
    ("value", "etype", "kept"),
    [
        ("+44 20 7946 0958", EntityType.PHONE_NUMBER, True),
        ("+1\n01", EntityType.PHONE_NUMBER, False),  # "+1" and the next line's clock
        ("6942", EntityType.PHONE_NUMBER, False),  # a port number
        ("10.0.12.7", EntityType.IP_ADDRESS, True),
        ("１０.０.１２.７", EntityType.IP_ADDRESS, True),  # full-width digits
        ("2001:db8::1", EntityType.IP_ADDRESS, True),
        ("65.119.153:1312", EntityType.IP_ADDRESS, False),  # half an address and a port
        ("7 Juli 1944", EntityType.DATE_OF_BIRTH, True),
        ("03/03/1972", EntityType.DATE_OF_BIRTH, True),
        ("17h29", EntityType.DATE_OF_BIRTH, False),
        ("naissance", EntityType.DATE_OF_BIRTH, False),
    ],
)
def test_model_only_finding_must_have_its_types_shape(
    value: str, etype: EntityType, kept: bool
) -> None:
    text = f"{value} end"
    assert bool(merge(text, [ent(etype, 0, len(value), 0.99)], [])) is kept


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("19h55", False),
        ("08:42", False),
        ("000", False),
        ("X", False),
        ("Li", True),
        ("SW1A 1AA", True),
    ],
)
def test_model_only_name_or_place_must_be_name_shaped(value: str, kept: bool) -> None:
    text = f"{value} end"
    assert bool(merge(text, [ent(L, 0, len(value), 0.99)], [])) is kept


@pytest.mark.parametrize(
    ("value", "score", "kept"),
    [
        ("renegotiate", 0.80, False),  # one lower-case word, a weak guess
        ("renegotiate", 0.90, True),
        ("Renegotiate", 0.80, True),  # capitals or a second word: the usual bar
        ("dino seidel", 0.80, True),
    ],
)
def test_one_lowercase_word_as_a_model_only_person_needs_a_higher_score(
    value: str, score: float, kept: bool
) -> None:
    text = f"Then {value} said no."
    ent = Entity(EntityType.PERSON, 5, 5 + len(value), score, "model")
    assert (merge(text, [ent], []) == [ent]) is kept


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("Summer2024!", True),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", True),
        ("correct-lamp-staple-river", True),
        ("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----", True),
        ("<your-api-key>", False),  # placeholders and references to a vault
        ("${DB_PASSWORD}", False),
        ("{{ vault.smtp_password }}", False),
        ("********", False),
        ("[REDACTED]", False),
        ("env:API_TOKEN", False),
        ("107416e0330f3e21e8b8d44163716057c4ac99f3", False),  # a git commit hash
        ("ccc76368-0d12-4efb-bef0-5493eee40a62", False),  # a UUID
        ("rotate the key", False),  # prose
    ],
)
def test_model_only_secret_must_look_like_one(value: str, kept: bool) -> None:
    text = f"token: {value} end"
    found = merge(text, [ent(EntityType.SECRET, 7, 7 + len(value), 0.99)], [])
    assert bool(found) is kept


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("MRN 44821993 on file", True),
        ("Patient 44821993 is on ward 7B", True),
        ("Claim no. 44821993 filed", False),  # a reference word before it
        ("Invoice 12345678 for the MRN", False),
        ("MRN 55512345 (claim ref CLM-2024-1234)", True),
        ("Ward 7B, patient 12345678", True),
        ("MRN 12 X", False),  # three digits at least
    ],
)
def test_model_only_record_number_is_not_a_reference_number(text: str, kept: bool) -> None:
    value = next(w.strip(",.") for w in text.split() if sum(map(str.isdigit, w)) >= 2)
    start = text.rindex(value)
    mrn = EntityType.MEDICAL_RECORD_NUMBER
    found = merge(text, [ent(mrn, start, start + len(value), 0.99)], [])
    assert bool(found) is kept


@pytest.mark.parametrize("etype", [P, EntityType.ORGANIZATION, L])
def test_a_name_ends_before_its_possessive(etype: EntityType) -> None:
    text = "Mr Patel’s number and Acme's offer"
    out = merge(text, [ent(etype, 3, 10), ent(etype, 22, 28)], [])
    assert [text[e.start : e.end] for e in out] == ["Patel", "Acme"]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Objet : Licenciement", False),
        ("Paziente: Rossi", False),
        ("Betreft:\tontslag", False),
        ("23:22 <VAN> agreed", True),  # a chat nick that is also a particle
        ("Objet trouvé", True),  # no colon: the word may be a name
    ],
)
def test_a_field_label_before_a_colon_is_not_a_name(text: str, kept: bool) -> None:
    word = text.split()[0].rstrip(":") if "<" not in text else "VAN"
    start = text.index(word)
    found = merge(text, [ent(P, start, start + len(word), 0.99)], [])
    assert bool(found) is kept
