"""Check-digit arithmetic shared by the value generators and the tests."""

from __future__ import annotations


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return len(digits) >= 12 and total % 10 == 0


def luhn_check_digit(body: str) -> str:
    for d in "0123456789":
        if luhn_ok(body + d):
            return d
    raise AssertionError("unreachable")


def iban_ok(iban: str) -> bool:
    compact = "".join(ch for ch in iban if ch.isalnum()).upper()
    if len(compact) < 15 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def iban_check_digits(country: str, bban: str) -> str:
    number = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{98 - int(number) % 97:02d}"


def nhs_check_digit(nine: str) -> int | None:
    """Mod 11 check digit of an NHS number, or None when the body is unusable (10)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_ok(number: str) -> bool:
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) != 10:
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def ssn_ok(ssn: str) -> bool:
    digits = "".join(ch for ch in ssn if ch.isdigit())
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area >= "900":
        return False
    return group != "00" and serial != "0000"


NINO_BAD_FIRST = frozenset("DFIQUV")
NINO_BAD_SECOND = frozenset("DFIOQUV")
NINO_BAD_PREFIXES = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})


def nino_ok(nino: str) -> bool:
    compact = "".join(nino.split()).upper()
    if len(compact) != 9:
        return False
    a, b = compact[0], compact[1]
    return (
        a.isalpha()
        and b.isalpha()
        and a not in NINO_BAD_FIRST
        and b not in NINO_BAD_SECOND
        and compact[:2] not in NINO_BAD_PREFIXES
        and compact[2:8].isdigit()
        and compact[8] in "ABCD"
    )
