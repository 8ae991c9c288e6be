"""The renderer behind the task-instruction generator (``instructions.py``).

Templates hold ``{SLOT}`` markers. A slot is either a *piece* of the language's own
vocabulary (``{X}`` an object, ``{R}`` a recipient, ``{T}`` a topic ...), picked from the
language table and rendered recursively, or an *entity* (``{NAME}``, ``{ORG}``,
``{IBAN}`` ...) written through ``Ctx`` so its span is exact, or a *look-alike* without a
span (``{DATE}``, ``{AMOUNT}``, ``{REF}``, ``{PROD}``).

A person in an instruction is written the way people write them in requests: a full
name, a courtesy title and surname (the title outside the span, as the gold convention
wants), a first name alone, an initial and surname.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from models.datagen.ctx import Ctx
from models.datagen.kinds_train.round2 import product, world_or_local_first

_SLOT = re.compile(r"\{([A-Z0-9]+)\}")

#: courtesy titles per instruction language (outside the PERSON span)
TITLES: dict[str, tuple[str, ...]] = {
    "en": ("Mr ", "Ms ", "Mrs ", "Dr ", "Mr. ", "Dr. ", "Prof. "),
    "de": ("Herr ", "Frau ", "Dr. ", "Herrn ", "Frau Dr. "),
    "fr": ("M. ", "Mme ", "Maître ", "Dr ", "Madame ", "Monsieur "),
    "nl": ("de heer ", "mevrouw ", "dhr. ", "mw. ", "dr. ", "meneer "),
    "es": ("Sr. ", "Sra. ", "D. ", "Dña. ", "Dr. ", "Dra. "),
    "it": ("sig. ", "sig.ra ", "avv. ", "dott. ", "dott.ssa ", "ing. ", "prof. "),
}

Table = Mapping[str, Sequence[str]]


def person_in_request(c: Ctx, lang: str, *, title_ok: bool = True) -> Ctx:
    """One person, written as callers write them in a request."""
    r = c.rng.random()
    if r < 0.45:
        first = world_or_local_first(c) if c.chance(0.3) else c.v.first_name()
        name = f"{first} {c.v.last_name()}"
    elif r < 0.7 and title_ok:
        c.t(c.choice(TITLES[lang]))
        name = c.v.last_name()
    elif r < 0.85:
        name = world_or_local_first(c)
    elif r < 0.93:
        name = f"{c.v.first_name()[0]}. {c.v.last_name()}"
    else:
        name = c.v.last_name()
    name = " ".join(name.split())
    if c.casual and c.chance(0.5):
        name = name.lower()
    c.people.append(name)
    return c.e("PERSON", name)


def again(c: Ctx) -> Ctx:
    """The last person named, mentioned again by first name or surname."""
    if not c.people:
        return c.e("PERSON", c.v.last_name())
    parts = c.people[-1].replace(".", " ").split()
    return c.e("PERSON", parts[0] if c.chance(0.5) and len(parts[0]) > 1 else parts[-1])


def cast_person(c: Ctx, lang: str, index: int) -> Ctx:
    """The ``index``-th person of the section: a full name (sometimes after a title) when
    first met, then a surname after a title, a surname or the full name again."""
    if index < len(c.people):
        name = c.people[index]
        parts = name.split()
        r = c.rng.random()
        if r < 0.4 and len(parts) > 1:
            c.t(c.choice(TITLES[lang]))
            return c.e("PERSON", parts[-1])
        if r < 0.6 and len(parts) > 1:
            return c.e("PERSON", parts[-1])
        return c.e("PERSON", name)
    while len(c.people) < index:
        c.people.append(f"{c.v.first_name()} {c.v.last_name()}")
    name = " ".join(f"{c.v.first_name()} {c.v.last_name()}".split())
    c.people.append(name)
    if c.chance(0.3):
        c.t(c.choice(TITLES[lang]))
    return c.e("PERSON", name)


#: public bodies, courts and savings banks named after their town: one ORGANIZATION span,
#: the town inside it (no nested LOCATION), as the gold convention has it
AUTHORITIES: dict[str, tuple[str, ...]] = {
    "en": ("{c} County Court", "{c} City Council", "HMRC", "the IRS", "{c} Magistrates' Court"),
    "de": (
        "Amtsgericht {c}",
        "Landgericht {c}",
        "Finanzamt {c}",
        "Stadtwerke {c}",
        "Sparkasse {c}",
        "Bundesagentur für Arbeit",
        "Deutsche Rentenversicherung",
        "Techniker Krankenkasse",
        "Arbeitsgericht {c}",
        "Jobcenter {c}",
        "Universitätsklinikum {c}",
    ),
    "fr": (
        "Tribunal judiciaire de {c}",
        "URSSAF",
        "France Travail",
        "CPAM de {c}",
        "Conseil de prud'hommes de {c}",
        "Mairie de {c}",
        "Centre hospitalier de {c}",
    ),
    "nl": (
        "Rechtbank {c}",
        "Belastingdienst",
        "UWV",
        "Gemeente {c}",
        "Kantonrechter {c}",
        "Ziekenhuis {c}",
    ),
    "es": (
        "Juzgado de lo Social n.º 3 de {c}",
        "Agencia Tributaria",
        "Seguridad Social",
        "Ayuntamiento de {c}",
        "Hospital Universitario de {c}",
        "Audiencia Provincial de {c}",
    ),
    "it": (
        "Tribunale di {c}",
        "Agenzia delle Entrate",
        "INPS",
        "Comune di {c}",
        "Ospedale di {c}",
        "Corte d'Appello di {c}",
    ),
}


def authority(c: Ctx, lang: str) -> Ctx:
    form = c.choice(AUTHORITIES[lang])
    name = form.format(c=c.v.city()) if "{c}" in form else form
    if name.startswith("the "):
        c.t("the ")
        name = name[4:]
    return c.e("ORGANIZATION", " ".join(name.split()))


def _digits(c: Ctx, lo: int, hi: int) -> str:
    return str(c.rng.randint(lo, hi))


def entity_actions(lang: str) -> dict[str, Callable[[Ctx], object]]:
    return {
        "NAME": lambda c: person_in_request(c, lang),
        "NAME2": lambda c: person_in_request(c, lang),
        "FIRST": lambda c: c.e("PERSON", world_or_local_first(c)),
        "AGAIN": again,
        "P0": lambda c: cast_person(c, lang, 0),
        "P1": lambda c: cast_person(c, lang, 1),
        "P2": lambda c: cast_person(c, lang, 2),
        "AUTH": lambda c: authority(c, lang),
        "ORG": lambda c: c.org(None, "company"),
        "ANYORG": lambda c: c.org(None),
        "BANK": lambda c: c.org(None, "bank"),
        "HOSP": lambda c: c.org(None, "hospital"),
        "LAW": lambda c: c.org(None, "law"),
        "LOC": lambda c: c.loc(),
        "COUNTRY": lambda c: c.loc(c.v.country_name()),
        "ADDR": lambda c: c.address(),
        "EMAIL": lambda c: c.email(),
        "PHONE": lambda c: c.phone(),
        "IBAN": lambda c: c.iban(),
        "CARD": lambda c: c.card(),
        "MRN": lambda c: c.mrn(),
        "NHS": lambda c: c.nhs(),
        "DOB": lambda c: c.dob(),
        "ID": lambda c: c.national_id(),
        "PASSPORT": lambda c: c.passport(),
        "IP": lambda c: c.ip(),
        "SECRET": lambda c: c.secret(),
        "DATE": lambda c: c.x(c.neg.event_date()),
        "AMOUNT": lambda c: c.x(c.neg.amount()),
        "REF": lambda c: c.x(c.neg.any_reference()),
        "PROD": lambda c: c.x(product(c)),
        "N": lambda c: c.t(_digits(c, 2, 9)),
        "N2": lambda c: c.t(_digits(c, 10, 24)),
        "N0": lambda c: c.t(c.choice(("50", "80", "100", "150", "200", "250", "300"))),
        "PCT": lambda c: c.t(f"{c.rng.randint(2, 40)}"),
        "DEC": lambda c: c.t(f"{c.rng.randint(5, 13)}.{c.rng.randint(0, 9)}"),
        "YEAR": lambda c: c.t(_digits(c, 2019, 2027)),
    }


_ACTIONS_CACHE: dict[str, dict[str, Callable[[Ctx], object]]] = {}


def render(c: Ctx, lang: str, table: Table, template: str, depth: int = 0) -> None:
    """Write ``template``: pieces from ``table`` (recursively), entities through ``c``."""
    if depth > 4:
        raise ValueError(f"template nesting too deep: {template!r}")
    actions = _ACTIONS_CACHE.setdefault(lang, entity_actions(lang))
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            c.t(template[pos : m.start()])
        key = m.group(1)
        if key in table:
            render(c, lang, table, c.choice(table[key]), depth + 1)
        elif key in actions:
            actions[key](c)
        else:
            raise ValueError(f"unknown slot {m.group(0)} in {template!r}")
        pos = m.end()
    if pos < len(template):
        c.t(template[pos:])


def slots_of(template: str) -> list[str]:
    return _SLOT.findall(template)
