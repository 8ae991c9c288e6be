"""The agent's domain vocabulary: entity types, section categories, spans and sections.

Every pipeline stage speaks these types; none of them imports protobuf. Offsets are
Python ``str`` indices (code points) into the document text, end exclusive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class EntityType(StrEnum):
    PERSON = "PERSON"
    ORGANIZATION = "ORGANIZATION"
    LOCATION = "LOCATION"
    EMAIL_ADDRESS = "EMAIL_ADDRESS"
    PHONE_NUMBER = "PHONE_NUMBER"
    CREDIT_CARD = "CREDIT_CARD"
    IBAN_CODE = "IBAN_CODE"
    US_SSN = "US_SSN"
    UK_NHS = "UK_NHS"
    UK_NINO = "UK_NINO"
    IP_ADDRESS = "IP_ADDRESS"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    MEDICAL_RECORD_NUMBER = "MEDICAL_RECORD_NUMBER"
    PASSPORT_NUMBER = "PASSPORT_NUMBER"
    SECRET = "SECRET"  # noqa: S105 - an entity type name, not a credential


class Category(StrEnum):
    """Section categories, declared from least to most sensitive."""

    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    FINANCIAL_PERSONAL = "financial_personal"
    HR = "hr"
    HEALTH = "health"
    PRIVILEGED = "privileged"

    @property
    def sensitivity(self) -> int:
        return _SENSITIVITY[self]


_SENSITIVITY = {c: rank for rank, c in enumerate(Category)}


@dataclass(frozen=True, slots=True)
class Entity:
    """A detected span. ``source`` names the recognizer or model that found it."""

    type: EntityType
    start: int
    end: int
    score: float
    source: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def overlaps(self, other: Entity) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Section:
    """A contiguous part of a document; ``text`` is ``document[start:end]``."""

    index: int
    heading: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class SectionAnalysis:
    """What the local detection engine found in one section (offsets local to it)."""

    category: Category
    category_scores: Mapping[Category, float]
    entities: tuple[Entity, ...]
    model_version: str = ""

    def entity_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.entities:
            counts[e.type.value] = counts.get(e.type.value, 0) + 1
        return counts

    def entity_types(self) -> frozenset[EntityType]:
        return frozenset(e.type for e in self.entities)


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    """A validated request, as the pipeline sees it (converted from protobuf)."""

    tenant: str
    document_id: str
    source_jurisdiction: str
    text: str
    sections: tuple[Section, ...] = field(default=())
    caller: str = ""
    request_id: str = ""
