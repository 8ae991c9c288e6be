"""Writer B's helper for the hand-written prose corpus (fr_FR, nl_NL, es_ES, it_IT).

Two jobs, nothing else:

``fill FILE...``
    Replace ``{{...}}`` placeholders in hand-written documents, in place, by random
    values with valid check digits (or deliberately invalid look-alikes), so that no
    checksum is computed by hand. Seeded by file path and position: re-running on the
    same draft gives the same values. Placeholders::

        {{CARD}} {{CARD:visa|mc|amex|disc}}   Luhn-valid card number
        {{BADCARD}}                            16 digits failing Luhn (hard negative)
        {{IBAN:FR}} (FR NL ES IT DE BE GB CH LU PT)   mod-97-valid IBAN
        {{BADIBAN:FR}}                         IBAN layout, wrong check digits
        {{NHS}} {{BADNHS}} {{NINO}} {{SSN}}
        {{AWS}} {{AWSSECRET}} {{GHP}} {{GLPAT}} {{SLACK}} {{SKLIVE}} {{JWT}} {{PW}}
        {{HEX:n}} {{B64:n}} {{ALNUM:n}} {{PEM}} {{UUID}}

    Modifiers after ``|`` (comma separated): ``compact`` (no grouping), ``dash``
    (groups of four joined by ``-``), ``fw`` (full-width digits), ``br`` (a line break
    at a separator), ``zw`` (a zero-width space inside), ``lower``.

``check [FILE...]``
    Parse documents (default: every file of the four locales), validate the format,
    the categories, the entity types, the check digits of annotated identifiers, look
    for unannotated values that would pass a checksum or look like an e-mail/IP, and
    print counts per locale, kind, category and entity type.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import string
import sys
import unicodedata
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent / "prose"
LOCALES = ("fr_FR", "nl_NL", "es_ES", "it_IT")
CATEGORIES = ("public", "internal", "confidential", "privileged", "health",
              "financial_personal", "hr")  # fmt: skip
TYPES = ("PERSON", "ORGANIZATION", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER",
         "CREDIT_CARD", "IBAN_CODE", "US_SSN", "UK_NHS", "UK_NINO", "IP_ADDRESS",
         "DATE_OF_BIRTH", "MEDICAL_RECORD_NUMBER", "PASSPORT_NUMBER", "SECRET")  # fmt: skip

IBAN_LAYOUT = {  # country -> BBAN pieces: n digits, a upper letters, c alphanumerics
    "FR": ("n10", "c11", "n2"), "NL": ("a4", "n10"), "ES": ("n20",),
    "IT": ("a1", "n10", "c12"), "DE": ("n18",), "BE": ("n12",), "GB": ("a4", "n14"),
    "CH": ("n5", "c12"), "LU": ("n3", "c13"), "PT": ("n21",),
}  # fmt: skip
IBAN_LEN = {"FR": 27, "NL": 18, "ES": 24, "IT": 27, "DE": 22, "BE": 16, "GB": 22,
            "CH": 21, "LU": 20, "PT": 25, "AT": 20, "IE": 22}  # fmt: skip
ZW = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
FULLWIDTH = {ord(d): chr(0xFF10 + int(d)) for d in "0123456789"}


# -- check digits ---------------------------------------------------------------------
def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def luhn_complete(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def iban_ok(compact: str) -> bool:
    compact = compact.upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", compact):
        return False
    if compact[:2] in IBAN_LEN and len(compact) != IBAN_LEN[compact[:2]]:
        return False
    number = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(number) % 97 == 1


def nhs_ok(digits: str) -> bool:
    if len(digits) != 10:
        return False
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


NINO_RE = re.compile(r"(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")


def ssn_ok(digits: str) -> bool:
    if len(digits) != 9:
        return False
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    return 0 < area < 900 and area != 666 and group > 0 and serial > 0


def normalize(value: str) -> str:
    """What a recognizer sees after undoing the obfuscations we use."""
    value = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in value if ch not in ZW)


def compact_of(value: str) -> str:
    return re.sub(r"[\s\-.]", "", normalize(value))


# -- generation -----------------------------------------------------------------------
def group(text: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(text[i : i + size] for i in range(0, len(text), size))


def chars(rng: random.Random, alphabet: str, k: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(k))


def card(rng: random.Random, brand: str) -> str:
    brand = brand or rng.choice(("visa", "visa", "mc", "mc", "amex", "disc"))
    if brand == "amex":
        number = luhn_complete(rng.choice(("34", "37")) + chars(rng, string.digits, 12))
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    prefix = {"visa": "4", "mc": str(rng.randint(51, 55)), "disc": "6011"}[brand]
    return group(luhn_complete(prefix + chars(rng, string.digits, 15 - len(prefix))))


def bad_card(rng: random.Random) -> str:
    while True:
        n = str(rng.randint(3, 6)) + chars(rng, string.digits, 15)
        if not luhn_ok(n):
            return group(n)


def iban(rng: random.Random, country: str) -> str:
    alph = {"n": string.digits, "a": string.ascii_uppercase,
            "c": string.digits + string.ascii_uppercase}  # fmt: skip
    bban = "".join(chars(rng, alph[p[0]], int(p[1:])) for p in IBAN_LAYOUT[country])
    if country == "NL":  # real Dutch bank codes read more naturally than random letters
        banks = ("ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ")
        bban = rng.choice(banks) + bban[4:]
    number = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    compact = f"{country}{98 - int(number) % 97:02d}{bban}"
    assert iban_ok(compact)
    return group(compact)


def bad_iban(rng: random.Random, country: str) -> str:
    good = iban(rng, country).replace(" ", "")
    while True:
        bad = good[:2] + f"{rng.randint(2, 98):02d}" + good[4:]
        if not iban_ok(bad):
            return group(bad)


def nhs(rng: random.Random, valid: bool = True) -> str:
    while True:
        n = str(rng.randint(4, 9)) + chars(rng, string.digits, 9)
        if nhs_ok(n) == valid:
            return f"{n[:3]} {n[3:6]} {n[6:]}"


def nino(rng: random.Random) -> str:
    while True:
        v = (rng.choice(string.ascii_uppercase) + rng.choice(string.ascii_uppercase)
             + chars(rng, string.digits, 6) + rng.choice("ABCD"))  # fmt: skip
        if NINO_RE.fullmatch(v):
            return f"{v[:2]} {v[2:4]} {v[4:6]} {v[6:8]} {v[8]}"


def ssn(rng: random.Random) -> str:
    while True:
        d = chars(rng, string.digits, 9)
        if ssn_ok(d):
            return f"{d[:3]}-{d[3:5]}-{d[5:]}"


def jwt(rng: random.Random) -> str:
    def b64(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    head = b64({"alg": "HS256", "typ": "JWT"})
    body = b64({"sub": chars(rng, string.digits, 6), "iat": rng.randint(1.7e9, 1.78e9)})
    sig = chars(rng, string.ascii_letters + string.digits + "-_", 43)
    return f"{head}.{body}.{sig}"


def password(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "!#%&*+-=?@^_"
    while True:
        pw = chars(rng, alphabet, rng.randint(12, 20))
        if any(c.isdigit() for c in pw) and any(c in "!#%&*+-=?@^_" for c in pw):
            return pw


def pem(rng: random.Random) -> str:
    body = base64.b64encode(rng.randbytes(rng.choice((144, 192)))).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(lines) + ("\n-----END RSA PRIVATE KEY-----")
    )


def make(rng: random.Random, kind: str, arg: str) -> str:
    alnum = string.ascii_letters + string.digits
    table = {
        "CARD": lambda: card(rng, arg),
        "BADCARD": lambda: bad_card(rng),
        "IBAN": lambda: iban(rng, arg or "FR"),
        "BADIBAN": lambda: bad_iban(rng, arg or "FR"),
        "NHS": lambda: nhs(rng),
        "BADNHS": lambda: nhs(rng, valid=False),
        "NINO": lambda: nino(rng),
        "SSN": lambda: ssn(rng),
        "AWS": lambda: "AKIA" + chars(rng, string.ascii_uppercase + "234567", 16),
        "AWSSECRET": lambda: chars(rng, alnum + "+/", 40),
        "GHP": lambda: "ghp_" + chars(rng, alnum, 36),
        "GLPAT": lambda: "glpat-" + chars(rng, alnum + "-_", 20),
        "SLACK": lambda: (
            f"xoxb-{rng.randint(10**10, 10**11)}-{rng.randint(10**12, 10**13)}-"
            + chars(rng, alnum, 24)
        ),
        "SKLIVE": lambda: "sk_live_" + chars(rng, alnum, 32),
        "JWT": lambda: jwt(rng),
        "PW": lambda: password(rng),
        "HEX": lambda: chars(rng, "0123456789abcdef", int(arg or 32)),
        "B64": lambda: chars(rng, alnum + "+/", int(arg or 40)),
        "ALNUM": lambda: chars(rng, alnum, int(arg or 24)),
        "PEM": lambda: pem(rng),
        "UUID": lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    }
    return table[kind]()


def modify(rng: random.Random, value: str, mods: list[str]) -> str:
    for mod in mods:
        if mod == "compact":
            value = value.replace(" ", "")
        elif mod == "dash":
            value = group(value.replace(" ", ""), 4, "-")
        elif mod == "lower":
            value = value.lower()
        elif mod == "fw":
            value = value.translate(FULLWIDTH)
        elif mod == "zw":
            i = rng.randint(2, len(value) - 2)
            value = value[:i] + "\u200b" + value[i:]
        elif mod == "br":
            seps = [i for i, ch in enumerate(value) if ch in " -" and 3 < i < len(value) - 3]
            if seps:
                i = seps[len(seps) // 2]
                value = value[:i] + "\n" + value[i + 1 :]
            else:
                i = len(value) // 2
                value = value[:i] + "\n" + value[i:]
        else:
            raise ValueError(f"unknown modifier {mod!r}")
    return value


PLACEHOLDER = re.compile(r"\{\{([A-Z0-9]+)(?::([A-Za-z0-9]+))?(?:\|([a-z,]+))?\}\}")


def fill(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    count = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        seed = hashlib.sha256(f"{path.as_posix()}|{m.start()}|{m.group(0)}".encode()).digest()
        rng = random.Random(seed)
        value = make(rng, m.group(1), m.group(2) or "")
        return modify(rng, value, m.group(3).split(",") if m.group(3) else [])

    new = PLACEHOLDER.sub(sub, text)
    if count:
        path.write_text(new, encoding="utf-8")
    return count


# -- checking -------------------------------------------------------------------------
HEADER = re.compile(r"^=== section category=([a-z_]+)\s*$")
ANNOT = re.compile(r"⟦([A-Z_]+)\|(.*?)⟧", re.S)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IPV4_RE = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
CARDISH = re.compile(r"(?<![\w])(?:\d[ \-]?){12,18}\d(?![\w])")
IBANISH = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")


def parse(path: Path) -> tuple[dict[str, str], list[tuple[str, str, list[tuple[str, str]]]]]:
    meta: dict[str, str] = {}
    sections: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        m = HEADER.match(line)
        if m:
            sections.append((m.group(1), []))
        elif not sections:
            if line.startswith("# ") and ":" in line:
                key, _, value = line[2:].partition(":")
                meta[key.strip()] = value.strip()
            elif line.strip():
                raise ValueError(f"{path}: text before the first section: {line!r}")
        else:
            sections[-1][1].append(line)
    out = []
    for category, lines in sections:
        raw = "\n".join(lines).strip("\n")
        spans = [(m.group(1), m.group(2)) for m in ANNOT.finditer(raw)]
        out.append((category, raw, spans))
    return meta, out


TITLE_RE = re.compile(  # titles stay outside a PERSON span
    r"(?:Mme|Mlle|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Drs\.|Docteur|Me|Maître|Pr\.?|Prof\.?|"
    r"Monsieur|Madame|dhr\.|mevr\.|Dhr\.|Mevr\.|mr\.|Sr\.|Sra\.|Srta\.|Dra\.|Dña\.|"
    r"Don|Doña|sig\.ra|sig\.|dott\.ssa|dott\.|avv\.|Prof\.ssa|dr\.|drs\.|mw\.|ing\.|"
    r"prof\.|ir\.|Dott\.(?:ssa)?|Dottor|Avv\.|Ing\.|Sig\.(?:ra)?|Geom\.|Rag\.|On\.|"
    r"Herr|Frau) ",
)


def validate_value(etype: str, value: str) -> str | None:
    if "⟦" in value or ("|" in value and etype != "SECRET"):
        return "nested or malformed annotation"
    if value != value.strip():
        return "value has surrounding whitespace"
    c = compact_of(value)
    if etype == "CREDIT_CARD":
        if not (c.isdigit() and 13 <= len(c) <= 19 and luhn_ok(c)):
            return f"card fails Luhn: {value!r}"
    elif etype == "IBAN_CODE":
        if not iban_ok(c):
            return f"IBAN fails mod 97/length: {value!r}"
    elif etype == "UK_NHS":
        if not nhs_ok(c):
            return f"NHS fails mod 11: {value!r}"
    elif etype == "UK_NINO":
        if not NINO_RE.fullmatch(c.upper()):
            return f"bad NINO: {value!r}"
    elif etype == "US_SSN":
        if not ssn_ok(c):
            return f"bad SSN: {value!r}"
    elif etype == "EMAIL_ADDRESS":
        if "@" not in value and not re.search(
            r"[\[\(\{ ](?:at|arroba|chiocciola|apenstaartje|AT)[\]\)\} ]", value
        ):
            return f"email without @ or [at]: {value!r}"
    elif etype == "PERSON":
        if TITLE_RE.match(value):
            return f"title inside a PERSON span: {value!r}"
    elif etype == "IP_ADDRESS":
        n = normalize(value)
        if not (IPV4_RE.fullmatch(n) or ":" in n):
            return f"not an IP: {value!r}"
    return None


def outside(raw: str) -> str:
    """The section text with annotated values blanked (to find unannotated look-alikes)."""
    return ANNOT.sub(lambda m: " " * len(m.group(2)), raw)


def check(paths: list[Path]) -> int:
    errors: list[str] = []
    warnings: list[str] = []
    per_locale: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    per_cat: Counter[str] = Counter()
    per_type: Counter[str] = Counter()
    n_sections = 0
    for path in paths:
        rel = path.relative_to(ROOT)
        try:
            meta, sections = parse(path)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if PLACEHOLDER.search(path.read_text(encoding="utf-8")):
            errors.append(f"{rel}: unfilled placeholder")
        kind = meta.get("kind")
        if not kind:
            errors.append(f"{rel}: no '# kind:' line")
        if not re.fullmatch(r"[a-z_]+-\d{2}\.txt", path.name):
            errors.append(f"{rel}: file name is not <kind>-<nn>.txt")
        if not 2 <= len(sections) <= 6:
            errors.append(f"{rel}: {len(sections)} sections")
        per_locale[rel.parts[0]] += 1
        per_kind[kind or "?"] += 1
        for i, (cat, raw, spans) in enumerate(sections):
            n_sections += 1
            where = f"{rel}#{i}"
            if cat not in CATEGORIES:
                errors.append(f"{where}: unknown category {cat}")
            per_cat[cat] += 1
            plain = ANNOT.sub(lambda m: m.group(2), raw)
            if not plain.strip():
                errors.append(f"{where}: empty section")
            if len(plain) > 2100:
                errors.append(f"{where}: {len(plain)} characters")
            if raw.count("⟦") != raw.count("⟧") or raw.count("⟦") != len(spans):
                errors.append(f"{where}: unbalanced ⟦⟧")
            for etype, value in spans:
                if etype not in TYPES:
                    errors.append(f"{where}: unknown type {etype}")
                    continue
                per_type[etype] += 1
                problem = validate_value(etype, value)
                if problem:
                    errors.append(f"{where}: {etype}: {problem}")
            rest = normalize(outside(raw))
            for m in EMAIL_RE.finditer(rest):
                warnings.append(f"{where}: unannotated e-mail-like {m.group(0)!r}")
            for m in IPV4_RE.finditer(rest):
                warnings.append(f"{where}: unannotated IP-like {m.group(0)!r}")
            for m in CARDISH.finditer(rest):
                d = re.sub(r"\D", "", m.group(0))
                if 13 <= len(d) <= 19 and luhn_ok(d):
                    warnings.append(f"{where}: unannotated Luhn-valid number {m.group(0)!r}")
            for m in IBANISH.finditer(rest):
                if iban_ok(m.group(0).replace(" ", "")):
                    warnings.append(f"{where}: unannotated valid IBAN {m.group(0)!r}")
    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("ERROR:", e)
    print(f"\n{len(paths)} documents, {n_sections} sections")
    for title, counter in (("locale", per_locale), ("kind", per_kind),
                           ("category", per_cat), ("entity type", per_type)):  # fmt: skip
        print(f"\n{title}:")
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {key:24} {n:5}")
    return 1 if errors else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("fill", "check"):
        print(__doc__)
        return 2
    paths = [Path(p).resolve() for p in argv[1:]]
    if argv[0] == "fill":
        for p in paths:
            n = fill(p)
            if n:
                print(f"{p.name}: {n} values")
        return 0
    if not paths:
        paths = sorted(p for loc in LOCALES for p in (ROOT / loc).glob("*.txt"))
    return check(paths)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
