"""Hard negatives: strings that look like entities but are not, written without spans.

Product names carry no vendor name (a vendor is an organisation and would need a span).

Each one is a near miss a naive recognizer or an over-eager model would flag: numbers with
a broken check digit, reference numbers, non-birth dates, hashes that are not secrets.
"""

from __future__ import annotations

import random
import string
import uuid

from models.datagen.checksums import iban_ok, luhn_ok
from models.datagen.values import Values, group

_PRODUCTS = (
    "ThinkPad X1 Carbon Gen 11",
    "iPhone 15 Pro",
    "Surface Laptop 5",
    "Galaxy S24",
    "PowerEdge R760",
    "Dynamics 365",
    "S/4HANA 2023",
    "HCM Cloud 24R1",
    "Sales Cloud Enterprise",
    "E-Business Suite 12.2",
    "Hyperspace 2024",
    "Millennium PowerChart",
    "Kubernetes 1.29",
    "PostgreSQL 16",
    "Windows Server 2022",
    "Office 365 E5",
    "Jira Service Management",
    "Rooms Controller 5",
    "Switch 6300M",
    "FortiGate 600F",
)


def _d(rng: random.Random, k: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(k))


class Negatives:
    """Look-alike values; none of them may carry a span."""

    def __init__(self, values: Values) -> None:
        self.v = values
        self.rng = values.rng

    def order_number(self) -> str:
        rng = self.rng
        return self.v.pick(
            (
                f"PO-{rng.randint(2019, 2026)}-{_d(rng, 5)}",
                f"INV-{_d(rng, 6)}",
                f"ORD{_d(rng, 9)}",
                f"SO {_d(rng, 4)}-{_d(rng, 4)}",
                f"#{_d(rng, 7)}",
                f"Rechnung Nr. {_d(rng, 8)}",
                f"Facture n° {rng.randint(2019, 2026)}/{_d(rng, 4)}",
            )
        )

    def docket(self) -> str:
        rng = self.rng
        return self.v.pick(
            (
                f"{rng.randint(1, 9)}:{rng.randint(19, 26)}-cv-{_d(rng, 5)}",
                f"HC-{rng.randint(2019, 2026)}-{_d(rng, 6)}",
                f"Case No. {rng.randint(2019, 2026)}/{_d(rng, 4)}",
                f"Az. {rng.randint(1, 40)} O {rng.randint(1, 999)}/{rng.randint(19, 26)}",
                f"RG n° {rng.randint(19, 26)}/{_d(rng, 5)}",
                f"Claim No. {rng.choice('ABCDEFGHK')}{rng.randint(10, 99)}"
                f"{rng.choice('ABCDEFGHK')}{_d(rng, 3)}",
            )
        )

    def ticket(self) -> str:
        rng = self.rng
        prefix = self.v.pick(("SEC", "OPS", "INC", "CHG", "HR", "FIN", "IT"))
        return f"{prefix}-{rng.randint(100, 99999)}"

    def bad_luhn(self) -> str:
        while True:
            number = str(self.rng.randint(3, 6)) + _d(self.rng, 15)
            if not luhn_ok(number):
                break
        return group(number, 4) if self.rng.random() < 0.6 else number

    def bad_iban(self) -> str:
        while True:
            good = "".join(ch for ch in self.v.iban() if ch.isalnum()).upper()
            bad = good[:2] + f"{self.rng.randint(2, 98):02d}" + good[4:]
            if not iban_ok(bad):
                break
        return group(bad, 4) if self.rng.random() < 0.6 else bad

    def event_date(self) -> str:
        return self.v.recent_date()

    def product(self) -> str:
        return self.v.pick(_PRODUCTS)

    def version(self) -> str:
        rng = self.rng
        return self.v.pick(
            (
                f"v{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}",
                f"{rng.randint(1, 24)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
                f"build {rng.randint(1000, 99999)}",
                f"release-{rng.randint(2019, 2026)}.{rng.randint(1, 12):02d}",
            )
        )

    def commit_hash(self) -> str:
        h = "".join(self.rng.choice("0123456789abcdef") for _ in range(40))
        return h if self.rng.random() < 0.5 else h[:7]

    def sha256(self) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(64))

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def amount(self) -> str:
        rng = self.rng
        cur = self.v.pick(("EUR", "USD", "GBP", "€", "$", "£", "CHF"))
        value = f"{rng.randint(1, 9_999_999):,}".replace(",", self.v.pick((",", ".", " ", "'")))
        return f"{cur} {value}" if len(cur) == 3 else f"{cur}{value}"

    def sort_code(self) -> str:
        return f"{_d(self.rng, 2)}-{_d(self.rng, 2)}-{_d(self.rng, 2)}"

    def any_reference(self) -> str:
        return self.v.pick(
            (
                self.order_number(),
                self.docket(),
                self.ticket(),
                self.bad_luhn(),
                self.bad_iban(),
                self.commit_hash(),
                self.uuid(),
                self.version(),
            )
        )
