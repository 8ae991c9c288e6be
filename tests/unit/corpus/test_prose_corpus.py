"""The hand-written prose evaluation set (bench/corpus): format, types, checksums, loader."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bench.corpus import make_ids
from bench.corpus.prose import (
    CATEGORIES,
    CLOSE,
    ENTITY_TYPES,
    LOCALES,
    OPEN,
    ProseFormatError,
    ProseSection,
    document_paths,
    load_prose_corpus,
    parse_annotated,
    parse_document,
    to_gold_jsonl,
    to_samples,
)

MAX_SECTION_CHARS = 2000  # README: "at most ~2000"


@pytest.fixture(scope="module")
def corpus() -> list[ProseSection]:
    return load_prose_corpus()


def _where(s: ProseSection) -> str:
    return f"{s.doc_id} section {s.index}"


# --------------------------------------------------------------------------- the parser


def test_annotation_becomes_span_in_code_points() -> None:
    text, spans = parse_annotated("Bonjour ⟦PERSON|Zoë Müller⟧, ruf ⟦PHONE_NUMBER|０３０ 1234⟧ an")
    assert text == "Bonjour Zoë Müller, ruf ０３０ 1234 an"
    assert [text[a:b] for a, b, _ in spans] == ["Zoë Müller", "０３０ 1234"]
    assert [t for _, _, t in spans] == ["PERSON", "PHONE_NUMBER"]


def test_value_may_span_lines_and_contain_a_bar() -> None:
    text, spans = parse_annotated("NHS ⟦UK_NHS|943 476\n5919⟧ pw ⟦SECRET|a|b⟧.")
    assert text == "NHS 943 476\n5919 pw a|b."
    assert [text[a:b] for a, b, _ in spans] == ["943 476\n5919", "a|b"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("a ⟦PERSON|Jane b", "unclosed"),
        ("a PERSON|Jane⟧ b", "without"),
        ("⟦PERSON|Jane ⟦LOCATION|Leeds⟧⟧", "nested"),
        ("⟦PERSONA|Jane⟧", "unknown entity type"),
        ("⟦Jane Doe⟧", "without TYPE"),
        ("⟦PERSON|⟧", "empty"),
        ("⟦PERSON| Jane⟧", "space-padded"),
    ],
)
def test_malformed_annotations_are_refused(raw: str, message: str) -> None:
    with pytest.raises(ProseFormatError, match=message):
        parse_annotated(raw)


def test_document_sections_metadata_and_blank_lines() -> None:
    content = (
        "# kind: chat_export\n# note: test\n\n"
        "=== section category=hr\n\n[09:12] ⟦PERSON|sam⟧: ok\n  indented\n\n"
        "=== section category=public\n# a heading, not metadata\nHello\n"
    )
    sections = parse_document(content, "en_GB", "chat_export-07.txt")
    assert [s.category for s in sections] == ["hr", "public"]
    assert sections[0].text == "[09:12] sam: ok\n  indented"
    assert sections[0].spans == ((8, 11, "PERSON"),)
    assert sections[1].text == "# a heading, not metadata\nHello"
    assert sections[1].id == "prose.en_GB.chat_export-07.1"
    assert sections[1].to_json()["kind"] == "prose.chat_export"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("# kind: email\n=== section category=secret\nx\n", "email-01.txt", "unknown category"),
        ("# kind: email\n=== section category=hr\n\n", "email-01.txt", "empty section"),
        ("# kind: memo\n=== section category=hr\nx\n", "email-01.txt", "does not match"),
        ("=== section category=hr\nx\n", "email-01.txt", "no '# kind:'"),
        ("# kind: email\nhello\n=== section category=hr\nx\n", "email-01.txt", "before"),
        ("# kind: email\n=== section hr\nx\n", "email-01.txt", "bad section line"),
        ("# kind: email\n=== section category=hr\nx\n", "Email 1.txt", "file name"),
    ],
)
def test_malformed_documents_are_refused(content: str, name: str, message: str) -> None:
    with pytest.raises(ProseFormatError, match=message):
        parse_document(content, "en_US", name)


# --------------------------------------------------------------------------- the corpus


def test_types_and_categories_are_the_spec_lists() -> None:
    from agent.domain import Category, EntityType

    assert tuple(c.value for c in Category) == CATEGORIES
    assert tuple(t.value for t in EntityType) == ENTITY_TYPES


def test_every_document_parses_with_sane_shape(corpus: list[ProseSection]) -> None:
    paths = document_paths()
    assert paths, "no documents under bench/corpus/prose"
    per_doc = Counter(s.doc_id for s in corpus)
    assert len(per_doc) == len(paths)
    for doc_id, n in per_doc.items():
        assert 2 <= n <= 6, f"{doc_id}: {n} sections"
    for locale, path in paths:
        assert locale in LOCALES
        assert not path.read_text(encoding="utf-8").startswith("\ufeff"), f"{path}: BOM"


def test_no_stray_files_or_folders() -> None:
    """Everything under prose/ is <locale>/<kind>-<nn>.txt (nothing silently skipped)."""
    root = Path(__file__).resolve().parents[3] / "bench" / "corpus" / "prose"
    stray = [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if (p.is_dir() and p.name not in LOCALES)
        or (p.is_file() and (p.parent.name not in LOCALES or p.suffix != ".txt"))
    ]
    assert not stray


def test_coverage_of_locales_types_and_categories(corpus: list[ProseSection]) -> None:
    """Issue 18: >= 300 documents over the 7 locales, every type and category well covered."""
    docs = {s.doc_id for s in corpus}
    assert len(docs) >= 300
    per_locale = Counter(d.split("/")[0] for d in docs)
    assert set(per_locale) == set(LOCALES)
    assert min(per_locale.values()) >= 30, per_locale
    types = Counter(t for s in corpus for _, _, t in s.spans)
    assert {t: types[t] for t in ENTITY_TYPES if types[t] < 20} == {}
    categories = Counter(s.category for s in corpus)
    assert {c: categories[c] for c in CATEGORIES if categories[c] < 0.05 * len(corpus)} == {}
    assert categories["public"] >= 0.10 * len(corpus)


def test_sections_are_within_size(corpus: list[ProseSection]) -> None:
    too_long = [(_where(s), len(s.text)) for s in corpus if len(s.text) > MAX_SECTION_CHARS]
    assert not too_long


def test_spans_are_sorted_disjoint_and_trimmed(corpus: list[ProseSection]) -> None:
    for s in corpus:
        assert s.category in CATEGORIES, _where(s)
        assert OPEN not in s.text and CLOSE not in s.text, _where(s)
        end = 0
        for start, stop, etype in s.spans:
            assert etype in ENTITY_TYPES, _where(s)
            assert end <= start < stop <= len(s.text), f"{_where(s)}: overlap at {start}"
            value = s.text[start:stop]
            assert value == value.strip(), f"{_where(s)}: {value!r}"
            end = stop


_CHECKS = {
    "CREDIT_CARD": make_ids.luhn_ok,
    "IBAN_CODE": make_ids.iban_ok,
    "UK_NHS": make_ids.nhs_ok,
    "US_SSN": make_ids.ssn_ok,
    "UK_NINO": make_ids.nino_ok,
}


def test_annotated_identifiers_pass_their_checks(corpus: list[ProseSection]) -> None:
    bad = [
        (_where(s), etype, s.text[a:b])
        for s in corpus
        for a, b, etype in s.spans
        if etype in _CHECKS and not _CHECKS[etype](s.text[a:b])
    ]
    assert not bad


_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_DIGIT_RUN = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w])")
_IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def _outside_spans(s: ProseSection) -> str:
    """The section text with every annotated value blanked out (same length)."""
    chars = list(s.text)
    for a, b, _ in s.spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def test_no_unannotated_email_card_or_iban(corpus: list[ProseSection]) -> None:
    """Values that pass a check or are plainly e-mail addresses must carry a span.

    Hard negatives (order numbers, Luhn-invalid card-like numbers, bad-check IBANs) are
    welcome, but a look-alike that happens to be valid would make the gold wrong.
    """
    missing = []
    for s in corpus:
        rest = make_ids.fold(_outside_spans(s))
        missing += [(_where(s), m.group()) for m in _EMAIL.finditer(rest)]
        for m in _DIGIT_RUN.finditer(rest):
            if make_ids.luhn_ok(m.group()) and len(make_ids.compact(m.group())) in (15, 16):
                missing.append((_where(s), m.group()))
        missing += [
            (_where(s), m.group()) for m in _IBAN_LIKE.finditer(rest) if make_ids.iban_ok(m.group())
        ]
    assert not missing


def test_gold_jsonl_reads_as_datagen_samples(tmp_path: Path, corpus: list[ProseSection]) -> None:
    from models.datagen.sample import Sample

    out = tmp_path / "prose.gold.jsonl"
    assert to_gold_jsonl(out, corpus) == len(corpus)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(corpus)
    ids = set()
    for line, s in zip(lines, corpus, strict=True):
        obj = json.loads(line)
        assert set(obj) == {"id", "text", "spans", "category", "kind", "locale"}
        sample = Sample.from_json(obj)
        assert sample.text == s.text and sample.spans == s.spans
        assert sample.category == s.category and sample.locale == s.locale
        ids.add(sample.id)
    assert len(ids) == len(corpus)


def test_samples_score_with_the_detect_benchmark(corpus: list[ProseSection]) -> None:
    """Gold spans scored against themselves: perfect recall and precision, no leak."""
    from bench.detect_bench import Prediction, evaluate

    samples = to_samples(corpus[:40])
    preds = [Prediction(spans=list(s.spans), category=s.category) for s in samples]
    metrics = evaluate(samples, preds)
    assert metrics["strict"]["p"] == metrics["strict"]["r"] == 1.0
    assert metrics["leak_chars"] == 0.0
    assert metrics["category"]["accuracy"] == 1.0


# --------------------------------------------------------------------------- the helper


@pytest.mark.parametrize("seed", range(5))
def test_make_ids_values_are_valid_and_look_alikes_are_not(seed: int) -> None:
    import random

    rng = random.Random(seed)
    for _ in range(20):
        assert make_ids.luhn_ok(make_ids.card(rng))
        assert not make_ids.luhn_ok(make_ids.bad_card(rng))
        assert make_ids.iban_ok(make_ids.iban(rng, rng.choice(["DE", "GB", "FR", "NL", "IE"])))
        assert not make_ids.iban_ok(make_ids.bad_iban(rng, "DE"))
        assert make_ids.nhs_ok(make_ids.nhs(rng))
        assert not make_ids.nhs_ok(make_ids.bad_nhs(rng))
        assert make_ids.ssn_ok(make_ids.ssn(rng))
        assert make_ids.nino_ok(make_ids.nino(rng))
    assert make_ids.nhs_ok("943 476 5919") and not make_ids.nhs_ok("943 476 5918")
    assert make_ids.iban_ok("GB82 WEST 1234 5698 7654 32")
    assert make_ids.luhn_ok("４１１１ １１１１ １１１１ １１１１")
    assert not make_ids.ssn_ok("666-12-3456") and not make_ids.ssn_ok("912-70-1234")
