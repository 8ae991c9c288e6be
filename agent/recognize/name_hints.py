"""High-precision PERSON and LOCATION hints from strong context.

The ML model finds names, organisations and places in general; these patterns only fire
where the context leaves little doubt: a title or salutation before a capitalised name
("Dear Ms Okafor", "Herr Dr. Müller", "Patient: Jane Doe"), a street address ("12 High
Street", "Hauptstraße 5", "12 rue de la Paix", "Calle Mayor 5", "Via Roma 10",
"Keizersgracht 123") or a postcode in its national shape next to a city or state.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from agent.domain import EntityType
from agent.recognize.pattern import Candidate, Pattern, PatternRecognizer, variants
from agent.recognize.scan_text import Anchor, ScanText

_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĪĮİĶĹĻĽŁŃŅŇŌŐŒŔŘŚŞŠŢŤŪŮŰŲŹŻŽ"
_LOWER = "a-zß-öø-ÿāăąćčďđēėęěğīįıķĺļľłńņňōőœŕřśşšţťūůűųźżž"
# one capitalised name token: Smith, O'Brien, McDonald, Müller-Lüdenscheidt, Núñez
_TOKEN = (
    rf"[{_UPPER}](?:['’][{_UPPER}])?[{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?"
    rf"(?:['’\-][{_UPPER}]?[{_LOWER}]+)*"
)
_PARTICLE = r"(?:van|von|de|der|den|du|di|da|del|della|dos|le|la|ten|ter|zu|af|bin|al)"
_NAME_PART = rf"(?:{_PARTICLE}\s+)*{_TOKEN}(?![\w])"
_INITIAL = rf"[{_UPPER}]\.(?=[ \t])"
# a name: capitalised parts, middle initials allowed ("Jason K. Meadows")
_NAME_1_3 = rf"{_NAME_PART}(?:[ \t]+(?:{_INITIAL}[ \t]+)?{_NAME_PART}){{0,2}}"
_NAME_2_4 = rf"{_NAME_PART}(?:[ \t]+(?:{_INITIAL}[ \t]+)?{_NAME_PART}){{1,3}}"

_TITLE_WORDS = (
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Sir", "Dame", "Lord", "Lady",
    "Herr", "Frau", "Monsieur", "Madame", "Mme", "Mlle", "Maître", "Señor", "Señora",
    "Señorita", "Sr", "Sra", "Srta", "Doña", "Signor", "Signora", "Sig", "Sig.ra", "Dott",
    "Dott.ssa", "Avv", "Dhr", "Mevr", "Mevrouw", "Meneer", "Mw", "heer", "mevrouw",
)  # fmt: skip
_SALUTATION_WORDS = (
    "Dear", "Hello", "Hi", "Attn", "Attention", "Sehr geehrte", "Sehr geehrter", "Liebe",
    "Lieber", "Liebes", "Hallo", "Cher", "Chère", "Bonjour", "Estimado", "Estimada",
    "Querido", "Querida", "Hola", "Gentile", "Egregio", "Caro", "Cara", "Geachte", "Beste",
)  # fmt: skip
_LABEL_WORDS = (
    "patient", "patient name", "name of patient", "name", "full name", "surname", "employee",
    "employee name", "claimant", "applicant", "client name", "customer name",
    "account holder", "account name", "cardholder", "card holder", "beneficiary", "borrower",
    "guarantor", "tenant", "defendant", "plaintiff", "witness", "next of kin",
    "emergency contact", "referred by", "patientin", "name des patienten",
    "vorname und name", "nom", "nom du patient", "nom et prénom", "nombre",
    "nombre del paciente", "paciente", "nome", "nome del paziente", "paziente", "naam",
    "naam patiënt", "patiënt",
)  # fmt: skip


def _alternation(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


_TITLE = _alternation(_TITLE_WORDS)
_TITLES = rf"{_TITLE}\.?(?:[ \t]+{_TITLE}\.?)*"
_SALUTATION = _alternation(_SALUTATION_WORDS)
_LABEL = f"(?i:{_alternation(_LABEL_WORDS)})"

# not names, although capitalised after a salutation or label
_NOT_NAMES = frozenset({
    "sir", "madam", "sirs", "all", "team", "colleague", "colleagues", "customer", "client",
    "member", "members", "friends", "everyone", "valued", "partner", "partners", "board",
    "committee", "hiring", "manager", "support", "sales", "unknown", "redacted", "not",
    "none", "the", "this", "our", "your", "damen", "herren", "madame", "monsieur",
    "señor", "señora", "signore", "heer", "mevrouw", "collega", "collègue", "grüße",
    "grüßen", "gruß", "grüsse", "wünsche", "regards", "wishes", "groeten", "saluti",
})  # fmt: skip
_ORG_WORDS = frozenset({
    "ltd", "limited", "inc", "llc", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv", "spa",
    "srl", "plc", "llp", "corp", "corporation", "company", "group", "holdings", "bank",
    "partners", "foundation", "trust", "hospital", "clinic", "university", "council",
    "department", "ministry", "services", "solutions", "systems", "capital", "fund",
})  # fmt: skip


def _name_check(value: str) -> bool | None:
    words = value.lower().replace(".", " ").split()
    if not words or words[0] in _NOT_NAMES or any(w in _ORG_WORDS for w in words):
        return False
    return None


def person_hints() -> PatternRecognizer:
    return PatternRecognizer(
        "person_hints",
        EntityType.PERSON,
        [
            Pattern("title + name", rf"(?<![\w.]){_TITLES}[ \t]+(?P<n>{_NAME_1_3})", 0.75,
                    group="n"),
            # "Dear Roy, Tammy," is one person written surname first
            Pattern("salutation + name", rf"(?<![\w]){_SALUTATION}[ \t]+(?:{_TITLES}[ \t]+)?"
                    rf"(?P<n>{_NAME_1_3}(?:,[ \t]+{_NAME_PART}(?=[ \t]*,[ \t]*(?:\r?\n|$)))?)"
                    r"(?![ \t]+und[ \t]+Herren)",  # "Sehr geehrte Damen und Herren", misspelt
                    0.7, group="n"),
            Pattern("label: full name", rf"(?<![\w]){_LABEL}[ \t]*:[ \t]*(?:{_TITLES}[ \t]+)?"
                    rf"(?P<n>{_NAME_2_4})", 0.8, group="n"),
        ],
        # every match starts with a title, a salutation or a label
        anchor=Anchor(
            sorted(
                {w.split()[0].split(".")[0].lower() for w in _TITLE_WORDS + _SALUTATION_WORDS}
                | {w.split()[0] for w in _LABEL_WORDS}
            ),
            leads=True,
        ),
        validator=_name_check,
    )  # fmt: skip


_STREET_EN = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Close|Court|Ct"
    r"|Place|Pl|Square|Sq|Terrace|Way|Crescent|Gardens|Grove|Hill|Row|Walk|Parkway|Pkwy"
    r"|Highway|Hwy|Mews|Green|Circle|Cir|Trail|Plaza)\.?"
)
_CAP = rf"[{_UPPER}][{_LOWER}]+"
_DE_STREET = r"(?:straße|strasse|str\.|weg|platz|allee|gasse|damm|ufer|chaussee)"
_DE_STREET_WORD = r"(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Damm|Ufer)"
_NL_STREET = r"(?:straat|laan|weg|plein|gracht|kade|singel|dijk|steeg|dreef)"
_FR_STREET = (
    r"(?:rue|avenue|av\.|boulevard|bd|place|allée|allee|chemin|impasse|quai|cours|route"
    r"|square)"
)
_FR_WORDS = rf"(?:[ \t]+(?:de|du|des|la|le|les|l'|d'|{_CAP}[\-'’]?)){{1,5}}"
_ES_STREET = r"(?:Calle|C/|Avenida|Avda\.?|Av\.|Plaza|Pza\.|Paseo|Camino|Carrer|Ronda)"
_IT_STREET = r"(?:Via|Viale|Piazza|P\.zza|Corso|Largo|Vicolo|Piazzale|Lungomare)"
_LATIN_WORDS = rf"(?:[ \t]+(?:de|del|de la|los|las|di|della|delle|dei|San|Santa|{_CAP}))"
_HOUSE = r"\d{1,5}[A-Za-z]?(?:[\-/]\d{1,4}[A-Za-z]?)?"
# "Hauptstraße 5, 10115 Berlin": a postcode and city right after a street belong to it
_POSTCODE_TAIL = rf"(?:,?[ \t]+(?:[DFEI]-)?\d{{5}}[ \t]+{_CAP}(?![\w]))?"
_STREET_ANCHORS = (
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "boulevard",
    "blvd", "close", "court", "ct", "place", "pl", "square", "sq", "terrace", "way",
    "crescent", "gardens", "grove", "hill", "row", "walk", "parkway", "pkwy", "highway", "hwy",
    "mews", "green", "circle", "cir", "trail", "plaza",
    "rue", "avenue", "av", "boulevard", "bd", "place", "allée", "allee", "chemin", "impasse",
    "quai", "cours", "route", "square",
    "calle", "c/", "avenida", "avda", "plaza", "pza", "paseo", "camino", "carrer", "ronda",
    "via", "viale", "piazza", "p.zza", "corso", "largo", "vicolo", "piazzale", "lungomare",
)  # fmt: skip
_DE_NL_SUFFIXES = (
    "straße", "strasse", "str.", "weg", "platz", "allee", "gasse", "damm", "ufer",
    "chaussee", "straat", "laan", "plein", "gracht", "kade", "singel", "dijk", "steeg",
    "dreef",
)  # fmt: skip
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV"
    "|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)


_ADDRESS_CONTEXT = (
    "address", "addr", "street", "lives at", "resides at", "residing at", "home",
    "anschrift", "adresse", "wohnhaft", "wohnort", "domicile", "demeurant", "dirección",
    "domicilio", "indirizzo", "residente", "adres", "woonachtig", "postcode", "zip",
    "city", "ort", "ville", "ciudad", "città", "plaats",
)  # fmt: skip
_ADDRESS_NEGATIVE = ("invoice", "order", "ref", "reference", "account", "case", "total")


# An address line is one span ("811 Parker Forge Apt. 014, Lake Julieport, TN 63973"):
# a street or postcode match grows over the address-like tokens around it on its line.
_ADDRESS_TOKEN = (
    rf"(?:[{_UPPER}][\w'’.\-]*|\d+[A-Za-z]{{0,3}}(?:[\-/]\d+[A-Za-z]?)?"
    r"|(?:de|del|la|le|du|des|van|der|den|di|da|am|an|sur|en|y|im|aan|op)(?=[ \t]))"
)
_ADDRESS_SEP = r"(?:[ \t]*[,;][ \t]*|[ \t]+[\-–][ \t]+|[ \t]+)"
_GROW_LEFT = re.compile(rf"(?:{_ADDRESS_TOKEN}{_ADDRESS_SEP})+\Z")
_GROW_RIGHT = re.compile(rf"(?:{_ADDRESS_SEP}{_ADDRESS_TOKEN}(?![\w'’]))+")
_MAX_GROW = 80
_WORD = re.compile(r"[\w.'’\-]+")
_SEPARATOR_RUN = re.compile(r"[ \t,;\-–]*")


class AddressRecognizer(PatternRecognizer):
    """Street and postcode patterns whose spans grow to the whole address line."""

    def _last_context_end(self, text: str, lo: int, hi: int) -> int:
        context = self._context
        ends = [m.end() for m in context.finditer(text, lo, hi)] if context else []
        return ends[-1] if ends else lo

    def adjust(self, scan: ScanText, start: int, end: int) -> tuple[int, int] | None:
        if scan.cells.containing(start, end) is not None:
            return start, end  # a cell is its own unit; the field recognizers take it whole
        text = scan.text
        line_start = text.rfind("\n", 0, start) + 1
        left = _GROW_LEFT.search(text, max(line_start, start - _MAX_GROW), start)
        if left is not None:
            # never over an organisation's name ("Cornelisz LLP, Quintyring 302")
            words = list(_WORD.finditer(text, left.start(), start))
            org_ends = [w.end() for w in words if w.group().lower().rstrip(".") in _ORG_WORDS]
            cut = org_ends[-1] if org_ends else left.start()
            # nor over a label ("Wohnort 10115 Berlin")
            label = self._last_context_end(text, cut, start)
            cut = max(cut, label)
            after = _SEPARATOR_RUN.match(text, cut)
            start = after.end() if after and after.end() <= start else cut
        line_end = text.find("\n", end)
        right = _GROW_RIGHT.match(text, end, min(end + _MAX_GROW, line_end % (len(text) + 1)))
        if right is not None:
            end = right.end()
        return start, end


def _address(
    name: str,
    patterns: list[Pattern],
    anchor: Anchor | None = None,
    *,
    numeric: bool = False,
    needs: str | None = None,
) -> PatternRecognizer:
    return AddressRecognizer(
        name,
        EntityType.LOCATION,
        patterns,
        context=_ADDRESS_CONTEXT,
        negative_context=_ADDRESS_NEGATIVE,
        context_window=50,
        context_boost=0.25,
        anchor=anchor,
        numeric=numeric,
        needs=needs,
        # (the region already holds the city's first word; growth adds the rest)
    )


def street_address() -> PatternRecognizer:
    """English, French, Spanish and Italian street addresses, anchored on the street word."""
    return _address(
        "street_address",
        [
            Pattern("en street", rf"(?<![\w\-.]){_HOUSE},?[ \t]+(?:{_CAP}[ \t]+){{1,3}}"
                    rf"{_STREET_EN}(?![\w])", 0.7),
            Pattern("fr street", rf"(?<![\w\-.]){_HOUSE}(?:[ \t]?(?:bis|ter))?,?[ \t]+"
                    rf"(?i:{_FR_STREET}){_FR_WORDS}(?![\w]){_POSTCODE_TAIL}", 0.7),
            Pattern("es/it street", rf"(?<![\w])(?:{_ES_STREET}|{_IT_STREET}){_LATIN_WORDS}{{1,4}}"
                    rf",?[ \t]+(?:n[º°o]\.?[ \t]*)?{_HOUSE}(?![\w]){_POSTCODE_TAIL}", 0.7),
        ],
        Anchor(_STREET_ANCHORS, before=70, reach=140, needs_digit=True),
    )  # fmt: skip


def street_address_de_nl() -> PatternRecognizer:
    """German and Dutch street names, which end in the street word (Hauptstraße 5)."""
    return _address(
        "street_address_de_nl",
        [
            Pattern("de street", rf"(?<![\w]){_CAP}{_DE_STREET}[ \t]+{_HOUSE}(?![\w])"
                    rf"{_POSTCODE_TAIL}", 0.7),
            Pattern("de street, two words", rf"(?<![\w]){_CAP}(?:er)?[ \t]+{_DE_STREET_WORD}"
                    rf"[ \t]+{_HOUSE}(?![\w]){_POSTCODE_TAIL}", 0.7),
            Pattern("nl street", rf"(?<![\w]){_CAP}{_NL_STREET}[ \t]+{_HOUSE}(?![\w])", 0.65),
        ],
        Anchor(_DE_NL_SUFFIXES, before=40, reach=80, whole_words=False, needs_digit=True),
    )  # fmt: skip


def postcode() -> PatternRecognizer:
    """UK postcodes, US state + ZIP, 5-digit postcode + city (DE/FR/ES/IT), NL 1234 AB."""
    return _address(
        "postcode",
        [
            variants("postcode", [
                ("uk", r"(?<![\w\-])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR)[ ]?\d"
                       r"[ABD-HJLNP-UW-Z]{2}(?![\w\-])", 0.6),
                # after a comma ("Boise, ID 83702"): a bare "ID 75535" is an identifier
                ("us", rf"(?=[A-Z]{{2}}[ \t]+\d{{5}})(?:(?<=, )|(?<=,))(?:{_US_STATES})"
                       rf"[ \t]+\d{{5}}(?:-\d{{4}})?(?![\w\-])", 0.65),
                ("nl", rf"(?<![\w\-])[1-9]\d{{3}}[ ]?(?!SA|SD|SS)[A-Z]{{2}}[ \t]+{_CAP}(?![\w])",
                       0.6),
                # 10115 Berlin, 75002 Paris, 28013 Madrid, 00184 Roma: needs context
                ("five", rf"(?<![\w\-.,/])(?:[DFEI]-)?\d{{5}}[ \t]+{_CAP}"
                         rf"(?:[ \t\-](?:am|an der|sur|en|de|{_CAP}))?(?![\w])", 0.45),
            ], prefix=r"(?=[A-Z\d])"),
        ],
        numeric=True,
        needs=rf"[{_UPPER}]",  # every shape has a capital: UK letters, a state, a city
    )  # fmt: skip


# -- labelled fields: table columns and "Label<TAB>value" / "Label: value" form lines --
_PERSON_LABELS = (
    "name", "full name", "patient", "patient name", "employee", "employee name", "customer",
    "customer name", "client name", "account holder", "account name", "cardholder",
    "card holder", "beneficiary", "applicant", "claimant", "borrower", "guarantor", "tenant",
    "user", "speaker", "contact name", "next of kin", "witness", "insured", "policyholder",
    "surname", "first name", "last name", "given name", "family name", "vorname",
    "nachname", "nom", "prénom", "nom complet", "nombre", "apellidos", "nome", "cognome",
    "naam", "achternaam", "voornaam",
)  # fmt: skip
_LOCATION_LABELS = (
    "address", "home address", "street", "street address", "postal address", "residence",
    "city", "town", "place of birth", "birthplace", "loss address", "adresse", "anschrift",
    "wohnort", "stadt", "domicile", "ville", "dirección", "domicilio", "ciudad", "indirizzo",
    "città", "adres", "woonplaats", "plaats", "stad",
)  # fmt: skip
_ORGANIZATION_LABELS = (
    "organisation", "organization", "company", "employer", "bank", "firm", "institution",
    "supplier", "vendor", "insurer", "unternehmen", "firma", "arbeitgeber", "société",
    "entreprise", "empresa", "azienda", "bedrijf", "organisatie", "werkgever",
)  # fmt: skip

_NAME_WORD = rf"[{_UPPER}{_LOWER}][{_LOWER}{_UPPER}'’\-]*\.?"
_NAME_VALUE = re.compile(rf"{_NAME_WORD}(?:,?[ ]+{_NAME_WORD}){{0,4}}")
_ANY_UPPER = re.compile(rf"[{_UPPER}]")


def _person_value(value: str) -> bool:
    if not _NAME_VALUE.fullmatch(value) or not _ANY_UPPER.search(value):
        return False
    return _name_check(value) is None


def _place_value(value: str) -> bool:
    return (
        len(value) <= 120
        and any(c.isalpha() for c in value)
        and "@" not in value
        and "://" not in value
    )


def _organization_value(value: str) -> bool:
    return len(value) <= 80 and _ANY_UPPER.search(value) is not None and "@" not in value


class FieldRecognizer(PatternRecognizer):
    """The value of a labelled field is what its label says: a table cell under a
    ``patient_name`` / ``home_address`` / ``employer`` column, or a form line
    ``Address<TAB>12 High St, London`` / ``Name: Jane Doe`` at the start of a line."""

    def __init__(
        self,
        name: str,
        entity_type: EntityType,
        labels: tuple[str, ...],
        value_ok: Callable[[str], bool],
        score: float,
    ) -> None:
        label_regex = "|".join(re.escape(w) for w in sorted(labels, key=len, reverse=True))
        super().__init__(
            name,
            entity_type,
            [
                Pattern(
                    "label: value line",
                    rf"(?<![^\n])(?i:{label_regex})[ \t]*(?::[ \t]*|\t[ \t]*)"
                    r"(?P<v>[^\s][^\n\r]{0,119}?)[ \t]*\r?$",
                    score,
                    group="v",
                    flags=re.MULTILINE,
                )
            ],
            anchor=Anchor(labels, reach=200, leads=True),
            validator=lambda value: None if value_ok(value) else False,
        )
        self._header = re.compile(rf"^(?:{label_regex})$")
        self._value_ok = value_ok
        self._score_value = score

    def find(self, text: str | ScanText) -> list[Candidate]:
        scan = text if isinstance(text, ScanText) else ScanText(text)
        found = super().find(scan)
        for cell in scan.cells.cells:
            if self._header.match(cell.header) and self._value_ok(scan.text[cell.start : cell.end]):
                found.append(
                    Candidate(self.entity_type, cell.start, cell.end, self._score_value, self.name)
                )
        return found


def person_fields() -> PatternRecognizer:
    return FieldRecognizer("person_fields", EntityType.PERSON, _PERSON_LABELS, _person_value, 0.8)


def location_fields() -> PatternRecognizer:
    return FieldRecognizer(
        "location_fields", EntityType.LOCATION, _LOCATION_LABELS, _place_value, 0.8
    )


def organization_fields() -> PatternRecognizer:
    return FieldRecognizer(
        "organization_fields",
        EntityType.ORGANIZATION,
        _ORGANIZATION_LABELS,
        _organization_value,
        0.8,
    )


# -- names in e-mail structure: headers, quoted replies, signatures ------------------
_HEADER_FIELDS = (
    "from", "to", "cc", "bcc", "reply-to", "von", "an", "de", "à", "para", "da", "a", "van",
    "aan",
)  # fmt: skip
# looked for with their colon: "to" alone is everywhere, "to:" is a header
_HEADER_ANCHORS = tuple(f"{f}{sep}:" for f in _HEADER_FIELDS for sep in ("", " "))
_WROTE = ("wrote", "schrieb", "a écrit", "escribió", "ha scritto", "schreef")
_CLOSINGS = (
    "regards", "kind regards", "best regards", "warm regards", "sincerely", "best", "cheers",
    "thanks", "many thanks", "best wishes", "yours", "grüße", "grüßen", "gruß",
    "mit freundlichen grüßen", "viele grüße", "cordialement", "bien à vous", "merci",
    "saludos", "un saludo", "atentamente", "saluti", "cordiali saluti", "distinti saluti",
    "groet", "groeten", "met vriendelijke groet", "hartelijke groet",
)  # fmt: skip


def _words(words: tuple[str, ...]) -> str:
    return "(?i:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


def person_in_mail() -> PatternRecognizer:
    """Names that e-mail structure gives away: ``From: Amira Everde <a@b.nl>`` and the
    name under a closing (``Kind regards,`` / ``Neil Hunt``). Every pattern starts at
    its header field or closing, so it is tried only there."""
    return PatternRecognizer(
        "person_in_mail",
        EntityType.PERSON,
        [
            Pattern("header name <address>",
                    rf"(?<![\w])(?:{_words(_HEADER_FIELDS)})[ \t]*:[ \t]*(?P<n>{_NAME_1_3})"
                    r"[ \t]*<[^>\s@]+@", 0.85, group="n"),
            Pattern("closing, then a name line",
                    rf"(?<![\w])(?:{_words(_CLOSINGS)})[ \t]*[,\-–—!.]*[ \t]*\r?\n[ \t]*"
                    rf"(?P<n>{_NAME_2_4})[ \t]*(?=\r?\n|$)", 0.75, group="n"),
        ],
        anchor=Anchor(_CLOSINGS + _HEADER_ANCHORS, reach=160, leads=True),
        validator=_name_check,
    )  # fmt: skip


def person_quoted() -> PatternRecognizer:
    """``On 19-12-2024, Amira Everde wrote:`` (and schrieb, a écrit, escribió, ...)."""
    return PatternRecognizer(
        "person_quoted",
        EntityType.PERSON,
        [
            Pattern("name wrote:", rf"(?<![\w])(?P<n>{_NAME_2_4})[ \t]+(?:{_words(_WROTE)})"
                    r"[ \t]*:", 0.8, group="n"),
        ],
        anchor=Anchor(_WROTE, before=70, reach=30),
        validator=_name_check,
    )  # fmt: skip
