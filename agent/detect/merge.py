"""Merging model and pattern findings into one list of entities per section.

Rules, chosen for recall (a missed span leaks, an extra one only over-redacts) without
letting the model's guesses on structured identifiers ruin precision:

* a model finding of a type with a check digit or issuing rules (cards, IBAN, NHS, SSN,
  NINO) counts only when the value passes that check: the model proposes, the checksum
  disposes (a pattern finding of the same type is always kept); phone numbers, IP
  addresses and dates of birth must at least have their type's shape (seven digits, an
  address that parses, a digit that is not a clock time);
* a model finding of a type the recognizers find reliably on their own (e-mail, phone,
  IP address, secrets) counts only above a higher score (``MODEL_MIN_SCORE``);
* same type, overlapping: one entity over the union of both spans, the higher score;
  for pattern-defined types the pattern's exact boundaries win;
* different types, overlapping: the pattern finding keeps its type; a model finding
  entirely inside it is dropped as a duplicate, one that sticks out is kept so that
  nothing outside the pattern span escapes redaction;
* a model-only name, organisation or place with fewer than two letters, a clock time
  ("19h55") or made only of function words ("He", "Sie uns", "fue") is dropped: the
  list (``function_words.txt``) excludes every word that occurs in a name or place the
  generator knows, so no name is lost to it;
* a model-only person name of one lower-case word needs a score of 0.85
  (``LOWERCASE_NAME_MIN_SCORE``);
* a model-only e-mail address with no at-sign in any form ("@", "[at]", "(at)", " at ")
  is a name the model read as a mailbox (IRC nicks: ``<jane doe>``): it is kept, as a
  PERSON, so it is still redacted;
* a model-only medical record number needs three digits and must not follow a reference
  word on its line ("claim", "invoice", "lot", "ward", "policy no.") unless a record cue
  ("MRN", "hospital number") is nearer: issue 18 measured MRN precision 0.47 on text
  the generator never wrote, reference numbers read as record numbers;
* a model-only secret must look like one: no whitespace (a PEM block aside), six
  characters, not a git hash, sha256 digest or UUID (never secrets by the gold
  convention), not a placeholder or a reference to where the secret lives
  (``<your-api-key>``, ``${DB_PASSWORD}``, ``{{ vault.x }}``, ``********``);
* a model-only name, organisation or place that opens with a request verb at the start
  of a clause ("Summarise", "Fasse", "Riassumi", "Check John Roe") loses the verb
  (``agent.detect.imperatives``): dropped when the verb is all of it, cut to what
  follows when the verb never starts a name.
"""

from __future__ import annotations

import bisect
import dataclasses
import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

from agent.detect.imperatives import without_leading_imperative
from agent.domain import Entity, EntityType
from agent.recognize.checksums import iban_valid, luhn_valid, nhs_valid, nino_valid, ssn_valid
from agent.recognize.secrets import is_placeholder

MODEL_SOURCE = "model"

_CLOCK_TIME = re.compile(r"\d{1,2}\s*[h:.]\s*\d{2}")


def phone_shaped(value: str) -> bool:
    """A phone number has at least seven digits ("+1", "48" and port numbers do not)."""
    return sum(c.isdigit() for c in value) >= 7


def ip_shaped(value: str) -> bool:
    """The value parses as an IPv4 or IPv6 address (spaces and brackets aside)."""
    try:
        ipaddress.ip_address("".join(value.split()).strip("[]"))
    except ValueError:
        return False
    return True


def date_shaped(value: str) -> bool:
    """A date of birth has a digit and is not a clock time ("17h29", "01:48")."""
    value = value.strip()
    return any(c.isdigit() for c in value) and not _CLOCK_TIME.fullmatch(value)


_WORD = re.compile(r"[^\W\d_]+")
_NOT_WORD = re.compile(r"[\d@/:=]")


