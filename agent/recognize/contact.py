"""Email addresses, phone numbers (international and US/UK/DE/FR/NL/ES/IT national
formats) and IP addresses (v4 and v6, validated by ``ipaddress``)."""

from __future__ import annotations

import ipaddress
import re

from agent.domain import EntityType
from agent.recognize.pattern import Pattern, PatternRecognizer, variants
from agent.recognize.payment_ids import IBAN_PREFIX, REFERENCE_NUMBER_WORDS


def _email_check(value: str) -> bool | None:
    if "@" not in value:  # a local part whose domain was scrubbed
        return None if not (value.startswith(".") or value.endswith(".")) else False
    local, _, domain = value.rpartition("@")
    if ".." in local or local.startswith(".") or local.endswith("."):
        return False
    return None if ".." not in domain else False


def email() -> PatternRecognizer:
    return PatternRecognizer(
        "email",
        EntityType.EMAIL_ADDRESS,
        [
            Pattern(
                "email",
                # starts only at a token start, so a long run without '@' is scanned once
                r"(?<![\w.%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@"
                r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\-])",
                0.9,
            ),
            # the domain was scrubbed ("priya.sharma@[redacted]", "k.ullmann@***",
            # "j.doe@<domain removed>"): the local part, often the person's name, is left
            Pattern(
                "email, domain scrubbed",
                r"(?<![\w.%+\-])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63})"
                r"@(?=[\[<({]|\*{2}|…|\.{3}|x{3}|X{3}|_{3}|-{3}|\?{3})",
                0.8,
                group="local",
            ),
        ],
        context=("email", "e-mail", "mail", "courriel", "correo", "contact"),
        prefilter="@",
        validator=_email_check,
    )


PHONE_CONTEXT = (
    "phone", "telephone", "tel", "tel.", "mobile", "cell", "cellphone", "fax", "call", "ring",
    "contact", "whatsapp", "direct line", "dial", "number", "ph", "mob", "t", "m", "fon",
    "on call", "next of kin",
    "telefon", "telefonnummer", "handy", "mobil", "rufnummer", "durchwahl",
    "téléphone", "tél", "portable", "numéro", "teléfono", "móvil", "telefono", "cellulare",
    "numero", "telefoonnummer", "mobiel", "telefoon", "bel",
)  # fmt: skip

_PHONE_NEGATIVE = (
    *REFERENCE_NUMBER_WORDS, "account", "acct", "iban", "sort code", "routing", "version",
    "policy no", "policy number", "member id", "customer id", "employee id", "id",
    "amount", "total", "eur", "usd", "gbp", "€", "$", "£", "mrn", "nhs", "ssn", "nino",
    "passport", "dob", "record", "patient id", "iban", "card",
)  # fmt: skip

_DIGIT = re.compile(r"\d")
_DATE_START = re.compile(r"\(?\d{1,4}[./\-]\d{1,2}[./\-]\d{2,4}(?!\d)")  # "08/05/2025 16"
_DATE_OR_TIME = re.compile(r"\(?\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}|\d{1,2}:\d{2}")
_SEP = r"[ .\-/]"


def _phone_check(value: str) -> bool | None:
    digits = "".join(_DIGIT.findall(value))
    if not 8 <= len(digits) <= 15 or len(set(digits)) <= 2:
        return False
    if _DATE_OR_TIME.fullmatch(value) or _DATE_START.match(value):
        return False
    if value.startswith("+"):
        return None
    if value.startswith("00"):
        # international access code: country code + subscriber number, 8 to 13 digits
        return None if 8 <= len(digits) - 2 <= 13 else False
    national = digits.lstrip("0")
    if not value.lstrip("(").startswith("0") and any(c in value for c in "(-."):
        # written the North American way: area and exchange codes start with 2-9
        if len(digits) == 10 and (digits[0] in "01" or digits[3] in "01"):
            return False
        if len(digits) == 11 and digits[0] == "1" and (digits[1] in "01" or digits[4] in "01"):
            return False
        return None
    # a trunk-0 national number has 9 to 12 digits with its 0 (UK 11, FR/NL/IT 10, DE 9-12)
    return None if 8 <= len(national) <= 11 else False


