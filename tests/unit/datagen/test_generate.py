"""The generator's contract: deterministic, exact spans, valid check digits, full coverage,
and a test split written by templates the training split never sees."""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from models.datagen import CATEGORIES, ENTITY_TYPES, Sample, generate
from models.datagen.adversarial import ZERO_WIDTH
from models.datagen.checksums import iban_ok, luhn_ok, nhs_ok, nino_ok, ssn_ok

ROOT = Path(__file__).resolve().parents[3]
DATAGEN = ROOT / "models" / "datagen"
N = 1400


@cache
def split(name: str) -> tuple[Sample, ...]:
    return tuple(generate(split=name, n=N, seed=13))


def canonical(value: str) -> str:
    """The identifier under its obfuscation: no zero-width chars, ASCII digits, no separators."""
    for ch in ZERO_WIDTH:
        value = value.replace(ch, "")
    value = "".join(
        chr(ord(ch) - 0xFF10 + 48) if "\uff10" <= ch <= "\uff19" else ch for ch in value
    )
    return "".join(ch for ch in value if ch.isalnum())


def digest(samples: list[Sample]) -> str:
    return hashlib.sha256(
        "\n".join(json.dumps(s.to_json(), sort_keys=True) for s in samples).encode()
    ).hexdigest()


def test_public_names() -> None:
    import models.datagen as pkg

    assert sorted(pkg.__all__) == ["CATEGORIES", "ENTITY_TYPES", "SPLITS", "Sample", "generate"]
    assert set(CATEGORIES) == {
        "public",
        "internal",
        "confidential",
        "privileged",
        "health",
        "financial_personal",
        "hr",
    }
    assert len(ENTITY_TYPES) == 15


def test_same_arguments_same_output() -> None:
    assert generate("train", 60, 5) == generate("train", 60, 5)
    assert generate("test", 60, 5) == generate("test", 60, 5)


def test_prefix_stable_and_seed_matters() -> None:
    assert generate("train", 80, 5)[:30] == generate("train", 30, 5)
    assert digest(generate("train", 30, 5)) != digest(generate("train", 30, 6))
    assert digest(generate("train", 30, 5)) != digest(generate("dev", 30, 5))


