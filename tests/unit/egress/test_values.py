"""``KnownValues`` and the fold under it: each normalised form of a value is found,
lookalikes that are not the value are not, and matching stays linear."""

from __future__ import annotations

import base64
import html
import json
import re
import time
import unicodedata
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.domain import EntityType
from agent.egress import KnownValues
from agent.egress.confusables import CONFUSABLES
from agent.egress.fold import Folded

PERSON, CARD, SECRET = EntityType.PERSON, EntityType.CREDIT_CARD, EntityType.SECRET


def hits(known: KnownValues, text: str) -> list[tuple[str, int, str]]:
    return [(f.rule, f.value_index, text[f.start : f.end]) for f in known.find(text)]


KNOWN = KnownValues.build(
    [
        (PERSON, "Jane Doe"),
        (CARD, "4111 1111 1111 1111"),
        (PERSON, "Mark"),
        (PERSON, "Al"),
        (PERSON, "Sophie van der Berg"),
        (SECRET, "hunter2-Pa55"),
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JANE DOE wrote", "JANE DOE"),
        ("jane   doe", "jane   doe"),
        ("Jane\nDoe", "Jane\nDoe"),
        ("JaneDoe", "JaneDoe"),
        ("Jane-Doe", "Jane-Doe"),
        ("jane.doe@example.com", "jane.doe"),
        ("Jаne Dое (Cyrillic а, е, о)", "Jаne Dое"),
        ("Ｊａｎｅ Ｄｏｅ", "Ｊａｎｅ Ｄｏｅ"),
        ("Ja\u200bne D\u200doe", "Ja\u200bne D\u200doe"),
        ("Jané Döe", "Jané Döe"),
        ('"\\u004aane Doe"', "\\u004aane Doe"),
        ("q=Jane%20Doe&x=1", "Jane%20Doe"),
        ("&#74;ane&nbsp;Doe", "&#74;ane&nbsp;Doe"),
        ("Doe, Jane", "Doe, Jane"),
        ("DOE Jane", "DOE Jane"),
        ("J. Doe signed", "J. Doe"),
        ("Doe J.", "Doe J"),
        ("Berg, Sophie van der", "Berg, Sophie van der"),
        ("refunds_4111111111111111.csv", "4111111111111111"),
        ("4111-1111-1111-1111", "4111-1111-1111-1111"),
        ("４１１１ １１１１ １１１１ １１１１", "４１１１ １１１１ １１１１ １１１１"),
        ("Mark's notes", "Mark"),
        ("HUNTER2 pa55", "HUNTER2 pa55"),
    ],
)
def test_each_normalised_form_is_found(text: str, expected: str) -> None:
    assert expected in [value for _, _, value in hits(KNOWN, text)]


@pytest.mark.parametrize(
    "text",
    [
        "the market opened",  # Mark inside a word
        "Janet Doering",  # Jane Doe inside longer words
        "Al and Jo",  # short values are ignored
        "Sophie Berg",  # not the same name
        "41111111111111112",  # the card inside a longer number
        "Jane",  # part of the name
        "Doe",
        "Ja ne",
    ],
)
def test_what_is_not_the_value_is_not_found(text: str) -> None:
    assert hits(KNOWN, text) == []


def test_short_values_are_counted_as_ignored() -> None:
    assert KNOWN.ignored == 1 and len(KNOWN) == 5
    assert len(KnownValues.build([(None, "a-b"), (None, " 12 ")])) == 0


def test_findings_carry_type_rule_and_index_never_the_value() -> None:
    (finding,) = KNOWN.find("Sent to Doe, Jane.")
    assert finding.entity_type is PERSON
    assert finding.value_index == 0
    assert finding.rule == "known:name_order_1"
    assert "Jane" not in repr(finding)


@pytest.mark.parametrize("align", [0, 1, 2])
@pytest.mark.parametrize("urlsafe", [False, True])
def test_base64_of_the_value_at_every_alignment(align: int, urlsafe: bool) -> None:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    blob = encode(b"xy"[:align] + "Sophie van der Berg ü?>".encode() + b"tail").decode()
    known = KnownValues.build([(None, "Sophie van der Berg ü?>")])
    assert [rule for rule, _, _ in hits(known, f"data:{blob};")] == ["known:base64"]
    wrapped = "\n".join(blob[i : i + 7] for i in range(0, len(blob), 7))
    assert [rule for rule, _, _ in hits(known, wrapped)] == ["known:base64"]


def test_name_order_is_only_for_people() -> None:
    known = KnownValues.build([(EntityType.ORGANIZATION, "Acme Widgets")])
    assert hits(known, "Widgets Acme") == []
    assert hits(known, "ACME-WIDGETS") == [("known:compact", 0, "ACME-WIDGETS")]


