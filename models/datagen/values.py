"""Entity value generators shared by every split (the only thing train and test share
besides the adversarial transforms).

Every value comes out in one of many surface formats so that a model learns the entity,
not one spelling of it. Identifiers with check digits are always valid here; the
near-miss invalid ones live in ``negatives``.
"""

from __future__ import annotations

import base64
import json
import random
import string
import unicodedata
from collections.abc import Sequence
from typing import TypeVar

from faker import Faker

from models.datagen.checksums import (
    NINO_BAD_FIRST,
    NINO_BAD_PREFIXES,
    NINO_BAD_SECOND,
    iban_check_digits,
    luhn_check_digit,
    nhs_check_digit,
)

T = TypeVar("T")

LOCALES: tuple[str, ...] = ("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT")

_IBAN_LAYOUT: dict[str, tuple[str, ...]] = {
    # country -> BBAN pieces: "n<k>" digits, "a<k>" upper letters, "c<k>" alphanumerics
    "DE": ("n18",),
    "GB": ("a4", "n14"),
    "FR": ("n10", "c11", "n2"),
    "NL": ("a4", "n10"),
    "ES": ("n20",),
    "IT": ("a1", "n10", "c12"),
    "BE": ("n12",),
    "CH": ("n5", "c12"),
    "IE": ("a4", "n14"),
    "AT": ("n16",),
}
_LOCALE_COUNTRY = {
    "en_US": "US",
    "en_GB": "GB",
    "de_DE": "DE",
    "fr_FR": "FR",
    "nl_NL": "NL",
    "es_ES": "ES",
    "it_IT": "IT",
}
_COUNTRY_NAMES = {
    "US": ("United States", "USA", "U.S."),
    "GB": ("United Kingdom", "UK", "England", "Scotland"),
    "DE": ("Germany", "Deutschland"),
    "FR": ("France",),
    "NL": ("the Netherlands", "Nederland", "Holland"),
    "ES": ("Spain", "España"),
    "IT": ("Italy", "Italia"),
}
_PHONE_CC = {"US": "1", "GB": "44", "DE": "49", "FR": "33", "NL": "31", "ES": "34", "IT": "39"}
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTHS_LOCAL = {
    "de_DE": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr_FR": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl_NL": "januari februari maart april mei juni juli augustus september oktober november "
    "december",
    "es_ES": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "it_IT": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre "
    "novembre dicembre",
}
_ORG_SUFFIX = {
    "en_US": ("Inc.", "LLC", "Corp.", "Holdings", "Group", "Partners LLP", "& Co."),
    "en_GB": ("Ltd", "plc", "LLP", "Holdings Ltd", "Group plc", "& Partners"),
    "de_DE": ("GmbH", "AG", "KG", "GmbH & Co. KG", "SE"),
    "fr_FR": ("SA", "SAS", "SARL", "Groupe", "et Associés"),
    "nl_NL": ("B.V.", "N.V.", "Holding B.V.", "Groep"),
    "es_ES": ("S.A.", "S.L.", "Grupo", "y Asociados"),
    "it_IT": ("S.p.A.", "S.r.l.", "Gruppo", "e Associati"),
}
_ORG_STEMS = (
    "Northbridge",
    "Meridian",
    "Halcyon",
    "Ashford",
    "Blackwater",
    "Corvus",
    "Eastgate",
    "Fairmont",
    "Greystone",
    "Harbour",
    "Ironwood",
    "Juniper",
    "Kestrel",
    "Lindqvist",
    "Marlowe",
    "Norland",
    "Oakhurst",
    "Pelham",
    "Quantock",
    "Redfern",
    "Saltmarsh",
    "Thornbury",
    "Umbra",
    "Valemont",
    "Westmoor",
    "Yarrow",
    "Zenith",
    "Albion",
    "Brightwater",
    "Calder",
    "Drummond",
    "Elmstead",
    "Foxglove",
    "Glenrock",
    "Hartwell",
    "Isenberg",
    "Kingsley",
    "Larkspur",
    "Montclair",
)
_ORG_TRADES = (
    "Capital",
    "Logistics",
    "Pharma",
    "Biotech",
    "Analytics",
    "Insurance",
    "Energy",
    "Software",
    "Foods",
    "Shipping",
    "Engineering",
    "Asset Management",
    "Medical",
    "Robotics",
    "Textiles",
    "Consulting",
    "Bank",
    "Trust",
    "Telecom",
    "Materials",
)
_HOSPITAL_FORMS = (
    "St. {x} Hospital",
    "{x} General Hospital",
    "{x} Royal Infirmary",
    "Klinikum {x}",
    "Hôpital {x}",
    "Ospedale {x}",
    "{x} Medical Center",
    "{x} University Hospital",
    "Hospital Universitario {x}",
    "{x} Ziekenhuis",
    "{x} Clinic",
)
_LAW_FORMS = (
    "{a} & {b} LLP",
    "{a} {b} Rechtsanwälte",
    "{a}, {b} & Partners",
    "Cabinet {a} {b}",
    "{a} Advocaten",
    "{a} & {b} Abogados",
    "Studio Legale {a} {b}",
    "{a} Law Group",
)
_BANK_FORMS = (
    "{x} Bank",
    "{x} Savings Bank",
    "Banque {x}",
    "{x} Bankhaus",
    "Banco {x}",
    "{x} Credit Union",
    "{x} Private Bank",
    "Banca {x}",
)