def test_independent_of_hash_seed() -> None:
    code = (
        "import hashlib, json; from models.datagen import generate; "
        "print(hashlib.sha256('\\n'.join(json.dumps(s.to_json(), sort_keys=True) "
        "for s in generate('test', 60, 3) + generate('train', 60, 3)).encode()).hexdigest())"
    )
    outs = set()
    for hash_seed in ("1", "999"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        res = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outs.add(res.stdout.strip())
    assert outs == {digest(generate("test", 60, 3) + generate("train", 60, 3))}


def test_unknown_split_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown split"):
        generate("validation", 1)


@pytest.mark.parametrize("name", ["train", "dev", "test"])
def test_spans_are_exact_and_well_formed(name: str) -> None:
    samples = split(name) if name != "dev" else tuple(generate("dev", 300, 13))
    ids = [s.id for s in samples]
    assert len(set(ids)) == len(ids)
    for s in samples:
        assert 150 <= len(s.text) <= 2000, (s.id, len(s.text))
        assert s.category in CATEGORIES
        assert s.kind.startswith("train." if name != "test" else "test.")
        prev_end = 0
        for start, end, etype in s.spans:
            assert etype in ENTITY_TYPES
            assert prev_end <= start < end <= len(s.text), s.id
            value = s.text[start:end]
            assert value == value.strip(), (s.id, etype)
            prev_end = end


CHECKS = {
    "CREDIT_CARD": luhn_ok,
    "IBAN_CODE": iban_ok,
    "UK_NHS": nhs_ok,
    "US_SSN": ssn_ok,
    "UK_NINO": nino_ok,
}


@pytest.mark.parametrize("name", ["train", "test"])
def test_identifiers_carry_valid_check_digits(name: str) -> None:
    seen: Counter[str] = Counter()
    for s in split(name):
        for start, end, etype in s.spans:
            if etype in CHECKS:
                value = canonical(s.text[start:end])
                assert CHECKS[etype](value), (s.id, etype)
                seen[etype] += 1
    assert set(seen) == set(CHECKS)


@pytest.mark.parametrize("name", ["train", "test"])
def test_every_type_and_category_present(name: str) -> None:
    samples = split(name)
    types = Counter(t for s in samples for _, _, t in s.spans)
    cats = Counter(s.category for s in samples)
    assert set(types) == set(ENTITY_TYPES), set(ENTITY_TYPES) - set(types)
    assert min(types.values()) >= 10, types
    assert set(cats) == set(CATEGORIES)
    assert max(cats.values()) - min(cats.values()) <= 1  # balanced by construction
    locales = Counter(s.locale for s in samples)
    assert len(locales) == 7


@pytest.mark.parametrize("name", ["train", "test"])
def test_adversarial_forms_present_with_spans_on_original_text(name: str) -> None:
    values = [s.text[a:b] for s in split(name) for a, b, _ in s.spans]
    assert any("[at]" in v or "(at)" in v or "{at}" in v for v in values)
    assert any(any(z in v for z in ZERO_WIDTH) for v in values)
    assert any(any("\uff10" <= ch <= "\uff19" for ch in v) for v in values)
    assert any("\n" in v and "BEGIN" not in v for v in values)


def test_hard_negatives_outside_spans_fail_their_checks() -> None:
    """Any IBAN-shaped string outside a span has a bad checksum (look-alikes only)."""
    pattern = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b")
    found = 0
    for s in split("train") + split("test"):
        covered = [False] * len(s.text)
        for a, b, _ in s.spans:
            covered[a:b] = [True] * (b - a)
        for m in pattern.finditer(s.text):
            if not any(covered[m.start() : m.end()]):
                found += 1
                assert not iban_ok(m.group()), s.id
    assert found > 20


def test_git_hashes_and_uuids_are_never_secrets() -> None:
    hexrun = re.compile(
        r"^[0-9a-f]{7,64}$|^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )
    for s in split("train") + split("test"):
        for a, b, etype in s.spans:
            if etype == "SECRET":
                value = s.text[a:b]
                # a 32-hex API key is a secret by context; 40/64-hex and UUIDs are never labelled
                assert not (hexrun.match(value) and len(value) in (7, 36, 40, 64)), s.id


BIRTH_CUES = (
    *("born", "birth", "dob", "d.o.b.", "geboren", "geb.", "geburtsdatum", "geboortedatum"),
    *("né", "née", "naissance", "nacido", "nacimiento", "nato", "nascita"),
)


def test_birth_dates_have_birth_context() -> None:
    cue = re.compile(r"born|birth|dob|d\.o\.b", re.IGNORECASE)

    def near_cue(text: str) -> bool:  # sentence noise may put a typo into the cue word
        words = re.findall(r"[\w.]+", text.lower())
        return any(
            difflib.SequenceMatcher(None, w, target).ratio() >= 0.75
            for w in words
            for target in BIRTH_CUES
        )

    for s in split("train") + split("test"):
        for a, _, etype in s.spans:
            if etype == "DATE_OF_BIRTH":
                # the cue is just before the date, or in a table header (first lines)
                header = "\n".join(s.text.split("\n")[:3])
                assert near_cue(s.text[max(0, a - 60) : a]) or cue.search(header), s.id


def _string_literals(folder: Path) -> set[str]:
    out: set[str] = set()
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = " ".join(node.value.split())
                if len(text) >= 20:
                    out.add(text)
    return out


def test_test_split_templates_disjoint_from_train() -> None:
    train_kinds = {s.kind.split(".", 1)[1] for s in split("train")}
    test_kinds = {s.kind.split(".", 1)[1] for s in split("test")}
    assert train_kinds.isdisjoint(test_kinds)
    train_lits = _string_literals(DATAGEN / "kinds_train")
    test_lits = _string_literals(DATAGEN / "kinds_test")
    assert train_lits and test_lits
    assert train_lits.isdisjoint(test_lits), train_lits & test_lits
    assert not any("kinds_train" in m for m in _imports(DATAGEN / "kinds_test"))
    assert not any("kinds_test" in m for m in _imports(DATAGEN / "kinds_train"))


def _imports(folder: Path) -> set[str]:
    out: set[str] = set()
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                out.add(node.module)
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
    return out


def test_test_sentences_do_not_occur_in_train() -> None:
    """No 8-word run of test-split running text appears verbatim in train text."""

    def shingles(samples: tuple[Sample, ...]) -> set[str]:
        out: set[str] = set()
        for s in samples:
            chars = list(s.text)
            for a, b, _ in s.spans:
                chars[a:b] = ["\x00"] * (b - a)
            words = "".join(chars).lower().split()
            for i in range(len(words) - 7):
                run = words[i : i + 8]
                if not any("\x00" in w for w in run):
                    out.add(" ".join(run))
        return out

    common = shingles(split("train")[:600]) & shingles(split("test")[:600])
    assert not common, sorted(common)[:5]


def test_cli_writes_detect_input_and_gold(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "models.datagen",
            "--split",
            "test",
            "--n",
            "12",
            "--seed",
            "7",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "wrote 12" in res.stderr
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    gold = [
        Sample.from_json(json.loads(x))
        for x in (tmp_path / "t.gold.jsonl").read_text().splitlines()
    ]
    assert [set(x) for x in lines] == [{"id", "text"}] * 12
    assert gold == generate("test", 12, 7)
    assert [x["text"] for x in lines] == [g.text for g in gold]


def test_cli_stats(capsys: pytest.CaptureFixture[str]) -> None:
    from models.datagen.__main__ import main

    assert main(["--split", "test", "--n", "30", "--seed", "2", "--stats"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("30 sections")
    assert "entity types:" in out and "categories:" in out and "locales:" in out


@pytest.mark.parametrize("name", ["train", "test"])
def test_card_like_numbers_outside_spans_fail_luhn(name: str) -> None:
    """16-digit look-alikes occur without spans, and none of them is Luhn-valid."""
    pattern = re.compile(r"(?<![\d\w])(?:\d{4}[ -]?){3}\d{4}(?![\d\w])")
    iban_like = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){3,7}(?:[ -]?[A-Z0-9]{1,4})?\b")
    found = 0
    for s in split(name):
        covered = [False] * len(s.text)
        for a, b, _ in s.spans:
            covered[a:b] = [True] * (b - a)
        for m in iban_like.finditer(s.text):  # digits inside an (invalid) IBAN are no card
            covered[m.start() : m.end()] = [True] * (m.end() - m.start())
        for m in pattern.finditer(s.text):
            if not any(covered[m.start() : m.end()]):
                found += 1
                assert not luhn_ok(re.sub(r"\D", "", m.group())), s.id
    assert found >= 10
