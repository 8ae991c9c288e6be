"""Request verbs at a clause start are not names (``agent.detect.imperatives``)."""

from __future__ import annotations

import pytest

from agent.detect.imperatives import (
    AMBIGUOUS,
    IMPERATIVES,
    clause_start,
    without_leading_imperative,
)
from agent.detect.merge import merge
from agent.domain import Entity, EntityType

P = EntityType.PERSON
L = EntityType.LOCATION
O = EntityType.ORGANIZATION  # noqa: E741

#: English given names and surnames that are also verbs (not all are in Faker's lists)
NAME_VERBS = frozenset(
    {
        "mark", "will", "grant", "chase", "hunter", "drew", "bill", "rob", "sue", "pat",
        "frank", "jack", "ray", "guy", "miles", "lee", "dale", "glen", "read", "cook",
        "page", "fish", "rich", "don", "art", "skip", "wade", "rusty", "sandy", "jimmy",
        "bob", "joy", "hope", "may", "june", "summer", "dawn", "eve", "faith", "lees",
    }
)  # fmt: skip
#: places that are also verbs ("Split" in Croatia, "Reading", "Nice", "Sale", "Bath")
PLACE_VERBS = frozenset({"split", "reading", "nice", "sale", "bath", "mets", "wells", "deal"})


def test_no_name_or_place_word_is_a_request_verb() -> None:
    from faker import Faker

    attrs = ("first_names", "first_names_male", "first_names_female", "last_names", "cities")
    words: set[str] = set(NAME_VERBS | PLACE_VERBS)
    for locale in ("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT"):
        for provider in Faker(locale).get_providers():
            for attr in attrs:
                values = getattr(provider, attr, None)
                if isinstance(values, dict):
                    values = list(values)
                if isinstance(values, list | tuple):
                    for value in values:
                        words.update(w.lower() for w in str(value).replace("-", " ").split())
    clash = sorted(IMPERATIVES & words)
    assert not clash, clash
    assert IMPERATIVES | {"pass"} >= AMBIGUOUS


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("Summarise the key points.", 0, True),
        ("Please summarise the key points.", 7, True),
        ("Hi, please check this.", 11, True),
        ("Read it. Summarise it.", 9, True),
        ("- Translate the memo", 2, True),
        ("1. Draft a reply", 3, True),
        ("Tasks:\nCompare the two", 7, True),
        ("Bitte fasse den Vertrag zusammen", 6, True),
        ("and then translate it", 9, True),
        ("We asked Summarise Ltd", 9, False),
        ("Ask John Roe", 4, False),
    ],
)
def test_clause_start(text: str, start: int, expected: bool) -> None:
    assert clause_start(text, start) is expected


def span(text: str, value: str, etype: EntityType = P, score: float = 0.6) -> Entity:
    i = text.index(value)
    return Entity(etype, i, i + len(value), score, "model")


@pytest.mark.parametrize(
    ("text", "value", "etype", "left"),
    [
        ("Summarise the key points.", "Summarise", L, None),
        ("Summarise this notice in one sentence.", "Summarise", O, None),
        ("Riassumi il contratto.", "Riassumi", P, None),
        ("Fasse den Vertrag zusammen.", "Fasse", P, None),
        ("Vat de notulen samen.", "Vat", L, None),
        ("Say in one sentence what this notice announces.", "Say", P, None),
        ("Please translate it.", "translate", P, None),
        ("Check John Roe's card payments and overdraft", "Check John Roe", P, "John Roe"),
        ("Summarise Mr Patel's results", "Summarise Mr Patel", P, "Mr Patel"),
        ("Résume la lettre de Claire Dubois", "Claire Dubois", P, "Claire Dubois"),
        ("State Street Bank said no.", "State Street Bank", O, "State Street Bank"),
        ("Mark will send the deck.", "Mark", P, "Mark"),
        ("We met Translate Partners today.", "Translate Partners", O, "Translate Partners"),
    ],
)
def test_a_leading_request_verb_is_not_a_name(
    text: str, value: str, etype: EntityType, left: str | None
) -> None:
    ent = span(text, value, etype)
    out = without_leading_imperative(text, ent)
    assert (None if out is None else text[out.start : out.end]) == left
    merged = merge(text, [ent], [])
    assert [text[e.start : e.end] for e in merged] == ([] if left is None else [left])
