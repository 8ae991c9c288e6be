"""The writing context handed to every sentence generator of every split.

It owns the sample's seeded randomness, the value generators, the growing ``Doc`` and a
small cast (people and organisations mentioned more than once keep their names). It holds
no templates: those live in the split packages (``kinds_train``, ``kinds_test``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

from faker import Faker

from models.datagen.adversarial import obfuscate
from models.datagen.doc import Doc
from models.datagen.negatives import Negatives
from models.datagen.values import Values

T = TypeVar("T")

#: types whose values get obfuscated now and then (the SPEC's adversarial forms)
_OBFUSCATABLE = frozenset(
    {
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "IBAN_CODE",
        "US_SSN",
        "UK_NHS",
        "UK_NINO",
        "PASSPORT_NUMBER",
        "MEDICAL_RECORD_NUMBER",
        "IP_ADDRESS",
        "SECRET",
    }
)


class Ctx:
    """Everything a sentence generator needs; methods return ``self`` so calls chain."""

    def __init__(
        self, rng: random.Random, fake: Faker, locale: str, *, adversarial: float, noise: float
    ) -> None:
        self.rng = rng
        self.locale = locale
        self.v = Values(rng, fake, locale)
        self.neg = Negatives(self.v)
        self.doc = Doc()
        self.adversarial = adversarial
        self.noise = noise
        self.people: list[str] = []
        self.orgs: list[str] = []
        self.used: set[str] = set()  # sentence generators already used (by name)
        self.casual = False  # chat style: names sometimes typed in lower case

    # -- randomness helpers -----------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def pick_fresh(self, options: Sequence[Callable[[Ctx], None]]) -> Callable[[Ctx], None]:
        """A generator not used yet in this sample when possible (less repetition)."""
        fresh = [f for f in options if f.__qualname__ not in self.used]
        chosen = self.choice(fresh or list(options))
        self.used.add(chosen.__qualname__)
        return chosen

    # -- plain text -------------------------------------------------------------------
    def t(self, text: str) -> Ctx:
        """Append text without entities, with occasional typos or case slips."""
        if self.noise and len(text) > 12 and self.chance(self.noise):
            text = self._typo(text)
        self.doc.t(text)
        return self

    def x(self, lookalike: str) -> Ctx:
        """Append a hard negative verbatim: a look-alike that must stay unlabelled."""
        self.doc.t(lookalike)
        return self

    def nl(self, count: int = 1) -> Ctx:
        self.doc.nl(count)
        return self

    def _typo(self, text: str) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.15:
            return text.lower()
        if r < 0.25:
            return text.upper()
        positions = [
            i for i in range(1, len(text) - 2) if text[i].isalpha() and text[i + 1].isalpha()
        ]
        if not positions:
            return text
        i = rng.choice(positions)
        if r < 0.7:
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if r < 0.85:
            return text[:i] + text[i + 1 :]
        return text[:i] + text[i] + text[i:]

    # -- entities ---------------------------------------------------------------------
    def e(self, etype: str, value: str) -> Ctx:
        """Append an entity value (sometimes obfuscated) and record its span."""
        if etype in _OBFUSCATABLE and self.adversarial and self.chance(self.adversarial):
            value = obfuscate(self.rng, value, etype)
        self.doc.e(value, etype)
        return self

    def new_person(self) -> str:
        name = self.v.person()
        self.people.append(name)
        return name

    def person_name(self, index: int | None = None) -> str:
        """A cast member: ``index`` reuses the n-th person (created on demand)."""
        if index is None:
            return self.new_person()
        while len(self.people) <= index:
            self.new_person()
        return self.people[index]

    def person(self, index: int | None = None, *, short: bool = False) -> Ctx:
        """A person; a cast member mentioned before is often referred to more briefly."""
        known = index is not None and index < len(self.people)
        name = self.person_name(index)
        if short or (known and self.chance(0.35)):
            brief = surname(name)
            given = given_name(name)
            if not short and given and self.chance(0.3):
                brief = given
            elif not short and self.chance(0.4) and not self._after_title():
                self.t(self.choice(("Mr ", "Ms ", "Dr ", "Mrs ", "Mr. ", "Ms. ")))
            name = brief
        if self.casual and self.chance(0.4):
            name = name.lower()
        return self.e("PERSON", name)

    def _after_title(self) -> bool:
        tail = self.doc.text[-6:].rstrip().rstrip(".").split()
        return bool(tail) and tail[-1] in ("Dr", "Mr", "Ms", "Mrs", "Prof", "Dott", "Herr", "Frau")

    def org_name(self, index: int | None = None, flavour: str = "any") -> str:
        if index is None:
            name = self.v.organization(flavour)
            self.orgs.append(name)
            return name
        while len(self.orgs) <= index:
            self.orgs.append(self.v.organization(flavour))
        return self.orgs[index]

    def org(self, index: int | None = None, flavour: str = "any") -> Ctx:
        return self.e("ORGANIZATION", self.org_name(index, flavour))

    def loc(self, value: str | None = None) -> Ctx:
        return self.e("LOCATION", value or self.v.city())

    def address(self) -> Ctx:
        return self.e("LOCATION", self.v.address_line())

    def address_block(self, indent: str = "") -> Ctx:
        for line in self.v.address_lines():
            self.t(indent).e("LOCATION", line).nl()
        return self

    def email(self, index: int | None = None, domain: str | None = None) -> Ctx:
        name = self.person_name(index) if index is not None else None
        return self.e("EMAIL_ADDRESS", self.v.email(name, domain))

    def phone(self) -> Ctx:
        return self.e("PHONE_NUMBER", self.v.phone())

    def card(self) -> Ctx:
        return self.e("CREDIT_CARD", self.v.credit_card())

    def iban(self) -> Ctx:
        return self.e("IBAN_CODE", self.v.iban())

    def ssn(self) -> Ctx:
        return self.e("US_SSN", self.v.us_ssn())

    def nhs(self) -> Ctx:
        return self.e("UK_NHS", self.v.uk_nhs())

    def nino(self) -> Ctx:
        return self.e("UK_NINO", self.v.uk_nino())

    def ip(self) -> Ctx:
        return self.e("IP_ADDRESS", self.v.ip())

    def dob(self) -> Ctx:
        return self.e("DATE_OF_BIRTH", self.v.dob())

    def mrn(self) -> Ctx:
        return self.e("MEDICAL_RECORD_NUMBER", self.v.mrn())

    def passport(self) -> Ctx:
        return self.e("PASSPORT_NUMBER", self.v.passport())

    def secret(self, value: str | None = None) -> Ctx:
        return self.e("SECRET", value or self.v.token_secret())

    def national_id(self) -> Ctx:
        """The identifier that fits the locale (SSN, NINO or passport)."""
        if self.locale == "en_US":
            return self.ssn()
        if self.locale == "en_GB":
            return self.nino()
        r = self.rng.random()  # expats and cross-border files carry US/UK numbers too
        if r < 0.2:
            return self.ssn()
        if r < 0.4:
            return self.nino()
        return self.passport()


def surname(name: str) -> str:
    """The family name of a generated full name (``Last, First`` and ``LAST First`` aware)."""
    if "," in name:
        return name.split(",")[0].strip()
    parts = name.split()
    if len(parts) >= 2 and _upper_surname(parts[0]):
        return parts[0]
    for i, part in enumerate(parts[1:-1], start=1):
        if part in _PARTICLES:  # "van der Sloot", "de la Fuente", "di Stefano"
            return " ".join(parts[i:])
    return parts[-1]


def given_name(name: str) -> str | None:
    """The first name of a generated full name, or None when only an initial is known."""
    if "," in name:
        first = name.split(",", 1)[1].split()
    else:
        parts = name.split()
        first = parts[1:2] if _upper_surname(parts[0]) else parts[:1]
    if not first or first[0].endswith(".") or len(first[0]) < 2:
        return None
    return first[0]


def _upper_surname(word: str) -> bool:
    """``DOE`` in ``DOE Jane`` (not the initial in ``J. Doe``)."""
    return word.isupper() and len(word) > 1 and not word.endswith(".")


_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "del", "della", "la", "le", "du"}
)