def test_bad_input_is_refused() -> None:
    with pytest.raises(TypeError):
        KnownValues.build([(PERSON, None)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        KnownValues.build([("PERSON", "Jane Doe")])  # type: ignore[list-item]


# -- the fold --------------------------------------------------------------------------
def test_confusable_table_maps_letters_of_other_scripts_to_latin() -> None:
    assert len(CONFUSABLES) > 80
    for source, target in CONFUSABLES.items():
        assert len(source) == 1 and not source.isascii()
        assert len(target) == 1 and target.isascii() and target.isalpha()
        name = unicodedata.name(source)
        assert name.split()[0] in {"CYRILLIC", "GREEK", "LATIN", "ARMENIAN", "CHEROKEE"}, name
        assert (
            source.isupper() == target.isupper()
            or not source.isalpha()
            or name.startswith(("LATIN LETTER SMALL CAPITAL", "CHEROKEE"))
        )


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Ｊａｎｅ", "Jane"),
        ("a\u200bb\u200cc\u200dd\u2060e\ufeff\u00adf", "abcdef"),
        ("\u202eevil\u202c", "evil"),
        ("caf\u00e9 cafe\u0301", "cafe cafe"),
        ("٤٥٦ ४५६", "456 456"),
        ("a\u00a0b\u2003c", "a b c"),
        ("x\u2013y\u2212z", "x-y-z"),
        ("\\u0041\\ud83d\\ude00", "A\U0001f600"),
        ("%4A%C3%A9", "Je"),
        ("&amp;&#x41;&#66;&commat;&bogus;", "&AB@&bogus;"),
        ("%2541", "%41"),
    ],
)
def test_the_fold(text: str, folded: str) -> None:
    assert Folded.of(text).text == folded


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("aZ1 -.%&#;\\u004x@é４\u200bаΟ\n"), max_size=60)
    | st.text(max_size=60)
)
def test_the_fold_maps_every_character_into_the_original(text: str) -> None:
    view = Folded.of(text)
    assert Folded.fold_text(text) == view.text
    assert len(view.starts) == len(view.ends) == len(view.text)
    previous = 0
    for start, end in zip(view.starts, view.ends, strict=True):
        assert 0 <= start < end <= len(text)
        assert start >= previous
        previous = start
    compact = view.keep(re.compile(r"[^\W_]+"), lower=True)
    assert compact.parent_index is not None
    assert [view.text[i].lower() for i in compact.parent_index] == list(compact.text) or not (
        compact.text.isascii()
    )


# -- properties ------------------------------------------------------------------------
names = st.lists(st.from_regex(r"[A-Z][a-z]{2,8}", fullmatch=True), min_size=2, max_size=3).map(
    " ".join
)
numbers = st.from_regex(r"[1-9][0-9]{7,15}", fullmatch=True)


def _spaced_case(value: str) -> str:
    return " ".join(value.upper().split())


def _json_escaped(value: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in value)


def _url_encoded(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _html_entities(value: str) -> str:
    return "".join(f"&#{ord(c)};" if i % 2 else html.escape(c) for i, c in enumerate(value))


def _zero_width(value: str) -> str:
    return "\u200b".join(value)


def _full_width(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def _cyrillic(value: str) -> str:
    return value.replace("a", "а").replace("e", "е").replace("o", "о")


def _hyphens(value: str) -> str:
    return value.replace(" ", "-")


def _squeezed(value: str) -> str:
    return value.replace(" ", "")


def _surname_first(value: str) -> str:
    words = value.split()
    return f"{words[-1]}, {' '.join(words[:-1])}"


def _initial(value: str) -> str:
    words = value.split()
    return f"{words[0][0]}. {words[-1]}"


def _base64(value: str) -> str:
    return base64.b64encode(b"to:" + value.encode()).decode()


NAME_FORMS = [
    *(_spaced_case, _json_escaped, _url_encoded, _html_entities, _zero_width, _full_width),
    *(_cyrillic, _hyphens, _squeezed, _surname_first, _initial, _base64),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=names,
    form=st.sampled_from(NAME_FORMS),
    before=st.text(alphabet=" ,.;:\n()[]\"'", max_size=12),
    after=st.text(alphabet=" ,.;:\n()[]\"'", max_size=12),
    others=st.lists(names, max_size=20),
)
def test_a_planted_name_is_found_in_each_form(
    name: str, form: object, before: str, after: str, others: list[str]
) -> None:
    assert callable(form)
    known = KnownValues.build([(PERSON, o) for o in others] + [(PERSON, name)])
    written = str(form(name))
    text = f"{before}{written}{after}"
    assert any(f.value_index == len(others) for f in known.find(text)), (written, text)


@settings(max_examples=100, deadline=None)
@given(
    number=numbers,
    separator=st.sampled_from(["", " ", "-", ".", " - "]),
    around=st.sampled_from([("", ""), ("ref_", ".csv"), ("x", "y"), ('{"n":"', '"}')]),
)
def test_a_planted_number_is_found_with_any_separators(
    number: str, separator: str, around: tuple[str, str]
) -> None:
    known = KnownValues.build([(CARD, number)])
    written = separator.join(number[i : i + 3] for i in range(0, len(number), 3))
    for text in (around[0] + written + around[1], json.dumps(written)):
        assert known.find(text), text


def test_matching_is_linear_in_the_text_for_many_values() -> None:
    values = [(PERSON, f"Person{i:05d} Surname{i * 7 % 9973:04d}") for i in range(5000)]
    known = KnownValues.build(values)
    chunk = f"The client {values[-1][1]} wrote about the invoice, ref 12345. " * 10
    small, large = chunk * 10, chunk * 160
    known.find(small)
    started = time.perf_counter()
    known.find(small)
    t_small = time.perf_counter() - started
    started = time.perf_counter()
    found = known.find(large)
    t_large = time.perf_counter() - started
    assert len(found) == 1600
    assert t_large < 16 * t_small * 3 + 0.5  # linear, with room for a shared machine
