"""``IndependentScanner``: one table per rule with explicit no-match rows, and properties:
a planted identifier is found whatever surrounds or disguises it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.domain import EntityType
from agent.egress import IndependentScanner
from agent.egress.scanner import IBAN_LENGTHS, iban_valid, luhn_valid, nhs_valid, token_is_secret

CARD, IBAN, SSN, NHS = (
    EntityType.CREDIT_CARD,
    EntityType.IBAN_CODE,
    EntityType.US_SSN,
    EntityType.UK_NHS,
)
NINO, EMAIL, SECRET = EntityType.UK_NINO, EntityType.EMAIL_ADDRESS, EntityType.SECRET
SCANNER = IndependentScanner()
VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "recognize"


def found(text: str, entity_type: EntityType) -> list[str]:
    return [text[f.start : f.end] for f in SCANNER.scan(text) if f.entity_type is entity_type]


def vector_lines(name: str) -> list[str]:
    lines = (VECTORS / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# -- cards -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pay with 4111 1111 1111 1111 today", ["4111 1111 1111 1111"]),
        ("refunds_4111111111111111.csv", ["4111111111111111"]),
        ("x4111111111111111y", ["4111111111111111"]),
        ("card=4111-1111-1111-1111&exp=12", ["4111-1111-1111-1111"]),
        ("mixed 4111-1111 1111.1111 separators", ["4111-1111 1111.1111"]),
        ("amex 3782 822463 10005 ok", ["3782 822463 10005"]),
        ("ref 12 4111 1111 1111 1111", ["4111 1111 1111 1111"]),  # glued to a number
        ("full width ４１１１ １１１１ １１１１ １１１１", ["４１１１ １１１１ １１１１ １１１１"]),
        ("zero width 4111\u200b1111\u200c1111\u200d1111", ["4111\u200b1111\u200c1111\u200d1111"]),
        ("json \\u0034111111111111111", ["\\u0034111111111111111"]),
        ("arabic-indic ٤١١١١١١١١١١١١١١١", ["٤١١١١١١١١١١١١١١١"]),
        # no match
        ("Luhn-invalid 4111 1111 1111 1112", []),
        ("twelve digits 4111 1111 1111", []),
        ("one digit repeated 0000 0000 0000 0000", []),
        ("a longer number 004111111111111111000", []),
        ("a line break is not a separator 4111 1111\n1111 1111", []),
        ("mixed separators, groups not of four 2024-01-15 1200.00 7.5", []),
        ("IBAN digits are the IBAN's: DE89 3704 0044 0532 0130 00", []),
    ],
)
def test_cards(text: str, expected: list[str]) -> None:
    assert found(text, CARD) == expected


@pytest.mark.parametrize("number", vector_lines("test_card_numbers.txt"))
def test_published_test_card_numbers(number: str) -> None:
    assert luhn_valid(number)
    assert found(f"card {number} end", CARD) == [number]


# -- IBAN ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN GB82 WEST 1234 5698 7654 32.", ["GB82 WEST 1234 5698 7654 32"]),
        ("DE89370400440532013000", ["DE89370400440532013000"]),
        ("iban:GB82-WEST-1234-5698-7654-32;", ["GB82-WEST-1234-5698-7654-32"]),
        ("x_GB82WEST12345698765432_y", ["GB82WEST12345698765432"]),
        ("GB82 WEST\u200b 1234 5698 7654 32", ["GB82 WEST\u200b 1234 5698 7654 32"]),
        # no match
        ("bad check GB83 WEST 1234 5698 7654 32", []),
        ("too short GB82 WEST 1234 5698 7654", []),
        ("unknown country QQ82 WEST 1234 5698 7654 32", []),
        ("lower-case country gb82 west 1234 5698 7654 32", []),
    ],
)
def test_ibans(text: str, expected: list[str]) -> None:
    assert found(text, IBAN) == expected


@pytest.mark.parametrize("iban", vector_lines("iban_registry_examples.txt"))
def test_every_registry_example_iban(iban: str) -> None:
    assert IBAN_LENGTHS[iban[:2]] == len(iban)
    assert iban_valid(iban)
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    assert found(f"pay to {spaced} now", IBAN) == [spaced]


# -- government numbers ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "entity_type", "expected"),
    [
        ("SSN 123-45-6789 on file", SSN, ["123-45-6789"]),
        ("ssn 123 45 6789", SSN, ["123 45 6789"]),
        ("SSN: 123456789", SSN, ["123456789"]),
        ("Social Security Number 123456789", SSN, ["123456789"]),
        ("area 000: 000-12-3456", SSN, []),
        ("area 666: 666-12-3456", SSN, []),
        ("area 9xx: 912-34-5678", SSN, []),
        ("group 00: 123-00-4567", SSN, []),
        ("serial 0000: 123-45-0000", SSN, []),
        ("mixed separators 123-45 6789", SSN, []),
        ("bare nine digits 123456789 without a label", SSN, []),
        ("NHS 943 476 5919", NHS, ["943 476 5919"]),
        ("nhs_9434765919.pdf", NHS, ["9434765919"]),
        ("nhs 943-476-5919", NHS, ["943-476-5919"]),
        ("bad mod 11: 943 476 5918", NHS, []),
        ("check digit 10 is never issued: 123 456 7890", NHS, []),
        ("one digit repeated 111 111 1111", NHS, []),
        ("inside a longer run 12 943 476 5919", NHS, []),
        ("NINO AB 12 34 56 C", NINO, ["AB 12 34 56 C"]),
        ("nino: ab123456c.", NINO, ["ab123456c"]),
        ("prefix D: DA123456A", NINO, []),
        ("second letter O: AO123456A", NINO, []),
        ("prefix GB: GB123456A", NINO, []),
        ("suffix E: AB123456E", NINO, []),
        ("no suffix AB123456", NINO, []),
    ],
)
def test_government_numbers(text: str, entity_type: EntityType, expected: list[str]) -> None:
    assert found(text, entity_type) == expected


@pytest.mark.parametrize(
    ("digits", "valid"), [("9434765919", True), ("9434765918", False), ("4010232137", True)]
)
def test_nhs_mod_11(digits: str, valid: bool) -> None:
    assert nhs_valid(digits) is valid


# -- e-mail ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe+x@example.co.uk.", ["jane.doe+x@example.co.uk"]),
        ("jane [at] example [dot] com", ["jane [at] example [dot] com"]),
        ("jane(at)example.com", ["jane(at)example.com"]),
        ("jane {at} example {dot} org", ["jane {at} example {dot} org"]),
        ("jane <at> example <dot> org", ["jane <at> example <dot> org"]),
        ("jane(a)example.com", ["jane(a)example.com"]),
        ("mail jane at example dot com today", ["jane at example dot com"]),
        ("juan arroba ejemplo punto es", ["juan arroba ejemplo punto es"]),
        ("hans (at) beispiel (punkt) de", ["hans (at) beispiel (punkt) de"]),
        ("marie arobase exemple point fr", ["marie arobase exemple point fr"]),
        ("ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", ["ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ"]),
        ("ja\u200bne@exam\u200dple.com", ["ja\u200bne@exam\u200dple.com"]),
        ("mailto:jane%40example.com", ["jane%40example.com"]),
        ("jane&#64;example.com", ["jane&#64;example.com"]),
        ('{"to": "jane\\u0040example.com"}', ["jane\\u0040example.com"]),
        # no match
        ("look at example.com for details", []),
        ("meet at noon dot", []),
        ("cc @jane.smith on this", []),
        ("user@localhost", []),
        ("a@b.c", []),
    ],
)
def test_emails(text: str, expected: list[str]) -> None:
    assert found(text, EMAIL) == expected


# -- secrets ---------------------------------------------------------------------------
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1x\n-----END RSA PRIVATE KEY-----"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key:\n{PEM}\nend", [PEM]),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn", ["-----BEGIN OPENSSH PRIVATE KEY-----"]),
        (f"Authorization: Bearer {JWT}", [JWT]),
        ("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", ["AKIAIOSFODNN7EXAMPLE"]),
        ("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok",
         ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]),
        ("token ghp_16C7e42F292c6912E7710c838347Ae178B4a",
         ["ghp_16C7e42F292c6912E7710c838347Ae178B4a"]),
        ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
         ["xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"]),
        ("SECRET_KEY=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
         ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]),
        ("api key 7Hq2mZx9LkP4vRt8NwY3bC6dF1gJ5sA0", ["7Hq2mZx9LkP4vRt8NwY3bC6dF1gJ5sA0"]),
        # no match
        ("-----BEGIN PUBLIC KEY-----\nMIIBIjAN", []),
        ("-----BEGIN CERTIFICATE-----", []),
        ("request id 550e8400-e29b-41d4-a716-446655440000", []),
        ("shipped from commit 3f2a9c1b4d5e6f708192a3b4c5d6e7f8091a2b3c", []),
        ("sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", []),
        ("short commit 3f2a9c1", []),
        ("identifiers LondonPaymentInvoiceHandlerV2 and /var/lib/postgresql/14/main", []),
        ("snake_case_configuration_value_2024", []),
        ("IBAN-shaped GB82WEST12345698765433 is not a secret", []),
    ],
)  # fmt: skip
def test_secrets(text: str, expected: list[str]) -> None:
    assert found(text, SECRET) == expected


def test_a_hex_token_labelled_as_a_key_is_a_secret_even_next_to_a_digest_word() -> None:
    token = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert found(f"signing key hash {token}", SECRET) == [token]
    assert found(f"unlabelled {token}", SECRET) == [token]


def test_entropy_rule_on_tokens() -> None:
    assert token_is_secret("Xk9fQ2pL7vB3nR8mW4tY6cH1")
    assert not token_is_secret("abcdefghijklmnopqrstuvwx")  # no digit
    assert not token_is_secret("aaaaaaaaaaaaaaaaaaaaaaa1")  # low entropy
    assert not token_is_secret("Xk9fQ2pL7vB3")  # too short


def test_findings_hold_no_value() -> None:
    text = "card 4111 1111 1111 1111 mail jane@example.com"
    findings = SCANNER.scan(text)
    assert {f.entity_type for f in findings} == {CARD, EMAIL}
    for f in findings:
        assert "4111" not in repr(f) and "jane" not in repr(f)
        assert f.value_index == -1


def test_offsets_are_original_offsets_through_escapes_and_zero_width() -> None:
    text = "\u200b\u200b&#52;111 1111 1111 1111 and ja\u200bne [at] example [dot] com"
    by_type = {f.entity_type: text[f.start : f.end] for f in SCANNER.scan(text)}
    assert by_type[CARD] == "&#52;111 1111 1111 1111"
    assert by_type[EMAIL] == "ja\u200bne [at] example [dot] com"


# -- properties ------------------------------------------------------------------------
CARDS = [n for n in vector_lines("test_card_numbers.txt") if len(n) >= 13]
IBANS = vector_lines("iban_registry_examples.txt")
FULL_WIDTH = {ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789"}
surroundings = st.sampled_from(
    [
        ("", ""),
        ("refunds_", ".csv"),
        ("x", "y"),
        ("https://pay.example.com/c/", "?ok=1"),
        ('{"card": "', '"}'),
        ("name,", ",2024\n"),
        ("<td>", "</td>"),
        ("ref:", ";"),
    ]
)
filler = st.text(alphabet="abcxyz ,.;:\n\t()[]", max_size=30)


def disguise(value: str, separator: str, full_width: bool, zero_width: bool) -> str:
    groups = [value[i : i + 4] for i in range(0, len(value), 4)]
    out = separator.join(groups)
    if full_width:
        out = out.translate(FULL_WIDTH)
    if zero_width:
        out = "\u200b".join(out)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    number=st.sampled_from(CARDS),
    separator=st.sampled_from(["", " ", "-", "."]),
    full_width=st.booleans(),
    zero_width=st.booleans(),
    around=surroundings,
    before=filler,
    after=filler,
)
def test_a_planted_card_is_always_found(
    number: str,
    separator: str,
    full_width: bool,
    zero_width: bool,
    around: tuple[str, str],
    before: str,
    after: str,
) -> None:
    planted = around[0] + disguise(number, separator, full_width, zero_width) + around[1]
    text = before + " " + planted + " " + after
    start = len(before) + 1 + len(around[0])
    end = start + len(planted) - len(around[0]) - len(around[1])
    cards = [f for f in SCANNER.scan(text) if f.entity_type is CARD]
    assert any(f.start <= start and end <= f.end for f in cards), (text, cards)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    iban=st.sampled_from(IBANS),
    separator=st.sampled_from(["", " ", "-"]),
    zero_width=st.booleans(),
    around=surroundings,
    before=filler,
    after=filler,
)
def test_a_planted_iban_is_always_found(
    iban: str, separator: str, zero_width: bool, around: tuple[str, str], before: str, after: str
) -> None:
    planted = disguise(iban, separator, False, zero_width)
    text = f"{before} {around[0]}{planted}{around[1]} {after}"
    assert any(f.entity_type is IBAN for f in SCANNER.scan(text)), text


local_parts = st.from_regex(r"[a-z][a-z0-9]{1,8}(?:[._][a-z0-9]{1,6})?", fullmatch=True)
domains = st.from_regex(r"[a-z][a-z0-9]{1,8}\.(?:com|org|co\.uk|de|io)", fullmatch=True)
at_forms = st.sampled_from(["@", " [at] ", "(at)", " (at) ", "{at}", "＠", "%40", "&#64;"])
dot_forms = st.sampled_from([".", " [dot] ", "(dot)", " dot ", " punkt "])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(local=local_parts, domain=domains, at=at_forms, dot=dot_forms, around=surroundings,
       before=filler, after=filler)  # fmt: skip
def test_a_planted_email_is_always_found(
    local: str, domain: str, at: str, dot: str, around: tuple[str, str], before: str, after: str
) -> None:
    name, _, tld = domain.partition(".")
    written = local + at + name + dot + tld
    text = f"{before} {around[0]}{written}{around[1]} {after}"
    assert any(f.entity_type is EMAIL for f in SCANNER.scan(text)), text
    as_json = json.dumps({"to": written}, ensure_ascii=True)
    assert any(f.entity_type is EMAIL for f in SCANNER.scan(as_json)), as_json


# -- linear time -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "hostile",
    [
        "1" * 200_000,
        "1 " * 100_000,
        "4111 " * 40_000,
        "1-" * 100_000,
        "12345678\n" * 22_000,
        "a@" * 100_000,
        "a." * 100_000,
        "[at]" * 50_000,
        " at x dot " * 20_000,
        "-----BEGIN PRIVATE KEY-----" * 7_000,
        "GB82" * 50_000,
        "Ab1/" * 50_000,
        "\u200b" * 200_000,
        "%41" * 60_000,
        " " * 200_000,
        "\t" * 200_000,
        "PRIVATE KEY" + "-" * 200_000,
        "ssn" + " " * 200_000,
        "[" + " " * 200_000,
        "eyJ" * 60_000,
        "xoxb-" * 40_000,
    ],
)
def test_hostile_input_stays_fast(hostile: str) -> None:
    """200 KB of repeated trigger text; bench/pathological.py measures the ratio to a
    linear baseline properly."""
    started = time.process_time()
    SCANNER.scan(hostile)
    assert time.process_time() - started < 8.0
