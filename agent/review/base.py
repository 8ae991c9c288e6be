"""The review workflow's interface with the pipeline: read this first.

A section whose policy action is ``review`` stays local (status ``WITHHELD_REVIEW``) and
is handed to a ``ReviewSink``; a person with the reviewer role for that tenant sees it
locally with a preview of exactly what would leave and where, and approves or denies.
An approval is carried out by an ``ApprovedSender``, which the pipeline implements.

    pipeline (section action == review)
        -> await sink.enqueue(ReviewSubmission(...)) -> review id   (durable on return)
    reviewer (gRPC Review.Decide or the console)
        -> ReviewDesk.decide(...): re-decide with the policy in force now (only a
           ``review`` decision is approvable), redact (the reviewer's preview, byte for
           byte), audit the approval durably, then
        -> await sender.send_approved(item, release, reviewer) -> SendOutcome

Contract (MUST rules):

- ``ReviewSink.enqueue`` MUST NOT return before the submission is durably stored (the
  section text sealed at rest) and its ``review`` audit entry is durable.
- ``ApprovedSender.send_approved`` MUST send exactly ``release.outbound_text`` (the bytes
  the reviewer previewed, ``release.sent_sha256``) to one of ``release.destinations``, and
  nothing else of the document; MUST run the independent egress re-check over the exact
  payload bytes (``release.forbidden`` types, ``release.originals`` values) and not send
  on a hit (``WITHHELD_EGRESS``); MUST record the send (kind ``section`` with the
  destination and ``cloud_call``) durably *before* sending and the answer after; MUST
  save ``release.pseudonyms`` and re-identify the answer with them; MUST fail closed
  (``sent=False`` with a status and reason, never an exception carrying text).
- Nothing in a ``SendOutcome.reason`` or an exception may hold document text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from agent.domain import EntityType, Section, SectionAnalysis, Task
from agent.policy.base import Decision, Destination
from agent.vault import DocumentPseudonyms


class ReviewState(StrEnum):
    PENDING = "pending"  # waiting for a reviewer
    DECIDING = "deciding"  # claimed by one reviewer's approval (sending now)
    SENT = "sent"  # approved and sent; the answer waits for the caller
    WITHHELD = "withheld"  # approved, but the send was stopped (egress, no cloud, ...)
    DENIED = "denied"  # a reviewer kept it local


# Why a reviewer denied: a closed vocabulary, so the audit log never holds a reviewer's
# free text (a note, if any, is sealed in the queue with the section).
DENY_REASONS = (
    "personal_data",
    "privileged",
    "not_needed",
    "wrong_destination",
    "other",
)


@dataclass(frozen=True, slots=True)
class ReviewSubmission:
    """One section held for review, with everything needed to send it later."""

    tenant: str
    request_id: str
    document_id: str
    source_jurisdiction: str
    caller: str
    section: Section  # its text is the governed unit: heading and body, as decided
    analysis: SectionAnalysis
    decision: Decision  # the review decision (action review, its rule ids, policy version)
    task: Task  # the request's task, as validated (its instruction is governed again)


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What the pipeline's sender did with an approved section."""

    sent: bool
    status: str  # SENT, WITHHELD_EGRESS, WITHHELD_NO_CLOUD, WITHHELD_CLOUD_UNAVAILABLE, ...
    reason: str  # our words only
    destination: Destination | None = None
    bytes_sent: int = 0
    sent_sha256: str = ""
    answer: str = ""  # re-identified; kept sealed for the caller to fetch
    audit_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: str
    state: ReviewState
    created: float
    submission: ReviewSubmission
    decided: float | None = None
    reviewer: str = ""
    deny_reason: str = ""
    note: str = ""  # the reviewer's note (sealed at rest; never audited)
    outcome: SendOutcome | None = None


@dataclass(frozen=True)
class Release:
    """What an approval would send: the release decision and the exact outbound text."""

    decision: Decision  # allow or redact, with destinations (review rules set aside)
    outbound_text: str
    sent_sha256: str
    destinations: tuple[Destination, ...]
    redacted_types: dict[str, int]
    forbidden: frozenset[EntityType]  # what the egress re-check must not find
    # detected values with their types, for the egress re-check's known values
    originals: Sequence[tuple[EntityType, str]] = field(repr=False, default=())
    pseudonyms: DocumentPseudonyms | None = field(repr=False, default=None)
    issued: frozenset[str] = frozenset()  # the placeholders the redaction wrote


class ReviewSink(Protocol):
    """Where the pipeline hands a section whose action is ``review``."""

    async def enqueue(self, submission: ReviewSubmission) -> str: ...


class ApprovedSender(Protocol):
    """Carries out an approval (the pipeline implements it; see the module contract)."""

    async def send_approved(
        self, item: ReviewItem, release: Release, reviewer: str
    ) -> SendOutcome: ...