def _rand_chars(rng: random.Random, alphabet: str, k: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(k))


def _digits(rng: random.Random, k: int) -> str:
    return _rand_chars(rng, string.digits, k)


def ascii_fold(text: str) -> str:
    """``Gérard`` -> ``Gerard``: what people do when a name becomes an email address."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(ch for ch in decomposed if ch.isascii() and not unicodedata.combining(ch))


def group(text: str, size: int, sep: str = " ") -> str:
    return sep.join(text[i : i + size] for i in range(0, len(text), size))


class Values:
    """Entity values for one sample: seeded ``random.Random`` plus a seeded Faker."""

    def __init__(self, rng: random.Random, fake: Faker, locale: str) -> None:
        self.rng = rng
        self.fake = fake
        self.locale = locale
        self.country = _LOCALE_COUNTRY[locale]

    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    # -- people, organisations, places -------------------------------------------------
    def first_name(self) -> str:
        return str(self.fake.first_name())

    def last_name(self) -> str:
        return str(self.fake.last_name())

    def person(self) -> str:
        """A full name in a varied but natural format (titles stay outside the span)."""
        first, last = self.first_name(), self.last_name()
        r = self.rng.random()
        if r < 0.6:
            return f"{first} {last}"
        if r < 0.7:
            return f"{first[0]}. {last}"
        if r < 0.78:
            return f"{last}, {first}"
        if r < 0.86:
            return f"{first} {self.rng.choice(string.ascii_uppercase)}. {last}"
        if r < 0.93:
            return f"{last.upper()} {first}"
        return f"{first} {last}-{self.last_name()}"

    def organization(self, flavour: str = "any") -> str:
        stem = self.pick(_ORG_STEMS)
        if flavour == "any":
            flavour = self.pick(("company", "company", "faker", "hospital", "law", "bank"))
        if flavour == "hospital":
            return self.pick(_HOSPITAL_FORMS).format(x=self.pick((stem, self.last_name())))
        if flavour == "law":
            return self.pick(_LAW_FORMS).format(a=self.last_name(), b=self.last_name())
        if flavour == "bank":
            return self.pick(_BANK_FORMS).format(x=self.pick((stem, str(self.fake.city()))))
        if flavour == "faker":
            return str(self.fake.company()).strip()
        trade = self.pick(_ORG_TRADES)
        return f"{stem} {trade} {self.pick(_ORG_SUFFIX[self.locale])}"

    def city(self) -> str:
        return str(self.fake.city()).strip()

    def country_name(self) -> str:
        return self.pick(_COUNTRY_NAMES[self.country])

    def street(self) -> str:
        return " ".join(str(self.fake.street_address()).split())

    def postcode_city(self) -> str:
        pc, city = str(self.fake.postcode()), self.city()
        if self.locale == "en_US":
            return f"{city}, {self.fake.state_abbr()} {pc}"
        if self.locale == "en_GB":
            return f"{city} {pc}"
        return f"{pc} {city}"

    def address_line(self) -> str:
        """A one-line street address."""
        sep = self.pick((", ", ", ", " - ", "; "))
        parts = [self.street(), self.postcode_city()]
        if self.rng.random() < 0.2:
            parts.append(self.country_name())
        return sep.join(parts)

    def address_lines(self) -> list[str]:
        """A postal block, one span per line."""
        lines = [self.street(), self.postcode_city()]
        if self.rng.random() < 0.3:
            lines.append(
                self.country_name().upper() if self.rng.random() < 0.3 else self.country_name()
            )
        return lines

    # -- contact ----------------------------------------------------------------------
    def email(self, name: str | None = None, domain: str | None = None) -> str:
        if name is None:
            name = f"{self.first_name()} {self.last_name()}"
        words = [
            w for w in "".join(ch if ch.isalpha() or ch == " " else " " for ch in name).split()
        ]
        ascii_words = [ascii_fold(w).lower() or "user" for w in words] or ["user"]
        first, last = ascii_words[0], ascii_words[-1]
        local = self.pick(
            (
                f"{first}.{last}",
                f"{first[0]}{last}",
                f"{first}_{last}",
                f"{last}.{first}",
                f"{first}{self.rng.randint(1, 99)}",
                f"{first[0]}.{last}",
                f"{last}{first[0]}",
            )
        )
        if domain is None:
            domain = self.pick(
                (
                    str(self.fake.free_email_domain()),
                    str(self.fake.domain_name()),
                    str(self.fake.domain_name()),
                )
            )
        return f"{local}@{domain}"

    def org_domain(self, org: str) -> str:
        word = "".join(ch for ch in org.split()[0].lower() if ch.isalnum())
        word = ascii_fold(word) or "corp"
        tld = {
            "en_US": "com",
            "en_GB": "co.uk",
            "de_DE": "de",
            "fr_FR": "fr",
            "nl_NL": "nl",
            "es_ES": "es",
            "it_IT": "it",
        }[self.locale]
        return f"{word}.{self.pick((tld, tld, 'com', 'eu', 'law', 'io'))}"

    def phone(self) -> str:
        rng = self.rng
        cc = _PHONE_CC[self.country]
        r = rng.random()
        if r < 0.3:
            raw = str(self.fake.phone_number())
            raw = raw.split("x")[0].strip()
            if sum(ch.isdigit() for ch in raw) >= 9:
                return raw
        if self.country == "US":
            area, mid, end = rng.randint(201, 989), rng.randint(200, 999), _digits(rng, 4)
            return self.pick(
                (
                    f"({area}) {mid}-{end}",
                    f"{area}-{mid}-{end}",
                    f"+1 {area} {mid} {end}",
                    f"{area}.{mid}.{end}",
                    f"+1-{area}-{mid}-{end}",
                )
            )
        national = str(rng.randint(1, 9)) + _digits(rng, 8 if self.country != "GB" else 9)
        if r < 0.65:
            return f"+{cc} {group(national, self.pick((2, 3, 4)))}"
        if r < 0.8:
            return f"0{national[:3]} {national[3:6]} {national[6:]}"
        if r < 0.9:
            return f"+{cc} ({national[0]}) {group(national[1:], 3)}"
        return f"00{cc}{national}"

    def ip(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if r < 0.5:
            return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if r < 0.85:
            return ".".join(
                str(x)
                for x in (
                    rng.randint(11, 223),
                    rng.randint(0, 255),
                    rng.randint(0, 255),
                    rng.randint(1, 254),
                )
            )
        groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
        if rng.random() < 0.5:
            return "2001:db8:" + ":".join(groups[2:])
        return "fe80::" + ":".join(groups[4:])

    # -- dates ------------------------------------------------------------------------
    def date(self, year_from: int, year_to: int) -> str:
        rng = self.rng
        y, m, d = rng.randint(year_from, year_to), rng.randint(1, 12), rng.randint(1, 28)
        months = _MONTHS_LOCAL.get(self.locale, " ".join(_MONTHS)).split()
        r = rng.random()
        if self.locale == "en_US":
            fmts = (
                f"{m:02d}/{d:02d}/{y}",
                f"{_MONTHS[m - 1]} {d}, {y}",
                f"{m}/{d}/{y}",
                f"{_MONTHS[m - 1][:3]} {d}, {y}",
                f"{y}-{m:02d}-{d:02d}",
            )
        elif self.locale == "en_GB":
            fmts = (
                f"{d:02d}/{m:02d}/{y}",
                f"{d} {_MONTHS[m - 1]} {y}",
                f"{d} {_MONTHS[m - 1][:3]} {y}",
                f"{y}-{m:02d}-{d:02d}",
                f"{d}.{m}.{y}",
            )
        else:
            fmts = (
                f"{d:02d}.{m:02d}.{y}",
                f"{d:02d}/{m:02d}/{y}",
                f"{d} {months[m - 1]} {y}",
                f"{y}-{m:02d}-{d:02d}",
                f"{d}-{m:02d}-{y}",
            )
        return fmts[int(r * len(fmts))]

    def dob(self) -> str:
        return self.date(1931, 2007)

    def recent_date(self) -> str:
        return self.date(2019, 2026)

    # -- financial identifiers -----------------------------------------------------
    def credit_card(self) -> str:
        rng = self.rng
        brand = rng.random()
        if brand < 0.4:
            body, length = "4" + _digits(rng, 14), 16
        elif brand < 0.75:
            body, length = str(rng.randint(51, 55)) + _digits(rng, 13), 16
        elif brand < 0.9:
            body, length = rng.choice(("34", "37")) + _digits(rng, 12), 15
        else:
            body, length = "6011" + _digits(rng, 11), 16
        number = body + luhn_check_digit(body)
        assert len(number) == length
        r = rng.random()
        if length == 15:
            if r < 0.6:
                return f"{number[:4]} {number[4:10]} {number[10:]}"
            return number
        if r < 0.55:
            return group(number, 4)
        if r < 0.75:
            return group(number, 4, "-")
        return number

    def iban(self, country: str | None = None) -> str:
        rng = self.rng
        if country is None:
            country = (
                self.country
                if self.country in _IBAN_LAYOUT and rng.random() < 0.7
                else (self.pick(tuple(_IBAN_LAYOUT)))
            )
        bban = ""
        for piece in _IBAN_LAYOUT[country]:
            kind, k = piece[0], int(piece[1:])
            alphabet = {
                "n": string.digits,
                "a": string.ascii_uppercase,
                "c": string.digits + string.ascii_uppercase,
            }[kind]
            bban += _rand_chars(rng, alphabet, k)
        compact = country + iban_check_digits(country, bban) + bban
        r = rng.random()
        if r < 0.55:
            return group(compact, 4)
        if r < 0.9:
            return compact
        return group(compact, 4).lower() if rng.random() < 0.3 else group(compact, 4, "-")

    def us_ssn(self) -> str:
        rng = self.rng
        area = rng.randint(1, 899)
        while area == 666:
            area = rng.randint(1, 899)
        ssn = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        return self.pick(
            (f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}",) * 4 + (f"{ssn[:3]} {ssn[3:5]} {ssn[5:]}", ssn)
        )

    def uk_nhs(self) -> str:
        rng = self.rng
        while True:
            nine = str(rng.randint(4, 9)) + _digits(rng, 8)
            check = nhs_check_digit(nine)
            if check is not None:
                break
        n = nine + str(check)
        return self.pick(
            (
                f"{n[:3]} {n[3:6]} {n[6:]}",
                f"{n[:3]} {n[3:6]} {n[6:]}",
                n,
                f"{n[:3]}-{n[3:6]}-{n[6:]}",
            )
        )

    def uk_nino(self) -> str:
        rng = self.rng
        while True:
            a = rng.choice([c for c in string.ascii_uppercase if c not in NINO_BAD_FIRST])
            b = rng.choice([c for c in string.ascii_uppercase if c not in NINO_BAD_SECOND])
            if a + b not in NINO_BAD_PREFIXES:
                break
        digits = _digits(rng, 6)
        suffix = rng.choice("ABCD")
        if rng.random() < 0.5:
            return f"{a}{b} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
        return f"{a}{b}{digits}{suffix}"

    def mrn(self) -> str:
        rng = self.rng
        return self.pick(
            (
                _digits(rng, 8),
                f"{rng.choice('HMKRP')}{_digits(rng, 7)}",
                rng.choice("ABE") + _digits(rng, 6) + rng.choice(string.ascii_uppercase),
                f"{_digits(rng, 3)}-{_digits(rng, 3)}-{_digits(rng, 3)}",
                f"PAT{_digits(rng, 6)}",
                f"{rng.choice(('KH', 'UKE', 'APHP', 'OSP'))}{_digits(rng, 7)}",
            )
        )

    def passport(self) -> str:
        rng = self.rng
        upper_digits = "CFGHJKLMNPRTVWXYZ0123456789"
        options = {
            "US": (_digits(rng, 9), f"{rng.choice('ACEFGHK')}{_digits(rng, 8)}"),
            "GB": (_digits(rng, 9), f"{_digits(rng, 9)}GBR"),
            "DE": (rng.choice("CFGHJK") + _rand_chars(rng, upper_digits, 8),),
            "FR": (
                f"{_digits(rng, 2)}{_rand_chars(rng, string.ascii_uppercase, 2)}{_digits(rng, 5)}",
            ),
            "NL": (
                _rand_chars(rng, "BCDFGHJKLMNPRSTVWXZ", 2)
                + _rand_chars(rng, upper_digits, 6)
                + _digits(rng, 1),
            ),
            "ES": (f"{_rand_chars(rng, string.ascii_uppercase, 3)}{_digits(rng, 6)}",),
            "IT": (f"{_rand_chars(rng, string.ascii_uppercase, 2)}{_digits(rng, 7)}",),
        }[self.country]
        return self.pick(options)

    # -- secrets ----------------------------------------------------------------------
    def aws_access_key(self) -> str:
        return self.pick(("AKIA", "ASIA")) + _rand_chars(
            self.rng, string.ascii_uppercase + "234567", 16
        )

    def aws_secret_key(self) -> str:
        return _rand_chars(self.rng, string.ascii_letters + string.digits + "+/", 40)

    def github_token(self) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            return (
                "github_pat_"
                + _rand_chars(rng, string.ascii_letters + string.digits, 22)
                + "_"
                + (_rand_chars(rng, string.ascii_letters + string.digits, 59))
            )
        return self.pick(("ghp_", "gho_", "ghs_")) + _rand_chars(
            rng, string.ascii_letters + string.digits, 36
        )

    def jwt(self) -> str:
        rng = self.rng

        def b64(obj: dict[str, object]) -> str:
            raw = json.dumps(obj, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        header = b64({"alg": self.pick(("HS256", "RS256", "ES256")), "typ": "JWT"})
        payload = b64(
            {
                "sub": _digits(rng, 8),
                "iat": rng.randint(1_600_000_000, 1_800_000_000),
                "scope": self.pick(("read", "admin", "api")),
            }
        )
        sig = _rand_chars(rng, string.ascii_letters + string.digits + "-_", self.pick((43, 43, 86)))
        return f"{header}.{payload}.{sig}"

    def api_key(self) -> str:
        rng = self.rng
        alnum = string.ascii_letters + string.digits
        return self.pick(
            (
                "sk_live_" + _rand_chars(rng, alnum, 24),
                "xoxb-"
                + _digits(rng, 12)
                + "-"
                + _digits(rng, 12)
                + "-"
                + _rand_chars(rng, alnum, 24),
                "AIza" + _rand_chars(rng, alnum + "-_", 35),
                "sk-" + _rand_chars(rng, alnum, 48),
                "glpat-" + _rand_chars(rng, alnum + "-_", 20),
                "SG." + _rand_chars(rng, alnum, 22) + "." + _rand_chars(rng, alnum, 43),
                _rand_chars(rng, "0123456789abcdef", 32),
            )
        )

    def password(self) -> str:
        rng = self.rng
        words = (
            "Summer",
            "Winter",
            "Falcon",
            "Dragon",
            "Welcome",
            "Spring",
            "Monkey",
            "Tiger",
            "Orange",
            "London",
            "Berlin",
            "Paris",
            "Admin",
            "Secure",
            "Bastion",
        )
        r = rng.random()
        if r < 0.4:
            return (
                self.pick(words) + str(rng.randint(1, 2026)) + self.pick(("!", "#", "$", "?", ""))
            )
        if r < 0.8:
            alphabet = string.ascii_letters + string.digits + "!#$%&*+-=?@^_"
            return _rand_chars(rng, alphabet, rng.randint(10, 24))
        return "-".join(
            self.pick(
                (
                    "correct",
                    "horse",
                    "battery",
                    "staple",
                    "river",
                    "lamp",
                    "cobalt",
                    "violet",
                    "quartz",
                    "ember",
                )
            )
            for _ in range(4)
        )

    def private_key_block(self) -> str:
        rng = self.rng
        kind = self.pick(
            ("RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY")
        )
        alphabet = string.ascii_letters + string.digits + "+/"
        lines = [_rand_chars(rng, alphabet, 64) for _ in range(rng.randint(3, 7))]
        lines.append(_rand_chars(rng, alphabet, rng.randint(8, 60)) + "==")
        return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"

    def token_secret(self) -> str:
        """Any of the token-shaped secrets (keys, tokens, JWTs)."""
        return self.pick(
            (
                self.aws_access_key(),
                self.aws_secret_key(),
                self.github_token(),
                self.jwt(),
                self.api_key(),
            )
        )
