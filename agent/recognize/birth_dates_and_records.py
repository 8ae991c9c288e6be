"""Dates of birth and medical record numbers: shapes that only context can tell apart.

A date is everywhere in a document; it is a DATE_OF_BIRTH only right after a birth cue
("DOB", "born", "geboren", "né le", "fecha de nacimiento", ...), with no other number in
between and no nearer non-birth cue ("admitted", "signed", "invoice date"). Likewise a
number is a MEDICAL_RECORD_NUMBER only after "MRN", "patient id", "hospital number", ...
"""

from __future__ import annotations

import re
from datetime import date

from agent.domain import EntityType
from agent.recognize.pattern import Pattern, PatternRecognizer

_MONTHS = (
    # en
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec",
    # de
    "januar", "jänner", "februar", "märz", "maerz", "mai", "juni", "juli", "oktober",
    "dezember",
    # fr
    "janvier", "février", "fevrier", "mars", "avril", "juin", "juillet", "août", "aout",
    "septembre", "octobre", "novembre", "décembre", "decembre",
    # es
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "setiembre", "octubre", "noviembre", "diciembre",
    # it
    "gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre",
    "dicembre",
    # nl
    "januari", "februari", "maart", "mei", "augustus",
)  # fmt: skip
_MONTH = "(?:" + "|".join(sorted(set(_MONTHS), key=len, reverse=True)) + r")\.?"
_DAY = r"(?:[0-2]?\d|3[01])(?:st|nd|rd|th|er|º|°)?\.?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"

BIRTH_CONTEXT = (
    "dob", "d.o.b", "d.o.b.", "date of birth", "birth date", "birthdate", "birthday", "born",
    "born on", "geboren", "geb.", "geburtsdatum", "geburtstag", "né", "née", "né le",
    "née le", "date de naissance", "naissance", "fecha de nacimiento", "nacido", "nacida",
    "f. nac.", "nacimiento", "data di nascita", "nato", "nata", "nato il", "nata il",
    "geboortedatum", "geboren op", "geb.datum",
)  # fmt: skip

NON_BIRTH_CONTEXT = (
    "admitted", "admission", "discharged", "discharge", "appointment", "signed", "dated",
    "issued", "issue date", "expires", "expiry", "expiration", "valid until", "seen on",
    "visit", "invoice date", "due date", "date of service", "effective", "died", "deceased",
    "onset", "surgery", "operation", "aufgenommen", "entlassen", "admis", "ingreso",
    "ricovero", "opgenomen",
)  # fmt: skip

_NUMERIC_DATE = re.compile(r"(\d{1,4})[./\-](\d{1,2})[./\-](\d{1,4})")


def _plausible_numeric_date(value: str) -> bool | None:
    m = _NUMERIC_DATE.fullmatch(value)
    if m is None:
        return None  # written with a month name: the pattern already constrained it
    a, b, c = (int(g) for g in m.groups())
    orders: tuple[tuple[int, int], ...]
    if len(m.group(1)) == 4:
        year, orders = a, ((b, c),)  # ISO: year-month-day
    else:
        year = c if len(m.group(3)) == 4 else (1900 + c if c > 30 else 2000 + c)
        orders = ((b, a), (a, b))  # day-month or month-day
    if not 1900 <= year <= 2100:
        return False
    for month, day in orders:
        try:
            date(year, month, day)
        except ValueError:
            continue
        return None
    return False


def date_of_birth() -> PatternRecognizer:
    edge_l, edge_r = r"(?<![\w./\-])", r"(?![\w/\-]|\.\d)"
    return PatternRecognizer(
        "date_of_birth",
        EntityType.DATE_OF_BIRTH,
        [
            # (each starts with a look-ahead on its first character: most positions fail
            # at once)
            Pattern("numeric date", rf"(?=\d){edge_l}(?:\d{{1,2}}[./\-]\d{{1,2}}[./\-]"
                    rf"(?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{1,2}}-\d{{1,2}}){edge_r}", 0.6),
            Pattern("day month year", rf"(?=\d){edge_l}{_DAY}\s*(?:of\s+|de\s+)?{_MONTH},?\s+"
                    rf"(?:de\s+)?{_YEAR}(?!\w)", 0.6, flags=re.IGNORECASE),
            Pattern("month day year", rf"(?=[a-zäéèûç])(?<!\w){_MONTH}\s+{_DAY},?\s+{_YEAR}(?!\w)",
                    0.6, flags=re.IGNORECASE),
        ],
        context=BIRTH_CONTEXT,
        negative_context=NON_BIRTH_CONTEXT,
        context_required=True,
        no_digits_between=True,
        context_window=45,
        context_boost=0.3,
        validator=_plausible_numeric_date,
    )  # fmt: skip


MRN_CONTEXT = (
    "mrn", "mrn#", "medical record", "medical record number", "medical record no",
    "med rec", "medical rec", "patient id", "patient identifier", "patient number",
    "patient no", "patient #", "hospital number", "hospital no", "unit number", "chart number",
    "chart no", "health record number", "ehr id", "emr id", "hosp no", "hosp. no",
    "hosp. no.", "hosp #", "hospital id", "hospital no.", "hosp. number", "record:",
    "record no", "record number", "record #",
    "patientennummer", "patienten-id", "patienten id", "fallnummer", "krankenblattnummer",
    "numéro de dossier", "n° de dossier", "dossier médical", "ipp", "numéro patient",
    "historia clínica", "nº historia", "nhc", "número de historia", "cartella clinica",
    "numero cartella", "id paziente", "patiëntnummer", "patientnummer", "dossiernummer",
)  # fmt: skip


def _not_a_date(value: str) -> bool | None:
    return False if _NUMERIC_DATE.fullmatch(value) else None


def medical_record_number() -> PatternRecognizer:
    return PatternRecognizer(
        "medical_record_number",
        EntityType.MEDICAL_RECORD_NUMBER,
        [
            Pattern(
                "record number",
                # PAT213968, 567-893-923, A420717A, RX-448812, 00123456: 5+ digits
                r"(?<![\w\-])(?=(?:[A-Z\-/]*\d){5})[A-Z]{0,4}-?\d[\d\-/]{3,14}\d[A-Z]?"
                r"(?![\w\-])",
                0.55,
            )
        ],
        context=MRN_CONTEXT,
        context_required=True,
        no_digits_between=True,
        context_window=30,
        validator=_not_a_date,
    )
