"""Check digits and issuing rules: one table per function, valid and invalid rows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.recognize.checksums import (
    IBAN_LENGTHS,
    iban_valid,
    luhn_valid,
    nhs_valid,
    nino_valid,
    ssn_valid,
)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111 1111 1111 1111", True),  # Visa test number
        ("4111-1111-1111-1111", True),
        ("5500 0000 0000 0004", True),  # Mastercard
        ("3400 000000 00009", True),  # Amex
        ("6011000990139424", True),  # Discover
        ("79927398713", True),  # the textbook Luhn example
        ("4111 1111 1111 1112", False),  # last digit changed
        ("1234567812345678", False),
        ("79927398710", False),
        ("", False),
        ("4", False),
        ("4111a11111111111", False),
    ],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("GB82 WEST 1234 5698 7654 32", True),
        ("GB82WEST12345698765432", True),
        ("DE89 3704 0044 0532 0130 00", True),
        ("FR14 2004 1010 0505 0001 3M02 606", True),
        ("NL91 ABNA 0417 1643 00", True),
        ("ES91 2100 0418 4502 0005 1332", True),
        ("IT60 X054 2811 1010 0000 0123 456", True),
        ("BE68 5390 0754 7034", True),
        ("gb82 west 1234 5698 7654 32", True),  # case does not matter
        ("GB82 WEST 1234 5698 7654 33", False),  # bad check
        ("GB83 WEST 1234 5698 7654 32", False),  # bad check digits
        ("DE89 3704 0044 0532 0130 0", False),  # too short for DE
        ("DE89 3704 0044 0532 0130 000", False),  # too long for DE
        ("XX89 3704 0044 0532 0130 00", False),  # no such country
        ("GB82-WEST", False),
    ],
)
def test_iban(iban: str, valid: bool) -> None:
    assert iban_valid(iban) is valid


def test_iban_lengths_cover_the_spec_locales() -> None:
    assert {k: IBAN_LENGTHS[k] for k in ("GB", "DE", "FR", "NL", "ES", "IT")} == {
        "GB": 22, "DE": 22, "FR": 27, "NL": 18, "ES": 24, "IT": 27,
    }  # fmt: skip


@given(st.integers(min_value=0, max_value=10**14 - 1))
def test_iban_single_digit_change_is_caught(account: int) -> None:
    """Mod 97 catches every single-digit substitution: build a valid IBAN, break it."""
    bban = f"3704{account:014d}"
    digits = "".join(str(int(c, 36)) for c in bban + "DE00")
    check = 98 - int(digits) % 97
    iban = f"DE{check:02d}{bban}"
    assert iban_valid(iban)
    broken = iban[:-1] + str((int(iban[-1]) + 1) % 10)
    assert not iban_valid(broken)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("943 476 5919", True),
        ("9434765919", True),
        ("943-476-5919", True),
        ("401 023 2137", True),
        ("943 476 5918", False),  # bad check digit
        ("943 476 5910", False),
        ("123 456 7890", False),  # check digit would be 10: never issued
        ("000 000 0000", False),
        ("943 476 591", False),  # nine digits
    ],
)
def test_nhs(number: str, valid: bool) -> None:
    assert nhs_valid(number) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("536-22-1234", True),
        ("536 22 1234", True),
        ("536221234", True),
        ("078-05-0000", False),  # serial 0000
        ("000-12-3456", False),  # area 000
        ("666-12-3456", False),  # area 666
        ("912-12-3456", False),  # area 9xx
        ("536-00-1234", False),  # group 00
        ("078-05-1120", False),  # the Woolworth wallet card
        ("219-09-9999", False),  # advertised sample
        ("123-45-6789", False),  # the obvious fake
        ("111-11-1111", False),  # one repeated digit
        ("536-22 1234", False),  # mixed separators
        ("536-22-123", False),
    ],
)
def test_ssn(number: str, valid: bool) -> None:
    assert ssn_valid(number) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("AB 12 34 56 C", True),
        ("AB123456C", True),
        ("JG103759A", True),
        ("ab123456d", True),
        ("DA123456A", False),  # D is not a first letter
        ("QQ123456C", False),  # Q is not a first letter (the HMRC example)
        ("AO123456C", False),  # O is not a second letter
        ("BG123456A", False),  # administrative prefixes
        ("GB123456A", False),
        ("NK123456A", False),
        ("TN123456A", False),
        ("ZZ123456A", False),
        ("AB123456E", False),  # suffix must be A-D
        ("AB12345C", False),
    ],
)
def test_nino(number: str, valid: bool) -> None:
    assert nino_valid(number) is valid
