"""First names in a person context (issue 17): a table of matches and no-matches, the
rule that a covered span is left alone, the generated list, and the real engine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.detect import load_engine
from agent.detect.given_names import OWNER_SCORE, STRONG_SCORE, add_given_names, is_given_name
from agent.domain import Entity, EntityType

ROOT = Path(__file__).resolve().parents[3]


def _names(text: str) -> list[tuple[str, float]]:
    return [(text[e.start : e.end], e.score) for e in add_given_names(text, [])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the shapes issue 17 counted as leaked
        ("hey, this is priya from finance - quick question", [("priya", STRONG_SCORE)]),
        ("thanks tom! will do", [("tom", STRONG_SCORE)]),
        ("Priya will send the deck by Friday.", [("Priya", OWNER_SCORE)]),
        # more of the same contexts
        ("cc: anna, can you look", [("anna", STRONG_SCORE)]),
        ("@priya the link is broken", [("priya", STRONG_SCORE)]),
        ("I'm Tom with the data team.", [("Tom", STRONG_SCORE)]),
        ("[09:14] anna: morning all", [("anna", OWNER_SCORE)]),
        ("<tom> the export is done", [("tom", OWNER_SCORE)]),
        ("Actions:\n- Tom to update the forecast", [("Tom", OWNER_SCORE)]),
        ("Fine. Anna and Peter will chase legal.", [("Anna", OWNER_SCORE), ("Peter", OWNER_SCORE)]),
        ("Priya'll send it over.", [("Priya", OWNER_SCORE)]),
        # the other locales' greetings and introductions
        ("dank je fleur, ik bel de arts", [("fleur", STRONG_SCORE)]),
        (
            "hoi daan, dit is fleur van de nachtdienst",
            [("daan", STRONG_SCORE), ("fleur", STRONG_SCORE)],
        ),
        ("merci camille, je regarde", [("camille", STRONG_SCORE)]),
        ("danke jonas! schicke sie heute", [("jonas", STRONG_SCORE)]),
        ("grazie Paolo", [("Paolo", STRONG_SCORE)]),
        ("hola, soy ana de finanzas", [("ana", STRONG_SCORE)]),
        # no match: not a given name, not at a sentence start, or an e-mail address
        ("thanks again, thanks all, hi team", []),
        ("Legal will review the contract. Everyone will attend. This will help.", []),
        ("this is it from here on", []),
        ("The report of Anna will follow.", []),
        ("mail priya@example.com or thanks priya.sharma@example.com", []),
        ("Subject: hello\nNote: see below", []),
    ],
)
def test_given_names_in_person_contexts(text: str, expected: list[tuple[str, float]]) -> None:
    assert _names(text) == expected


def test_a_span_already_found_is_left_alone() -> None:
    text = "Paris will host the summit."
    place = Entity(EntityType.LOCATION, 0, 5, 0.9, "model")
    assert add_given_names(text, [place]) == [place]
    assert _names(text) == [("Paris", OWNER_SCORE)]  # uncovered, the context decides


def test_the_list_holds_names_of_many_cultures_and_no_stop_words() -> None:
    for name in ("Priya", "tom", "Anna", "Kenneth", "Fatima", "Giulia", "Sanne"):
        assert is_given_name(name), name
    for word in ("can", "man", "all", "team", "legal", "the", "and", "will"):
        assert not is_given_name(word), word


def test_given_names_file_is_up_to_date() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_given_names.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_engine_redacts_the_names_issue_17_leaked() -> None:
    engine = load_engine("onnx")
    texts = [
        "[10:02] this is priya from finance, is the payroll export done?\n"
        "[10:05] ok thanks priya, sending now",
        "Minutes\nPriya will send the deck to the board; the forecast stays as it is.",
    ]
    for text, res in zip(texts, engine.analyze(texts), strict=True):
        persons = {text[e.start : e.end].lower() for e in res.entities if e.type == "PERSON"}
        assert "priya" in persons, text
        covered = {i for e in res.entities for i in range(e.start, e.end)}
        for i in (i for i in range(len(text)) if text.lower().startswith("priya", i)):
            assert i in covered, (text, i)
