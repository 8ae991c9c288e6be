"""``PatternEngine``: original offsets through normalisation, merging, configuration."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agent.recognize
from agent.domain import Entity, EntityType
from agent.recognize import NormalizedText, PatternEngine, normalize
from agent.recognize.engine import _JOIN_WINDOW, _windows
from agent.recognize.normalize import join_lines
from agent.recognize.registry import BUILTIN
from agent.recognize.scan_text import AnchorIndex, AnchorSet, ScanText
from bastion.errors import ConfigError


@pytest.fixture(scope="module")
def engine() -> PatternEngine:
    return PatternEngine.default()


def spans(engine: PatternEngine, text: str) -> list[tuple[EntityType, str]]:
    return [(e.type, text[e.start : e.end]) for e in engine.entities(text)]


def test_public_api_is_pinned() -> None:
    assert agent.recognize.__all__ == [
        "NormalizedText",
        "Pattern",
        "PatternEngine",
        "PatternRecognizer",
        "Recognizer",
        "normalize",
    ]


def test_default_is_built_once_and_loads_every_builtin(engine: PatternEngine) -> None:
    assert PatternEngine.default() is engine
    assert set(engine.names) == set(BUILTIN)
    assert engine.min_score == 0.5


# -- obfuscated forms: found, and reported at their ORIGINAL offsets -------------------
_FULLWIDTH_EMAIL = "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ"


@pytest.mark.parametrize(
    ("text", "entity_type", "original"),
    [
        ("Write to jane [at] example [dot] com today.", EntityType.EMAIL_ADDRESS,
         "jane [at] example [dot] com"),
        ("jane(at)example(dot)co(dot)uk", EntityType.EMAIL_ADDRESS,
         "jane(at)example(dot)co(dot)uk"),
        ("Email: ja\u200bne.d\u200doe@exam\u2060ple.com!", EntityType.EMAIL_ADDRESS,
         "ja\u200bne.d\u200doe@exam\u2060ple.com"),
        ("IBAN: GB82\u200b WEST 1234 56\u200c98 7654 32", EntityType.IBAN_CODE,
         "GB82\u200b WEST 1234 56\u200c98 7654 32"),
        ("IBAN: DE89\u00ad3704\u00ad0044\u00ad0532\u00ad0130\u00ad00", EntityType.IBAN_CODE,
         "DE89\u00ad3704\u00ad0044\u00ad0532\u00ad0130\u00ad00"),
        ("Card: ４１１１ １１１１ １１１１ １１１１, thanks", EntityType.CREDIT_CARD,
         "４１１１ １１１１ １１１１ １１１１"),
        ("Pay to GB82 WEST 1234\n5698 7654 32 by Friday", EntityType.IBAN_CODE,
         "GB82 WEST 1234\n5698 7654 32"),
        ("Pay to DE89 3704 0044 05\n32 0130 00 by Friday", EntityType.IBAN_CODE,
         "DE89 3704 0044 05\n32 0130 00"),
        ("card number 4111 1111 11-\n11 1111 on file", EntityType.CREDIT_CARD,
         "4111 1111 11-\n11 1111"),
        ("reach me: jane.doe@exam-\nple.com", EntityType.EMAIL_ADDRESS,
         "jane.doe@exam-\nple.com"),
        (_FULLWIDTH_EMAIL, EntityType.EMAIL_ADDRESS, _FULLWIDTH_EMAIL),
        ("token ghp_\u200bABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", EntityType.SECRET,
         "ghp_\u200bABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
        ("NHS 886 613\n2292, seen today", EntityType.UK_NHS, "886 613\n2292"),
        ("card 4111 1111\n1111 1111 on file", EntityType.CREDIT_CARD, "4111 1111\n1111 1111"),
        ("failed on 192.168.\n105.238 with exit code 2", EntityType.IP_ADDRESS,
         "192.168.\n105.238"),
        ("login is qa_user, password Admi\nn169\n", EntityType.SECRET, "Admi\nn169"),
        ("tel +33\n634 878 268", EntityType.PHONE_NUMBER, "+33\n634 878 268"),
        ("Contact: s_hubel at knappe dot de", EntityType.EMAIL_ADDRESS, "s_hubel at knappe dot de"),
        ("Incident commander: Lara <lara15@\njerez.es>", EntityType.EMAIL_ADDRESS,
         "lara15@\njerez.es"),
    ],
)  # fmt: skip
def test_obfuscated_forms_are_found_at_original_offsets(
    engine: PatternEngine, text: str, entity_type: EntityType, original: str
) -> None:
    found = [e for e in engine.entities(text) if e.type == entity_type]
    assert len(found) == 1
    assert text[found[0].start : found[0].end] == original
    assert found[0].start == text.index(original)


def test_a_date_and_the_time_on_the_next_line_are_not_a_phone(engine: PatternEngine) -> None:
    assert spans(engine, "--- Log opened 01/12/2023\n05:47 <Cecile> hi") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Tel: 020 7946\n0958", "020 7946\n0958"),
        ("Call me on 07700\n900123 tomorrow", "07700\n900123"),
        ("mobile 06-1234\n5678", "06-1234\n5678"),
    ],
)
def test_a_national_phone_wrapped_after_a_phone_cue_is_found(
    engine: PatternEngine, text: str, value: str
) -> None:
    found = [e for e in engine.entities(text) if e.type == EntityType.PHONE_NUMBER]
    assert [text[e.start : e.end] for e in found] == [value]


def test_a_wrapped_number_without_a_phone_cue_is_not_a_phone(engine: PatternEngine) -> None:
    assert spans(engine, "Invoice 020 7946\n0958 paid") == []


def test_csv_columns_give_their_cells_context(engine: PatternEngine) -> None:
    text = (
        "patient_name,hospital_number,birth_date,gp_phone\n"
        '"Flavia Togliatti","24339913","1950-08-08","0224 051 805"\n'
        '"C. Hill","989-242\n144","Sep 1, 1968","301-272-6941"\n'
        '"Jeremiah Pacheco","KH2278340","Mar 8, 1972","0827 113 424"\n'
        "Morgan, Stephen,29403309,3/19/1946,+1-213-526-2452\n"
    )
    found = spans(engine, text)
    for value, kind in [
        ("24339913", EntityType.MEDICAL_RECORD_NUMBER),
        ("1950-08-08", EntityType.DATE_OF_BIRTH),
        ("KH2278340", EntityType.MEDICAL_RECORD_NUMBER),
        ("Mar 8, 1972", EntityType.DATE_OF_BIRTH),
        ("29403309", EntityType.MEDICAL_RECORD_NUMBER),
        ("3/19/1946", EntityType.DATE_OF_BIRTH),
    ]:
        assert (kind, value) in found


def test_a_label_tab_value_form_uses_each_row_label(engine: PatternEngine) -> None:
    text = (
        "Name\tAmélie J. Maillard\nDate of birth\t1960-02-26\nMRN\tE212959P\n"
        "Passport\t90TJ47900\nReference\tORD-2291\n"
    )
    found = spans(engine, text)
    assert (EntityType.DATE_OF_BIRTH, "1960-02-26") in found
    assert (EntityType.MEDICAL_RECORD_NUMBER, "E212959P") in found
    assert (EntityType.PASSPORT_NUMBER, "90TJ47900") in found


def test_columns_aligned_with_spaces_are_a_table(engine: PatternEngine) -> None:
    text = (
        "Name            DOB         Passport   Salary\n"
        "Clémence Pires  14.09.1940  84KV59053  £631,424\n"
        "Marie, Paul     07.02.2007  NY054183B  £12,000\n"
    )
    found = spans(engine, text)
    assert (EntityType.DATE_OF_BIRTH, "14.09.1940") in found
    assert (EntityType.DATE_OF_BIRTH, "07.02.2007") in found
    assert (EntityType.PASSPORT_NUMBER, "84KV59053") in found


def test_a_name_split_by_a_comma_keeps_the_columns_aligned(engine: PatternEngine) -> None:
    text = "Name, MRN, DOB, Ward\nSmith, Kerry, E195940E, 7.3.1976, 4B\n"
    found = spans(engine, text)
    assert (EntityType.MEDICAL_RECORD_NUMBER, "E195940E") in found
    assert (EntityType.DATE_OF_BIRTH, "7.3.1976") in found


def test_a_comma_space_table_keeps_thousands_separators_in_their_cell(
    engine: PatternEngine,
) -> None:
    text = "Name, MRN, DOB, Salary\nJayne U. Lewis, PAT435813, 1990-06-11, CHF 9,661,521\n"
    found = spans(engine, text)
    assert (EntityType.MEDICAL_RECORD_NUMBER, "PAT435813") in found
    assert (EntityType.DATE_OF_BIRTH, "1990-06-11") in found


def test_values_holding_the_delimiter_are_realigned(engine: PatternEngine) -> None:
    text = (
        "Employee, Address, IBAN, DOB, Start date\n"
        "Gay, Isabelle, 7, rue de Bernier - 64702 Saint Thibault, "
        "FR76 3000 6000 0112 3456 7890 189, 26-02-1991, 2024-01-01\n"
        "Patient, DOB, MRN\n"
        "Roberta Storladi, 22/10/1933, B010-\n368H\n"
        "Ciro Fibonacci, 3-02-1984, R4372033\n"
    )
    found = spans(engine, text)
    assert (EntityType.DATE_OF_BIRTH, "26-02-1991") in found
    assert (EntityType.DATE_OF_BIRTH, "3-02-1984") in found
    assert (EntityType.MEDICAL_RECORD_NUMBER, "R4372033") in found
    assert (EntityType.DATE_OF_BIRTH, "2024-01-01") not in found


def test_a_date_column_that_is_not_a_birth_date_stays_a_date(engine: PatternEngine) -> None:
    text = "invoice_no,invoice_date,amount\n10023,12/03/1985,120.00\n"
    assert [t for t, _ in spans(engine, text)] == []


def test_wrapped_prose_does_not_create_entities(engine: PatternEngine) -> None:
    text = "The parties agree that the\nagreement is final and that no\nfurther claims arise."
    assert engine.entities(text) == []


def test_a_realistic_section(engine: PatternEngine) -> None:
    text = (
        "Dear Ms Okafor,\n"
        "Your refund of EUR 120.00 for invoice 10023 (order 4111111111111112) goes to\n"
        "IBAN GB82 WEST 1234 5698 7654 32. Our records show DOB: 12/03/1985 and NHS number\n"
        "943 476 5919. Call +44 20 7946 0958 or write to jane.okafor@example.co.uk.\n"
        "Meeting on 14/05/2024 about release 10.2.3.4.\n"
        "DATABASE_URL=postgres://app:Tr0ub4dor@db.internal:5432/claims\n"
    )
    assert spans(engine, text) == [
        (EntityType.PERSON, "Okafor"),
        (EntityType.IBAN_CODE, "GB82 WEST 1234 5698 7654 32"),
        (EntityType.DATE_OF_BIRTH, "12/03/1985"),
        (EntityType.UK_NHS, "943 476 5919"),
        (EntityType.PHONE_NUMBER, "+44 20 7946 0958"),
        (EntityType.EMAIL_ADDRESS, "jane.okafor@example.co.uk"),
        (EntityType.SECRET, "Tr0ub4dor"),
    ]


def test_results_are_sorted_entities_with_sources(engine: PatternEngine) -> None:
    text = "b@example.com then a@example.org and 192.168.0.1"
    found = engine.entities(text)
    assert all(isinstance(e, Entity) for e in found)
    assert [e.start for e in found] == sorted(e.start for e in found)
    assert {e.source for e in found} == {"email", "ip_address"}


def test_overlapping_spans_of_one_type_merge(engine: PatternEngine) -> None:
    # the JWT is found by two recognizers (cloud_tokens and bearer_tokens)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    text = f"Authorization: Bearer {jwt}"
    assert spans(engine, text) == [(EntityType.SECRET, jwt)]


def test_weaker_types_inside_a_validated_identifier_are_dropped(engine: PatternEngine) -> None:
    # "0044 0532 0130 00" inside the IBAN looks like an international phone number
    text = "phone or IBAN DE89 3704 0044 0532 0130 00"
    assert spans(engine, text) == [(EntityType.IBAN_CODE, "DE89 3704 0044 0532 0130 00")]


def test_an_email_inside_url_credentials_is_not_reported(engine: PatternEngine) -> None:
    text = "postgres://admin:s3cret@db.example.com:5432/app"
    assert spans(engine, text) == [(EntityType.SECRET, "s3cret")]


@pytest.mark.parametrize(
    "text",
    [
        "Invoice 4111 1111 1111 1112 dated 12/03/2024.",  # Luhn-invalid, non-birth date
        "Order no. 123-456-7890, docket 2024-CV-01234.",
        "Upgrade to version 10.2.3.4 (build 4521).",
        "Product code SKU-99812-XL, part no. 5512-AB.",
        "The meeting is at 10.30 on 01.02.2023.",
        "Clause 1.2.3.4 governs; see Schedule 4, paragraph 12.",
        "Total: 1,234,567.89 GBP, tax 12.5%.",
    ],
)
def test_hard_negatives_find_nothing(engine: PatternEngine, text: str) -> None:
    assert engine.entities(text) == []


def test_empty_and_whitespace_text(engine: PatternEngine) -> None:
    assert engine.entities("") == []
    assert engine.entities(" \n\t ") == []


def test_offsets_survive_case_folding_that_changes_length(engine: PatternEngine) -> None:
    # "İ".lower() is two code points: the engine must not use shifted offsets
    text = "İİİ DOB: 12/03/1985, İstanbul, Dear Mr İnce, jane@example.com"
    found = spans(engine, text)
    assert (EntityType.DATE_OF_BIRTH, "12/03/1985") in found
    assert (EntityType.EMAIL_ADDRESS, "jane@example.com") in found


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 200_000,
        "1" * 200_000,
        "1 " * 100_000,
        "a@" * 100_000,
        "a." * 100_000,
        "-----BEGIN PRIVATE KEY-----" * 5_000,
        "password=" * 20_000,
        "::" * 100_000,
        "Dear Mr " * 20_000,
        "12 " + "High " * 40_000,
        "\u200b" * 200_000,
        "[at]" * 50_000,
    ],
)
def test_hostile_input_stays_fast(engine: PatternEngine, hostile: str) -> None:
    """Linear time on 200 KB of repeated trigger text (a quadratic scan would take
    minutes; the bound leaves room for a loaded, shared machine)."""
    started = time.process_time()
    engine.entities(hostile)
    assert time.process_time() - started < 10.0


def test_a_2kb_section_is_analysed_quickly(engine: PatternEngine) -> None:
    """A loose floor (the machine is shared); bench/recognize_speed.py measures properly."""
    section = (
        "Further to our call, the client (DOB: 12/03/1985) confirmed payment to IBAN "
        "GB82 WEST 1234 5698 7654 32 on 14 March 2024. Contact: +44 20 7946 0958. "
    ) * 12
    section = section[:2048]
    engine.entities(section)
    started = time.perf_counter()
    for _ in range(20):
        engine.entities(section)
    per_section = (time.perf_counter() - started) / 20
    assert per_section < 0.05


# -- configuration -------------------------------------------------------------------
def test_from_config_dict_selects_recognizers() -> None:
    engine = PatternEngine.from_config(
        {"recognizers": ["email", {"name": "phone", "enabled": False}], "min_score": 0.1}
    )
    assert engine.names == ("email",)
    assert engine.min_score == 0.1
    assert spans(engine, "jane@example.com +44 20 7946 0958") == [
        (EntityType.EMAIL_ADDRESS, "jane@example.com")
    ]


def test_a_custom_recognizer_is_pure_configuration(tmp_path: Path) -> None:
    path = tmp_path / "recognizers.yaml"
    path.write_text(
        "recognizers:\n"
        "  - name: matter_number\n"
        "    entity_type: MEDICAL_RECORD_NUMBER\n"
        "    patterns:\n"
        "      - {name: matter, regex: '\\bM-\\d{6}\\b', score: 0.3}\n"
        "    context: [matter]\n",
        encoding="utf-8",
    )
    engine = PatternEngine.from_config(path)
    assert spans(engine, "matter M-123456") == [(EntityType.MEDICAL_RECORD_NUMBER, "M-123456")]
    assert spans(engine, "see M-123456") == []  # 0.3 without context is below 0.5


_CUSTOM = "recognizers:\n  - name: x\n    entity_type: {type}\n    patterns: {patterns}\n"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("recognizers: []\n", "no recognizer is enabled"),
        ("recognizers:\n  - emial\n", "recognizers[0].name: unknown recognizer 'emial'"),
        ("recognizers:\n  - email\n  - email\n", "listed twice"),
        ("recognizers:\n  - {name: email, enabeld: false}\n", "recognizers[0].enabeld"),
        ("recognizers:\n  - {name: email, enabled: 'no'}\n", "expected true or false"),
        ("min_score: 2\nrecognizers: [email]\n", "min_score"),
        ("recognisers: [email]\n", "unknown key"),
        (_CUSTOM.format(type="NAME", patterns="[{regex: a, score: 1}]"),
         "recognizers[0].entity_type"),
        (_CUSTOM.format(type="SECRET", patterns="[{regex: '(', score: 1}]"),
         "invalid regular expression"),
        (_CUSTOM.format(type="SECRET", patterns="[{regex: a, score: 3}]"), "score"),
        (_CUSTOM.format(type="SECRET", patterns="[]"), "patterns"),
        (_CUSTOM.format(type="SECRET", patterns="[{regex: a, score: 1, group: 2}]"),
         "no such group"),
    ],
)  # fmt: skip
def test_bad_configuration_names_file_line_and_key(
    tmp_path: Path, yaml_text: str, message: str
) -> None:
    path = tmp_path / "recognizers.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"recognizers\.yaml:\d+") as info:
        PatternEngine.from_config(path)
    assert message in str(info.value)


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        PatternEngine.from_config(tmp_path / "absent.yaml")


def test_an_engine_without_recognizers_is_refused() -> None:
    with pytest.raises(ConfigError):
        PatternEngine([])


def test_one_engine_serves_several_threads(engine: PatternEngine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [
        "Address: 12 High Street, London SW1A 1AA\nDOB: 12/03/1985",
        "name,city,birth_date\nJo Bloggs,Leeds,1970-01-01\n",
        "IBAN GB82 WEST 1234\n5698 7654 32 and jane [at] example [dot] com",
    ] * 20
    expected = [engine.entities(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(engine.entities, texts)) == expected


def test_an_entity_dense_export_is_not_quadratic(engine: PatternEngine) -> None:
    """12,000 entities in 200 KB: overlap resolution must not compare every pair."""
    row = "Jo Bloggs,GB82 WEST 1234 5698 7654 32,+44 20 7946 0958,12/03/1985"
    text = "name,iban,phone,dob\n" + "\n".join([row] * 3000) + "\n"
    started = time.perf_counter()
    found = engine.entities(text)
    assert len(found) == 12_000
    assert time.perf_counter() - started < 8.0


def test_windows_line_endings(engine: PatternEngine) -> None:
    text = (
        "Name\tJane Doe\r\nDOB\t12/03/1985\r\nAddress\t12 High Street, London SW1A 1AA\r\n"
        "IBAN GB82 WEST 1234\r\n5698 7654 32\r\nKind regards,\r\nNeil Hunt\r\n"
    )
    assert spans(engine, text) == [
        (EntityType.PERSON, "Jane Doe"),
        (EntityType.DATE_OF_BIRTH, "12/03/1985"),
        (EntityType.LOCATION, "12 High Street, London SW1A 1AA"),
        (EntityType.IBAN_CODE, "GB82 WEST 1234\r\n5698 7654 32"),
        (EntityType.PERSON, "Neil Hunt"),
    ]


# -- the shared anchor pass -----------------------------------------------------------
def _anchor_indexes(engine: PatternEngine) -> list[AnchorIndex]:
    return [r.anchor_index for r in engine.recognizers if r.anchor_index is not None]


def _anchor_texts(engine: PatternEngine) -> st.SearchStrategy[str]:
    words = sorted({w for index in _anchor_indexes(engine) for w in index.words})
    pieces = st.one_of(
        st.sampled_from(words),
        st.sampled_from([w.upper() for w in words] + [w.title() for w in words]),
        st.sampled_from([" ", "\n", ": ", "\t", ",", "-", "_", "x", "7", "İ", "é"]),
        st.text(max_size=4),
    )
    return st.lists(pieces, max_size=30).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_anchor_pass_finds_what_each_anchor_finds_alone(
    engine: PatternEngine, data: st.DataObject
) -> None:
    text = data.draw(_anchor_texts(engine))
    indexes = _anchor_indexes(engine)
    shared = ScanText(text)
    AnchorSet(indexes).search(shared)
    for index in indexes:
        assert index.spans(shared) == index.spans(ScanText(text)), index.words[:3]


def test_the_shared_anchor_pass_changes_no_result(
    engine: PatternEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sharing the anchor search and skipping recognizers none of whose words occur
    gives what running every recognizer with its own search gives."""
    from models.datagen import generate

    texts = [s.text for split in ("train", "test") for s in generate(split=split, n=150, seed=5)]
    shared = [engine.entities(t) for t in texts]
    assert sum(map(len, shared)) > 300
    monkeypatch.setattr(AnchorSet, "search", lambda self, scan: None)
    assert [engine.entities(t) for t in texts] == shared


