"""Check digits and issuing rules of the identifiers we recognise.

Why: a 16-digit number or a 10-digit number is usually an order, an invoice or a docket
number. The check digit (or the issuer's rules) is what separates a real card, IBAN, NHS
number, SSN or NINO from a lookalike, so each recognizer calls one of these functions and
drops a candidate that fails (Presidio's ``invalidate_result``). Every function takes the
raw candidate (separators allowed) and returns ``True`` only for a well-formed value.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-.]")


def compact(value: str) -> str:
    """``value`` without spaces, hyphens, dots and line breaks."""
    return _SEPARATORS.sub("", value)


def luhn_valid(value: str) -> bool:
    """The Luhn (mod 10) check used by payment cards (ISO/IEC 7812)."""
    digits = compact(value)
    if not digits.isascii() or not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# Lengths per country (SWIFT IBAN registry, release 2024).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
    "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")


def iban_valid(value: str) -> bool:
    """ISO 13616: the country's length and mod 97 == 1 over the rearranged digits."""
    iban = compact(value).upper()
    if not _IBAN_SHAPE.fullmatch(iban) or IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def nhs_valid(value: str) -> bool:
    """UK NHS number: 10 digits, weights 10..2 on the first nine, check = 11 - sum mod 11."""
    digits = compact(value)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    if len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


# Published or widely circulated numbers that were never a person's SSN.
_SSN_KNOWN_INVALID = frozenset({"078051120", "219099999", "123456789", "457555462"})


def ssn_valid(value: str) -> bool:
    """US SSN issuing rules: no area 000/666/9xx, no group 00, no serial 0000.

    Separators must be consistent (``078-05 1120`` is not a formatted SSN).
    """
    seps = set(re.findall(r"[^0-9]", value))
    if len(seps) > 1 or not seps <= {"-", " ", "."}:
        return False
    digits = compact(value)
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in {"000", "666"} or area.startswith("9"):
        return False
    if group == "00" or serial == "0000":
        return False
    return digits not in _SSN_KNOWN_INVALID and len(set(digits)) > 1


_NINO_SHAPE = re.compile(r"([A-Z])([A-Z])[0-9]{6}([A-D])")
_NINO_BAD_FIRST = frozenset("DFIQUV")
_NINO_BAD_SECOND = frozenset("DFIOQUV")
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def nino_valid(value: str) -> bool:
    """UK National Insurance number prefix and suffix rules (HMRC NIM39110)."""
    m = _NINO_SHAPE.fullmatch(compact(value).upper())
    if m is None:
        return False
    first, second, _ = m.groups()
    if first in _NINO_BAD_FIRST or second in _NINO_BAD_SECOND:
        return False
    return first + second not in _NINO_BAD_PREFIXES
