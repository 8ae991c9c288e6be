"""Random example identifiers for hand-writing the prose corpus (writer A: en_US, en_GB, de_DE).

    python -m bench.corpus.make_ids [--n 5] [--seed S] [TYPE ...]

Prints checksum-valid values to paste into documents, and look-alikes that must *not* be
annotated (``bad_*``). Standard library only, independent of ``models/datagen``: values are
drawn fresh from ``random`` (seeded from the clock unless ``--seed``), never from lists.
The checks here are the ones ``tests/unit/corpus`` applies to every annotated value.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import string
import time
import unicodedata

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"

# --------------------------------------------------------------------------- checks

IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "DE": 22, "ES": 24, "FR": 27, "GB": 22, "IE": 22,
    "IT": 27, "LU": 20, "NL": 18, "PL": 28, "PT": 25, "DK": 18, "SE": 24, "NO": 15,
}  # fmt: skip


def fold(value: str) -> str:
    """Undo the obfuscations the corpus uses: full-width digits, zero-width characters."""
    value = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in value if ch not in ZERO_WIDTH)


def compact(value: str) -> str:
    return re.sub(r"[\s\-.]", "", fold(value))


def luhn_ok(number: str) -> bool:
    digits = compact(number)
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    iban = compact(value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    if iban[:2] in IBAN_LENGTHS and len(iban) != IBAN_LENGTHS[iban[:2]]:
        return False
    return int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4])) % 97 == 1


def nhs_ok(value: str) -> bool:
    digits = compact(value)
    if not re.fullmatch(r"\d{10}", digits):
        return False
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def ssn_ok(value: str) -> bool:
    digits = compact(value)
    if not re.fullmatch(r"\d{9}", digits):
        return False
    area, grp, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    return 0 < area < 900 and area != 666 and grp > 0 and serial > 0


_NINO = re.compile(r"(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")


def nino_ok(value: str) -> bool:
    return bool(_NINO.fullmatch(compact(value).upper()))


# --------------------------------------------------------------------------- makers


def _d(rng: random.Random, k: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(k))


def _grp(text: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(text[i : i + size] for i in range(0, len(text), size))


def card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        [("4", 16), ("51", 16), ("53", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15),
         ("6011", 16), ("3528", 16)]
    )  # fmt: skip
    body = prefix + _d(rng, length - len(prefix) - 1)
    number = next(body + c for c in string.digits if luhn_ok(body + c))
    if length == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return rng.choice([_grp(number), _grp(number, 4, "-"), number])


def bad_card(rng: random.Random) -> str:
    while True:
        number = "4" + _d(rng, 15)
        if not luhn_ok(number):
            return _grp(number)


_BBAN = {"DE": "n18", "GB": "a4n14", "FR": "n10c11n2", "NL": "a4n10", "IE": "a4n14",
         "ES": "n20", "IT": "a1n10c12", "CH": "n5c12", "AT": "n16"}  # fmt: skip


def _bban(rng: random.Random, country: str) -> str:
    out = ""
    for kind, k in re.findall(r"([anc])(\d+)", _BBAN[country]):
        alphabet = {"a": string.ascii_uppercase, "n": string.digits}.get(
            kind, string.ascii_uppercase + string.digits
        )
        out += "".join(rng.choice(alphabet) for _ in range(int(k)))
    return out


#: Real-looking UK bank codes read more naturally than random letters.
_GB_BANKS = ("NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA", "SRLG", "BUKB", "MONZ", "ABBY")


def iban(rng: random.Random, country: str = "DE") -> str:
    bban = _bban(rng, country)
    if country in ("GB", "IE"):
        bban = rng.choice(_GB_BANKS if country == "GB" else ("AIBK", "BOFI", "IPBS")) + bban[4:]
    num = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    value = f"{country}{98 - num % 97:02d}{bban}"
    assert iban_ok(value)
    return rng.choice([_grp(value), value])


def bad_iban(rng: random.Random, country: str = "DE") -> str:
    good = compact(iban(rng, country))
    check = int(good[2:4])
    value = f"{good[:2]}{(check + rng.randint(1, 50)) % 97 + 2:02d}{good[4:]}"
    return _grp(value) if not iban_ok(value) else bad_iban(rng, country)


def nhs(rng: random.Random) -> str:
    while True:
        nine = str(rng.randint(4, 7)) + _d(rng, 8)
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(nine)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            n = nine + str(check)
            return rng.choice([f"{n[:3]} {n[3:6]} {n[6:]}", n])


def bad_nhs(rng: random.Random) -> str:
    while True:
        n = str(rng.randint(4, 7)) + _d(rng, 9)
        if not nhs_ok(n):
            return f"{n[:3]} {n[3:6]} {n[6:]}"


def ssn(rng: random.Random) -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def itin(rng: random.Random) -> str:
    return f"9{_d(rng, 2)}-{rng.choice(['70', '78', '88', '92'])}-{_d(rng, 4)}"


def nino(rng: random.Random) -> str:
    while True:
        value = (
            rng.choice("ABCEGHJKLMNPRSTWXYZ")
            + rng.choice("ABCEGHJKLMNPRSTWXYZ")
            + _d(rng, 6)
            + rng.choice("ABCD")
        )
        if nino_ok(value):
            return rng.choice(
                [value, f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8]}"]
            )


def passport(rng: random.Random, country: str = "US") -> str:
    if country == "DE":
        return rng.choice("CFGHJK") + "".join(
            rng.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(8)
        )
    return _d(rng, 9) if rng.random() < 0.6 else rng.choice("ACEFGHK") + _d(rng, 8)


def mrn(rng: random.Random) -> str:
    return rng.choice(
        [
            _d(rng, 8),
            f"MRN-{_d(rng, 7)}",
            f"{rng.choice('RHK')}{_d(rng, 7)}",
            f"{_d(rng, 2)}-{_d(rng, 6)}",
        ]
    )


def ip(rng: random.Random) -> str:
    return rng.choice([
        f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        f"{rng.randint(23, 213)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
    ])  # fmt: skip


def _alnum(rng: random.Random, k: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(k))


def secret(rng: random.Random) -> str:
    upper = string.ascii_uppercase + string.digits
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    payload = (
        base64.urlsafe_b64encode(
            json.dumps({"sub": _d(rng, 6), "iat": 1700000000 + rng.randint(0, 9**7)}).encode()
        )
        .decode()
        .rstrip("=")
    )
    return rng.choice([
        "AKIA" + _alnum(rng, 16, upper),
        _alnum(rng, 40, string.ascii_letters + string.digits + "/+"),
        "ghp_" + _alnum(rng, 36),
        "glpat-" + _alnum(rng, 20, string.ascii_letters + string.digits + "_-"),
        "xoxb-" + _d(rng, 12) + "-" + _d(rng, 13) + "-" + _alnum(rng, 24),
        "sk_live_" + _alnum(rng, 24),
        f"{header}.{payload}." + _alnum(rng, 43, string.ascii_letters + string.digits + "_-"),
        _alnum(rng, 32, "0123456789abcdef"),
    ])  # fmt: skip


def password(rng: random.Random) -> str:
    return _alnum(rng, rng.randint(10, 18), string.ascii_letters + string.digits + "!#%&*+-=?@^_")


def pem(rng: random.Random) -> str:
    body = "\n".join(_alnum(rng, 64, string.ascii_letters + string.digits + "+/") for _ in range(4))
    return f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----"


MAKERS = {
    "card": card,
    "bad_card": bad_card,
    "iban_de": lambda r: iban(r, "DE"),
    "iban_gb": lambda r: iban(r, "GB"),
    "iban_other": lambda r: iban(r, r.choice(["FR", "NL", "IE", "ES", "IT", "CH", "AT"])),
    "bad_iban": lambda r: bad_iban(r, r.choice(["DE", "GB"])),
    "nhs": nhs,
    "bad_nhs": bad_nhs,
    "ssn": ssn,
    "itin": itin,
    "nino": nino,
    "passport_us": lambda r: passport(r, "US"),
    "passport_de": lambda r: passport(r, "DE"),
    "mrn": mrn,
    "ip": ip,
    "secret": secret,
    "password": password,
    "pem": pem,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus.make_ids")
    parser.add_argument("types", nargs="*", help=f"any of {', '.join(MAKERS)} (default: all)")
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed if args.seed is not None else time.time_ns())
    for name in args.types or list(MAKERS):
        if name not in MAKERS:
            parser.error(f"unknown type {name!r}")
        for _ in range(args.n):
            print(f"{name:<12} {MAKERS[name](rng)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
