"""Render a sentence with ``{SLOT}`` markers through a ``Ctx`` (entities get exact spans).

Used for the local-language sentences of each split, where a handful of phrasings per
locale and category is enough next to the compositional English generators. Slots:

    {P0} {P1} {P2}  cast members (full or brief re-mention), {SP0} surname only
    {ORG} {BANK} {HOSP} {LAW}  organisations, {LOC} a place, {ADDR} a street address
    {DOB} {PHONE} {EMAIL} {IBAN} {CARD} {MRN} {NHS} {ID} {PASSPORT} {IP} {SECRET} {PW}
    {DATE} {AMOUNT} {REF} {N}  look-alikes and numbers without spans
"""

from __future__ import annotations

import re
from collections.abc import Callable

from models.datagen.ctx import Ctx

_SLOT = re.compile(r"\{([A-Z0-9]+)\}")

_ACTIONS: dict[str, Callable[[Ctx], object]] = {
    "P0": lambda c: c.person(0),
    "P1": lambda c: c.person(1),
    "P2": lambda c: c.person(2),
    "SP0": lambda c: c.person(0, short=True),
    "ORG": lambda c: c.org(0),
    "BANK": lambda c: c.org(None, "bank"),
    "HOSP": lambda c: c.org(None, "hospital"),
    "LAW": lambda c: c.org(None, "law"),
    "LOC": lambda c: c.loc(),
    "ADDR": lambda c: c.address(),
    "DOB": lambda c: c.dob(),
    "PHONE": lambda c: c.phone(),
    "EMAIL": lambda c: c.email(0),
    "IBAN": lambda c: c.iban(),
    "CARD": lambda c: c.card(),
    "MRN": lambda c: c.mrn(),
    "NHS": lambda c: c.nhs(),
    "ID": lambda c: c.national_id(),
    "PASSPORT": lambda c: c.passport(),
    "IP": lambda c: c.ip(),
    "SECRET": lambda c: c.secret(),
    "PW": lambda c: c.secret(c.v.password()),
    "DATE": lambda c: c.x(c.neg.event_date()),
    "AMOUNT": lambda c: c.x(c.neg.amount()),
    "REF": lambda c: c.x(c.neg.any_reference()),
    "N": lambda c: c.t(str(c.rng.randint(2, 30))),
}


def render(c: Ctx, template: str) -> None:
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            c.t(template[pos : m.start()])
        action = _ACTIONS.get(m.group(1))
        if action is None:
            raise ValueError(f"unknown slot {m.group(0)}")
        action(c)
        pos = m.end()
    if pos < len(template):
        c.t(template[pos:])
