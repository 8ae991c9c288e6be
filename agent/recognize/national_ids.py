"""National identifiers: US SSN, UK NHS number, UK NINO, passport numbers."""

from __future__ import annotations

from agent.domain import EntityType
from agent.recognize.checksums import nhs_valid, nino_valid, ssn_valid
from agent.recognize.contact import PHONE_CONTEXT
from agent.recognize.pattern import Pattern, PatternRecognizer, variants
from agent.recognize.payment_ids import REFERENCE_NUMBER_WORDS

_L, _R = r"(?=\d)(?<![\w\-./])", r"(?![\w\-]|[./]\d)"


def _ssn_check(value: str) -> bool | None:
    # issuing rules, not a check digit: an invalid SSN is dropped, a valid one is not
    # "validated" (it proves little), so it keeps its pattern score
    return None if ssn_valid(value) else False


def us_ssn() -> PatternRecognizer:
    return PatternRecognizer(
        "us_ssn",
        EntityType.US_SSN,
        [
            variants("ssn", [
                ("dashed", rf"\d{{3}}-\d{{2}}-\d{{4}}{_R}", 0.5),
                ("spaced", rf"\d{{3}}(?P<sep>[ .])\d{{2}}(?P=sep)\d{{4}}{_R}", 0.3),
                ("plain", rf"\d{{9}}{_R}", 0.2),
            ], prefix=_L),
        ],
        context=(
            "ssn", "social security", "social security number", "social security no",
            "social sec", "ss#", "ss #", "ssn#", "taxpayer id", "tin", "national id",
        ),
        negative_context=(*REFERENCE_NUMBER_WORDS, *PHONE_CONTEXT, "routing", "aba"),
        context_boost=0.4,
        numeric=True,
        min_digits=9,
        validator=_ssn_check,
    )  # fmt: skip


def uk_nhs() -> PatternRecognizer:
    return PatternRecognizer(
        "uk_nhs",
        EntityType.UK_NHS,
        [
            variants("nhs number", [
                # a line break may stand for a separator: "886 613\n2292"
                ("grouped", rf"\d{{3}}(?:[ \-]|\r?\n)\d{{3}}(?:[ \-]|\r?\n)\d{{4}}{_R}", 0.3),
                ("plain", rf"\d{{10}}{_R}", 0.2),
            ], prefix=_L),
        ],
        context=NHS_CONTEXT,
        negative_context=(*REFERENCE_NUMBER_WORDS, *PHONE_CONTEXT),
        numeric=True,
        min_digits=10,
        validator=nhs_valid,
        # mod 11 rejects 10 of 11 lookalikes, not all: context lifts it to 1.0
        validated_score=0.8,
    )  # fmt: skip


NHS_CONTEXT = (
    "nhs", "nhs number", "nhs no", "nhs num", "nhs id", "nhs#", "n.h.s", "n.h.s.",
    "n.h.s. number", "national health service", "health service number",
    "health service no", "chi number", "patient", "hcn", "health and care number",
)  # fmt: skip


def uk_nhs_loose() -> PatternRecognizer:
    """An NHS number written in any grouping after an NHS cue: "94 34 76 59 19",
    "9434 765 919", "943.476.5919", double spaces. Without the cue such a shape is a
    phone number as often as not, so the cue is required here."""
    return PatternRecognizer(
        "uk_nhs_loose",
        EntityType.UK_NHS,
        [
            Pattern(
                "nhs number, any grouping",
                rf"{_L}\d(?:(?:[ .\-]{{1,2}}|\r?\n)?\d){{9}}{_R}",
                0.3,
            )
        ],
        context=NHS_CONTEXT,
        negative_context=(*REFERENCE_NUMBER_WORDS, *PHONE_CONTEXT),
        context_required=True,
        context_window=30,
        validator=nhs_valid,
        validated_score=0.8,
    )  # fmt: skip


def _nino_check(value: str) -> bool | None:
    return None if nino_valid(value) else False


def uk_nino() -> PatternRecognizer:
    return PatternRecognizer(
        "uk_nino",
        EntityType.UK_NINO,
        [
            Pattern(
                "nino",
                r"(?<![\w\-])[A-Z]{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D](?![\w\-])",
                0.6,
            )
        ],
        context=(
            "nino", "national insurance", "national insurance number", "ni number", "ni no",
            "insurance number",
        ),
        numeric=True,
        min_digits=6,
        needs=r"[A-Z]",
        validator=_nino_check,
    )  # fmt: skip


# 6-9 upper-case letters and digits with at least three digits (US/UK 9 digits, DE
# C01X00T47, FR 12AB34567, ES PAA123456, IT YA1234567, NL NXC8L4R71), or the German
# alphabet without vowels, which may have no digit at all (PNCVMFHL8, GWPRWGKXZ)
# (an MRZ-style number may carry its country: 665059986GBR)
_DOCUMENT_NUMBER = (
    r"(?<![\w\-])(?=(?:[A-Z]*\d){3})[A-Z0-9]{6,9}(?:[A-Z]{3}(?=[^A-Za-z0-9]|$))?(?![\w\-])"
)
_GERMAN_DOCUMENT_NUMBER = r"(?<![\w\-])[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}(?![\w\-])"


def passport() -> PatternRecognizer:
    return PatternRecognizer(
        "passport",
        EntityType.PASSPORT_NUMBER,
        [
            Pattern("passport number", _DOCUMENT_NUMBER, 0.55),
            Pattern("german passport number", _GERMAN_DOCUMENT_NUMBER, 0.55),
        ],
        context=(
            "passport", "passport no", "passport number", "passport #", "travel document",
            "reisepass", "reisepassnummer", "passnummer", "pass-nr", "passeport",
            "numéro de passeport", "pasaporte", "número de pasaporte", "passaporto",
            "paspoort", "paspoortnummer",
        ),
        context_required=True,
        no_digits_between=True,
    )  # fmt: skip


def _identity_number(value: str) -> bool | None:
    # letters required; a valid NINO in a "national id" column is a NINO
    if not any(c.isalpha() for c in value) or nino_valid(value):
        return False
    return None


def national_id() -> PatternRecognizer:
    """Identity-card and national-ID numbers (reported as PASSPORT_NUMBER, the SPEC's
    identity-document type). Letters are required: an all-digit "national id" is a US
    SSN or a tax number, which other recognizers judge."""
    return PatternRecognizer(
        "national_id",
        EntityType.PASSPORT_NUMBER,
        [
            Pattern("identity document number", _DOCUMENT_NUMBER, 0.55),
            Pattern("german identity card number", _GERMAN_DOCUMENT_NUMBER, 0.55),
        ],
        context=(
            "national id", "national id number", "national identity number", "id card",
            "identity card", "identity document", "id document", "id doc", "id no",
            "document number", "document no", "ausweisdokument", "documento",
            "pièce d'identité", "documento d'identità",
            # an alphanumeric value under "SSN" is a national ID, not a US SSN
            "ssn", "social security number", "carte d'identité", "carte nationale",
            "cni", "personalausweis", "ausweis", "ausweisnummer", "dni", "documento de identidad",
            "carta d'identità", "carta di identità", "identiteitskaart", "id-kaart",
        ),
        context_required=True,
        no_digits_between=True,
        validator=_identity_number,
    )  # fmt: skip
