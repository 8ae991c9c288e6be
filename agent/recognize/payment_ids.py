"""Payment cards (Luhn) and IBANs (mod 97): identifiers whose check digit decides."""

from __future__ import annotations

import re

from agent.domain import EntityType
from agent.recognize.checksums import IBAN_LENGTHS, iban_valid, luhn_valid
from agent.recognize.pattern import Pattern, PatternRecognizer
from agent.recognize.scan_text import ScanText

# Digits that continue an IBAN-shaped number ("AT97 2652 3549 8123 7942", even an
# invalid one) are part of it, not a card or a phone number of their own.
IBAN_PREFIX = r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]{4})*[ \-]?"

# Numbers that merely look like cards: the nearest cue before them vetoes a match.
REFERENCE_NUMBER_WORDS = (
    "order", "order no", "order number", "invoice", "invoice no", "inv", "docket", "case no",
    "case number", "reference", "ref", "tracking", "serial", "serial no", "ticket", "po",
    "purchase order", "claim", "sku", "part no", "product code", "article", "isbn",
    "bestellnummer", "rechnungsnummer", "aktenzeichen", "commande", "facture", "pedido",
    "factura", "ordine", "fattura", "bestelling", "factuur",
)  # fmt: skip

CARD_CONTEXT = (
    "card", "credit card", "debit card", "card number", "card no", "cc", "visa", "mastercard",
    "amex", "american express", "maestro", "discover", "pan", "kreditkarte", "karte",
    "kartennummer", "carte", "carte bancaire", "numéro de carte", "tarjeta", "tarjeta de crédito",
    "carta", "carta di credito", "creditcard", "kaartnummer", "betaalkaart",
)  # fmt: skip

# Visa, Mastercard, Amex, Diners/JCB, Discover/UnionPay
_CARD_PREFIX = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[05689]|6")


def _card_check(value: str) -> bool | None:
    digits = re.sub(r"\s|-", "", value)
    if not 13 <= len(digits) <= 19 or not _CARD_PREFIX.match(digits):
        return False
    return luhn_valid(digits)


_S = r"(?:[ \-]|\r?\n)?"  # a group separator


class CardRecognizer(PatternRecognizer):
    """One scan for every card layout; a number that fails Luhn at its full length is
    cut back at its group boundaries ("4111 1111 1111 1111 202" is the 16 digits)."""

    def adjust(self, scan: ScanText, start: int, end: int) -> tuple[int, int] | None:
        text = scan.text
        if _card_check(text[start:end]):
            return start, end
        for m in reversed(list(_GROUP_END.finditer(text, start, end))):
            if m.end() < end and _card_check(text[start : m.end()]):
                return start, m.end()
        return start, end  # let validate() drop it


_GROUP_END = re.compile(r"\d+")


def credit_card() -> PatternRecognizer:
    # a comma is a CSV delimiter, not part of an amount: 13+ digits never group by three
    # (a look-ahead on the first digit first: most positions fail before the look-behind)
    # a line break may stand for a separator: "4111 1111\n1111 1111"
    edge_l, edge_r = r"(?=\d)(?<![\w\-./])", r"(?![\w\-]|[./]\d)"
    return CardRecognizer(
        "credit_card",
        EntityType.CREDIT_CARD,
        [
            Pattern("card number", rf"{edge_l}(?:"
                    rf"\d{{4}}{_S}\d{{4}}{_S}\d{{4}}{_S}\d{{4}}(?:{_S}\d{{3}})?"  # 4-4-4-4(-3)
                    rf"|\d{{4}}{_S}\d{{4}}{_S}\d{{4}}{_S}\d{{1,3}}"  # 4-4-4-1..3
                    rf"|3[47]\d{{2}}{_S}\d{{6}}{_S}\d{{5}}"  # amex 4-6-5
                    rf"|\d{{13,19}})"
                    rf"{edge_r}", 0.5),
        ],
        context=CARD_CONTEXT,
        negative_context=REFERENCE_NUMBER_WORDS,
        context_window=35,
        not_after=IBAN_PREFIX,
        numeric=True,
        min_digits=13,
        validator=_card_check,
    )  # fmt: skip


class IbanRecognizer(PatternRecognizer):
    """An IBAN's length depends on its country: ``adjust`` cuts the match to that length,
    so ``DE89 3704 0044 0532 0130 00 BIC COBADEFF`` ends before ``BIC``."""

    def adjust(self, scan: ScanText, start: int, end: int) -> tuple[int, int] | None:
        text = scan.text
        expected = IBAN_LENGTHS.get(text[start : start + 2].upper())
        if expected is None:
            return None
        count, pos = 0, start
        while pos < end and count < expected:  # str tests, not a regex per character
            ch = text[pos]
            if ch.isascii() and ch.isalnum():
                count += 1
                pos += 1
            elif ch in " \t-\n":
                pos += 1
            elif ch == "\r" and text.startswith("\n", pos + 1):
                pos += 2
            else:
                return None
        if count < expected or (pos < len(text) and text[pos].isascii() and text[pos].isalnum()):
            return None
        return start, pos


def iban() -> PatternRecognizer:
    return IbanRecognizer(
        "iban",
        EntityType.IBAN_CODE,
        [
            Pattern(
                "iban, spaced or not",
                r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:(?:[ \t\-]|\r?\n)?[A-Za-z0-9]){11,30}",
                0.5,
            )
        ],
        context=("iban", "account", "bank", "konto", "compte", "cuenta", "conto", "rekening"),
        numeric=True,
        min_digits=2,
        needs=r"[A-Za-z]",
        validator=iban_valid,
    )