def phone() -> PatternRecognizer:
    # (not before ":30": the hour of a time)
    # (after "Tel." but not inside a decimal number)
    left, right = r"(?<![\w+\-/])(?<!\d\.)", r"(?![\w\-]|[./:]\d)"
    return PatternRecognizer(
        "phone",
        EntityType.PHONE_NUMBER,
        [
            # one scan, one look-ahead and look-behind for all shapes; the shape that
            # matched sets the score
            Pattern(
                "phone number",
                rf"(?=[+(\d]){left}(?:"
                # +44 20 7946 0958, +49 (0)30 1234567, +1-202-555-0143, +33 1 23 45 67 89
                rf"(?P<intl_plus>\+[1-9]\d{{0,2}}(?:[ .\-]?\(0\))?"
                rf"(?:[ .\-]?\(?\d{{1,5}}\)?){{1,5}}){right}"
                # 0044 20 7946 0958
                rf"|(?P<intl_00>00[1-9]\d{{0,2}}(?:[ .\-]?\(0\))?(?:[ .\-]?\d{{1,5}}){{2,5}})"
                rf"{right}"
                # US: (202) 555-0143, 202-555-0143, 202.555.0143, 1-800-555-0199
                rf"|(?P<us>(?:1[ .\-])?(?:\(\d{{3}}\)[ ]?|\d{{3}}[.\-])\d{{3}}[.\-]\d{{4}})"
                rf"{right}"
                # 202 555 0143 (also IT mobile 333 123 4567, ES 612 345 678): needs context
                rf"|(?P<spaced>[2-9]\d{{2}}(?: \d{{2,4}}){{2,3}}){right}"
                # 3801662871 with a cue ("call 3801662871")
                rf"|(?P<plain>[1-9]\d{{9,10}}){right}"
                # UK 020 7946 0958 / 07700 900123, DE 030 12345678 / (089) 123456 /
                # 0170-1234567, FR 01 23 45 67 89, NL 020-1234567 / 06-12345678,
                # IT 06 1234 5678
                rf"|(?P<trunk_0>(?:\(0\d{{1,4}}\)|0\d{{1,4}})(?:{_SEP}?\d{{2,8}}){{1,4}})"
                rf"{right}"
                r")",
                0.75,
                variants=(
                    ("intl_plus", 0.75), ("intl_00", 0.5), ("us", 0.6), ("spaced", 0.3),
                    ("plain", 0.2), ("trunk_0", 0.5),
                ),
            ),
        ],
        context=PHONE_CONTEXT,
        negative_context=_PHONE_NEGATIVE,
        context_window=30,
        not_after=IBAN_PREFIX,
        numeric=True,
        min_digits=8,  # (_phone_check's minimum)
        validator=_phone_check,
    )  # fmt: skip


def _ip_check(value: str) -> bool | None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    if address.version == 6 and sum(c.isalnum() for c in value) < 2:
        return False
    return None


def ip_address() -> PatternRecognizer:
    return PatternRecognizer(
        "ip_address",
        EntityType.IP_ADDRESS,
        [
            variants("ip address", [
                ("v4", r"(?<![\w.])(?<!::ffff:)(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)", 0.6),
                ("v6", r"(?<![\w:])(?=[0-9A-Fa-f]*:[0-9A-Fa-f]*:)[0-9A-Fa-f:]{2,39}"
                       r"(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?![\w:]|\.\d)", 0.6),
            ], prefix=r"(?=[0-9A-Fa-f:])"),
        ],
        context=(
            "ip", "ip address", "ipv4", "ipv6", "address", "host", "server", "gateway",
            "login from", "source", "src", "dst", "client", "ip-adresse", "adresse ip",
            "dirección ip", "indirizzo ip", "ip-adres",
        ),
        negative_context=(
            "version", "ver", "v", "release", "build", "firmware", "patch", "update", "clause",
            "section", "article", "paragraph", "§", "art", "rule", "step", "chapter", "oid",
        ),
        context_window=25,
        numeric=True,
        needs=r"[.:]",
        validator=_ip_check,
    )  # fmt: skip
