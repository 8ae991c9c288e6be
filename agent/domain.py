"""The agent's domain vocabulary: entity types, section categories, spans and sections.

Every pipeline stage speaks these types; none of them imports protobuf. Offsets are
Python ``str`` indices (code points) into the document text, end exclusive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the policy stage's vocabulary, named by the result types below
    from agent.policy.base import Decision, Destination


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
    """A validated request, as the pipeline sees it (converted from protobuf).

    ``caller_request_id`` is the caller's own correlation id (validated, possibly empty):
    it stays on this machine, and the audit log holds only its keyed digest."""

    tenant: str
    document_id: str
    source_jurisdiction: str
    text: str
    sections: tuple[Section, ...] = field(default=())
    caller: str = ""
    caller_request_id: str = ""


@dataclass(frozen=True, slots=True)
class Task:
    """What the caller asks the cloud models to do. ``mode`` and ``resolution`` are the
    wire enums' names (``FUSION``, ``MAJORITY_VOTE``; ``RESOLUTION_UNSPECIFIED`` = the
    mode's default), validated on the way in."""

    instruction: str
    mode: str
    resolution: str = "RESOLUTION_UNSPECIFIED"
    max_output_tokens: int = 0


class UnitKind(StrEnum):
    SECTION = "section"
    INSTRUCTION = "instruction"


@dataclass(frozen=True, slots=True)
class Unit:
    """A governed unit: detected, classified, decided, redacted and re-checked as one,
    and the only kind of caller text that may leave.

    A section's ``text`` is its heading line followed by its body: the heading is put in
    front of the body when the body does not already open with it (caller-given sections,
    and the later parts of a long section), so a heading is never sent ungoverned. The
    task instruction is a unit of its own (``section`` is None). ``body_offset`` is where
    ``section.text`` starts inside ``text``."""

    kind: UnitKind
    index: int
    text: str
    section: Section | None = None
    body_offset: int = 0

    @classmethod
    def of_section(cls, section: Section) -> Unit:
        heading = section.heading.strip()
        if not heading or section.text.lstrip().lstrip("#").lstrip().startswith(heading):
            return cls(UnitKind.SECTION, section.index, section.text, section, 0)
        prefix = heading + "\n\n"
        return cls(UnitKind.SECTION, section.index, prefix + section.text, section, len(prefix))

    @classmethod
    def of_instruction(cls, instruction: str) -> Unit:
        return cls(UnitKind.INSTRUCTION, 0, instruction)


class Status(StrEnum):
    """What happened to one unit, as the caller sees it."""

    SENT = "SENT"
    # Left for the cloud tier, but no answer came back (timeout, refusal, broken response):
    # the bytes may have been seen, so the caller is not told that nothing was sent.
    SENT_NO_ANSWER = "SENT_NO_ANSWER"
    WITHHELD_POLICY = "WITHHELD_POLICY"
    WITHHELD_REVIEW = "WITHHELD_REVIEW"
    WITHHELD_EGRESS = "WITHHELD_EGRESS"
    WITHHELD_NO_DESTINATION = "WITHHELD_NO_DESTINATION"
    WITHHELD_NO_CLOUD = "WITHHELD_NO_CLOUD"
    # The instruction may not leave, so nothing of the request does.
    WITHHELD_INSTRUCTION = "WITHHELD_INSTRUCTION"
    # The cloud tier was not reached (circuit open, connection refused): nothing left.
    WITHHELD_CLOUD_UNAVAILABLE = "WITHHELD_CLOUD_UNAVAILABLE"

    @property
    def left(self) -> bool:
        return self in (Status.SENT, Status.SENT_NO_ANSWER)


class RouteStatus(StrEnum):
    COMPLETE = "COMPLETE"  # every section was sent and answered
    PARTIAL = "PARTIAL"  # some sections were sent
    LOCAL_ONLY = "LOCAL_ONLY"  # nothing was sent


@dataclass(frozen=True, slots=True)
class UnitOutcome:
    """One unit's decision and fate. ``destinations`` are every destination the cloud
    tier called with it (empty unless it left); ``audit_ids`` the entries naming it."""

    unit: Unit
    analysis: SectionAnalysis
    decision: Decision | None  # None: the policy could not be evaluated (kept local)
    status: Status
    reason: str
    destinations: tuple[Destination, ...] = ()
    redacted_types: Mapping[str, int] = field(default_factory=dict)
    bytes_sent: int = 0
    sent_text: str = ""  # the redacted text that left; in memory only, never logged
    audit_ids: tuple[int, ...] = ()
    review_id: str = ""  # set when the section waits in the review queue

    @property
    def action(self) -> str:
        return self.decision.action.value if self.decision else "local_only"

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return self.decision.rule_ids if self.decision else ("policy-error",)


@dataclass(frozen=True, slots=True)
class ModelCallRecord:
    """One model call the cloud tier made, as it reported it (outputs re-identified)."""

    provider: str
    model: str
    role: str
    output: str
    confidence: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    cost_usd: float = 0.0
    error: str = ""
    round: int = 0
    destination: str = ""


@dataclass(frozen=True, slots=True)
class CloudAnswer:
    """The cloud tier's answer, decoded (no protobuf past the escalate stage)."""

    answer: str
    calls: tuple[ModelCallRecord, ...]
    agreement: float
    strategy: str
    needs_review: bool
    disagreement: str
    injection_findings: tuple[str, ...]
    digest_input: bytes  # the response exactly as received, for the audit digest


@dataclass(frozen=True, slots=True)
class AnalyzeResult:
    request_id: str
    document_id: str
    units: tuple[Unit, ...]
    analyses: tuple[SectionAnalysis, ...]
    model_versions: tuple[str, ...]
    audit_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RouteResult:
    request_id: str
    document_id: str
    policy_version: str
    status: RouteStatus
    answer: str
    sections: tuple[UnitOutcome, ...]
    instruction: UnitOutcome
    cloud: CloudAnswer | None
    audit_ids: tuple[int, ...]