@cache
def function_words() -> frozenset[str]:
    path = Path(__file__).with_name("function_words.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w and not w.startswith("#"))


def only_function_words(value: str) -> bool:
    """True when ``value`` is nothing but function words (no digits, no e-mail/URL marks)."""
    if _NOT_WORD.search(value):
        return False
    words = _WORD.findall(value.lower())
    stop = function_words()
    return bool(words) and all(w in stop for w in words)


#: never a secret: git commit hashes, sha256 digests, UUIDs
_DIGEST = re.compile(
    r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def secret_shaped(value: str) -> bool:
    """A value that may grant access: a PEM block, or six characters with no whitespace
    that are neither a digest (git hash, sha256, UUID) nor a placeholder."""
    value = value.strip()
    if value.startswith("-----BEGIN"):
        return True
    if len(value) < 6 or any(c.isspace() for c in value):
        return False
    return not (_DIGEST.fullmatch(value) or is_placeholder(value.strip("'\",;")))


def mrn_shaped(value: str) -> bool:
    """Three digits at least: a model span may hold only a part of the number (the model
    split "633-377-904" in two), and that part must still be redacted."""
    return sum(c.isdigit() for c in value) >= 3


#: words after which a number is a reference, not a patient's record number
_REFERENCE_WORDS = re.compile(
    r"(?i)\b(?:order|invoice|inv|claim|ref|reference|ticket|case|po|sku|lot|batch|ward|room"
    r"|bed|booking|appointment|appt|policy|tracking|serial|icd(?:-10)?|snomed|ext|extension"
    r"|bleep|form|docket|account|acct|contract|rechnung|bestellung|facture|factura|fattura"
    r"|factuur|commande|pedido|ordine|bestelling|aktenzeichen|dossier n°)\b"
)
_RECORD_WORDS = re.compile(
    r"(?i)\b(?:mrn|medical record|record|hospital (?:number|no)|hosp\.? ?no|patient|unit number"
    r"|chart|nhc|ipp|patientennummer|fallnummer|cartella|patiëntnummer)\b"
)
#: how far before a model-only record number its line is read for a reference word
REFERENCE_WINDOW = 30


def _reference_before(text: str, start: int) -> bool:
    """A reference word precedes ``start`` on its line, with no record cue after it."""
    lo = max(text.rfind("\n", 0, start) + 1, start - REFERENCE_WINDOW)
    window = text[lo:start]
    ref = [m.end() for m in _REFERENCE_WORDS.finditer(window)]
    if not ref:
        return False
    rec = [m.end() for m in _RECORD_WORDS.finditer(window)]
    return not rec or rec[-1] < ref[-1]


#: field labels and headings of letters, e-mails and forms in the seven locales'
#: languages: a model-only name that is one of these words alone is the label, not a
#: name ("Objet :", "Betreft:", "Paziente:", "Emprunteur :" on the hand-written dev set)
FIELD_LABELS = frozenset(
    {
        "subject", "objet", "betreff", "betreft", "oggetto", "asunto", "re", "aw", "fw", "fwd",
        "wg", "tr", "rv", "from", "von", "van", "de", "da", "di", "par", "to", "an", "aan",
        "para", "per", "cc", "bcc", "date", "datum", "fecha", "data", "patient", "patiente",
        "patientin", "paciente", "paziente", "patiënt", "employee", "employé", "employée",
        "empleado", "dipendente", "werknemer", "mitarbeiter", "mitarbeiterin", "applicant",
        "borrower", "emprunteur", "demandeur", "antragsteller", "aanvrager", "solicitante",
        "richiedente", "employer", "employeur", "arbeitgeber", "werkgever", "empleador",
        "note", "notes", "nota", "notiz", "remarque", "summary", "résumé", "zusammenfassung",
        "samenvatting", "resumen", "riepilogo", "pending", "pendiente", "therapy", "terapia",
        "thérapie", "therapie", "diagnosis", "diagnose", "diagnostic", "diagnóstico",
        "diagnosi", "vermerk", "memo", "actions", "attendees", "agenda", "minutes",
    }
)  # fmt: skip


_LABEL_COLON = re.compile(r"[ \t]*:")


def is_field_label(text: str, ent: Entity) -> bool:
    """The span is one label word followed by a colon ("Objet :", "Paziente:"); without
    the colon the same word may be a name ("<VAN>" is a chat nick)."""
    return (
        text[ent.start : ent.end].lower() in FIELD_LABELS
        and _LABEL_COLON.match(text, ent.end) is not None
    )


def name_shaped(value: str) -> bool:
    """A name, organisation or place has two letters, is not a clock time ("19h55") and
    is not made only of function words."""
    letters = sum(c.isalpha() for c in value)
    return (
        letters >= 2 and not _CLOCK_TIME.fullmatch(value.strip()) and not only_function_words(value)
    )


#: validators that a model-only finding of these types must pass: check digits and
#: issuing rules, or at least the shape every value of the type has
VALIDATORS: Mapping[EntityType, Callable[[str], bool]] = {
    EntityType.CREDIT_CARD: luhn_valid,
    EntityType.IBAN_CODE: iban_valid,
    EntityType.UK_NHS: nhs_valid,
    EntityType.US_SSN: ssn_valid,
    EntityType.UK_NINO: nino_valid,
    EntityType.PHONE_NUMBER: phone_shaped,
    EntityType.IP_ADDRESS: ip_shaped,
    EntityType.DATE_OF_BIRTH: date_shaped,
    EntityType.PERSON: name_shaped,
    EntityType.ORGANIZATION: name_shaped,
    EntityType.LOCATION: name_shaped,
    EntityType.MEDICAL_RECORD_NUMBER: mrn_shaped,
    EntityType.SECRET: secret_shaped,
}

#: minimum model score for a model-only finding of a type the recognizers cover well
MODEL_MIN_SCORE: Mapping[EntityType, float] = {
    EntityType.EMAIL_ADDRESS: 0.9,
    EntityType.PHONE_NUMBER: 0.9,
    EntityType.IP_ADDRESS: 0.9,
    EntityType.SECRET: 0.8,
}

#: minimum model score for a model-only person name that is one lower-case word: the
#: weakest evidence of a name, and where the model's guesses on domain words fall
#: ("renegotiate", "carcinoma"); a real one is usually also written elsewhere in the
#: section with capitals, and ``agent.detect.propagate`` then covers this mention too
LOWERCASE_NAME_MIN_SCORE = 0.85

#: types whose boundaries the model learns best (names, places): same-type overlaps
#: with a pattern finding take the union; for all other types the pattern span wins
MODEL_BOUNDARY_TYPES: frozenset[EntityType] = frozenset(
    {EntityType.PERSON, EntityType.ORGANIZATION, EntityType.LOCATION}
)

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def _plain(value: str) -> str:
    """Full-width digits to ASCII, invisible characters out (as the recognizers see it)."""
    if value.isascii():  # nothing to fold (the common case)
        return value
    return unicodedata.normalize("NFKC", value).translate(_INVISIBLE)


_AT_SIGN = re.compile(r"[@\uff20]|[\[(]\s*at\s*[\])]|\sat\s", re.IGNORECASE)


def _retyped(text: str, ent: Entity) -> Entity:
    """A model-only e-mail with no at-sign in any form is a name read as a mailbox."""
    if ent.type is EntityType.EMAIL_ADDRESS and not _AT_SIGN.search(text[ent.start : ent.end]):
        return dataclasses.replace(ent, type=EntityType.PERSON)
    return ent


def _model_finding_counts(text: str, ent: Entity) -> bool:
    validator = VALIDATORS.get(ent.type)
    value = text[ent.start : ent.end]
    if validator is not None and not validator(_plain(value)):
        return False
    if ent.type is EntityType.PERSON and _one_lowercase_word(value):
        return ent.score >= LOWERCASE_NAME_MIN_SCORE
    if ent.type is EntityType.MEDICAL_RECORD_NUMBER and _reference_before(text, ent.start):
        return False
    if ent.type in MODEL_BOUNDARY_TYPES and is_field_label(text, ent):
        return False
    return ent.score >= MODEL_MIN_SCORE.get(ent.type, 0.0)


def _one_lowercase_word(value: str) -> bool:
    return len(value.split()) == 1 and value.lower() == value


def _union(a: Entity, b: Entity) -> Entity:
    best = a if a.score >= b.score else b
    sources = sorted({s for s in (a.source, b.source) if s})
    pattern = b if a.source == MODEL_SOURCE else a
    if a.type not in MODEL_BOUNDARY_TYPES and pattern.source != MODEL_SOURCE:
        start, end = pattern.start, pattern.end
    else:
        start, end = min(a.start, b.start), max(a.end, b.end)
    return Entity(type=a.type, start=start, end=end, score=best.score, source="+".join(sources))


def merge_same_type(entities: Iterable[Entity]) -> list[Entity]:
    """Union the overlapping spans of each type."""
    out: list[Entity] = []
    for ent in sorted(entities, key=lambda e: (e.type.value, e.start, e.end)):
        if out and out[-1].type == ent.type and ent.start < out[-1].end:
            out[-1] = _union(out[-1], ent)
        else:
            out.append(ent)
    return out


def merge(text: str, model: Sequence[Entity], patterns: Sequence[Entity]) -> list[Entity]:
    """One entity list, sorted by position, from model and pattern findings in ``text``."""
    overlapping = _OverlapIndex(patterns)
    kept_model: list[Entity] = []
    for found in model:
        m: Entity | None = _retyped(text, found)
        if m is not None and m.type in MODEL_BOUNDARY_TYPES:
            m = without_leading_imperative(text, m)
        if m is None:
            continue
        near = overlapping(m)
        same = any(p.type == m.type for p in near)
        if not same and not _model_finding_counts(text, m):
            continue
        inside_other = any(p.type != m.type and p.start <= m.start and m.end <= p.end for p in near)
        if not inside_other:
            kept_model.append(m)
    merged = [_without_possessive(text, e) for e in merge_same_type([*kept_model, *patterns])]
    return sorted(merged, key=lambda e: (e.start, e.end, e.type.value))


def _without_possessive(text: str, ent: Entity) -> Entity:
    """A name ends before its possessive: "Patel" in "Patel's", "Acme" in "Acme's" (the
    gold convention; the hints' name pattern and the model's word pieces take the "'s")."""
    if (
        ent.type in MODEL_BOUNDARY_TYPES
        and ent.end - ent.start > 3
        and text[ent.end - 2 : ent.end] in ("'s", "’s")
    ):
        return dataclasses.replace(ent, end=ent.end - 2)
    return ent


class _OverlapIndex:
    """The pattern findings overlapping a span, without testing every finding: findings
    sorted by start, with the running maximum of their ends (a table of 100 numbers and
    130 names made the all-pairs test the slowest part of the merge)."""

    def __init__(self, entities: Sequence[Entity]) -> None:
        self._items = sorted(entities, key=lambda e: e.start)
        self._starts = [e.start for e in self._items]
        self._max_end: list[int] = []
        for e in self._items:
            self._max_end.append(max(e.end, self._max_end[-1]) if self._max_end else e.end)

    def __call__(self, span: Entity) -> list[Entity]:
        out: list[Entity] = []
        j = bisect.bisect_left(self._starts, span.end) - 1
        while j >= 0 and self._max_end[j] > span.start:
            if self._items[j].end > span.start:
                out.append(self._items[j])
            j -= 1
        return out


def redact_text(text: str, entities: Sequence[Entity]) -> str:
    """``text`` with every entity replaced by ``<TYPE>``; overlapping spans become one
    placeholder named after the highest-scoring entity of the group."""
    groups: list[list[Entity]] = []
    for ent in sorted(entities, key=lambda e: (e.start, e.end)):
        if groups and ent.start < max(e.end for e in groups[-1]):
            groups[-1].append(ent)
        else:
            groups.append([ent])
    parts: list[str] = []
    pos = 0
    for group in groups:
        start = min(e.start for e in group)
        end = max(e.end for e in group)
        label = max(group, key=lambda e: e.score).type.value
        parts.append(text[pos:start])
        parts.append(f"<{label}>")
        pos = end
    parts.append(text[pos:])
    return "".join(parts)