# -- linear time around joined line breaks (issue 17) -----------------------------------
def _windows_reference(view: NormalizedText) -> list[tuple[int, int]]:
    """The former character-by-character walk: quadratic on a joined digit column."""
    text = view.text
    spans: list[tuple[int, int]] = []
    for j in view.joins:
        lo, hi = max(0, j - _JOIN_WINDOW), min(len(text), j + _JOIN_WINDOW)
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
        else:
            spans.append((lo, hi))
    return spans


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="12ab \n\t-.@\u2003\u00a0", max_size=600))
def test_join_windows_equal_the_character_walk(text: str) -> None:
    joined = join_lines(normalize(text))
    if joined is not None:
        assert _windows(joined) == _windows_reference(joined)


def test_join_windows_equal_the_character_walk_on_generated_sections() -> None:
    from models.datagen import generate

    compared = 0
    for sample in generate(split="test", n=300, seed=11):
        joined = join_lines(normalize(sample.text))
        if joined is not None:
            assert _windows(joined) == _windows_reference(joined)
            compared += 1
    assert compared > 20


def test_a_column_of_numbers_is_not_quadratic(engine: PatternEngine) -> None:
    """A 100 KB column of numbers took over 20 s when each joined line break walked to the
    ends of the one token the joins make; now about a tenth of a second."""
    column = "\n".join(str(10_000_000 + i * 7919) for i in range(11_000))
    started = time.process_time()
    engine.entities(column)
    assert time.process_time() - started < 5.0
