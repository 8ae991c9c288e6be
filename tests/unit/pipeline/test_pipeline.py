"""The pipeline core with fakes for its two neighbours that cannot be real here cheaply:
the detection engine (a table of values and marker words, so each test says exactly what
was "detected") and the cloud client (records the exact bytes it is handed). Everything
else is real: the policy engine, the vault, the egress checker, the audit log (SQLite).

Every ``Status`` a unit can end in is driven here, and the order "audited, then sent".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest

from agent.audit import AuditConfig, AuditEntry, AuditLog
from agent.domain import (
    Category,
    CloudAnswer,
    DocumentRequest,
    Entity,
    EntityType,
    ModelCallRecord,
    RouteStatus,
    Section,
    SectionAnalysis,
    Status,
    Task,
)
from agent.egress import EgressChecker
from agent.escalate import CloudNoAnswer, CloudUnavailable
from agent.pipeline import Pipeline
from agent.policy import PolicyEngine
from agent.policy.base import SectionFacts
from agent.vault import Vault
from bastion.errors import PolicyError
from bastion.wire.v1 import cloud_pb2

POLICY = """
schema_version: 1
name: pipeline-test
settings:
  always_forbidden: [CREDIT_CARD]
destinations:
  - {name: eu-a, provider: pa, region: r1, jurisdiction: EU, attributes: [zero_retention]}
  - {name: eu-b, provider: pb, region: r2, jurisdiction: EU}
tenants:
  - {name: acme, jurisdictions: [EU], destinations: [eu-a, eu-b]}
rules:
  - id: everyday
    match: {categories: [public, internal]}
    action: redact
    redaction: {PERSON: pseudonymise, EMAIL_ADDRESS: pseudonymise}
    destinations: ["*"]
  - id: deals
    match: {categories: [confidential]}
    action: redact
    redaction: {PERSON: pseudonymise}
    destinations: ["*"]
    require_attributes: [zero_retention]
  - id: health-b
    match: {categories: [health]}
    action: redact
    redaction: {PERSON: mask}
    destinations: [eu-b]
  - id: privileged-local
    match: {categories: [privileged]}
    action: local_only
  - id: hr-review
    match: {categories: [hr]}
    action: review
  - id: hr-after-review
    match: {categories: [hr]}
    action: redact
    redaction: {PERSON: pseudonymise}
    destinations: ["*"]
"""

# marker word -> the category the fake engine gives a text that contains it
MARKERS = {
    "diagnosis": Category.HEALTH,
    "counsel": Category.PRIVILEGED,
    "disciplinary": Category.HR,
    "merger": Category.CONFIDENTIAL,
}
VALUES = {
    "Jane Roe": EntityType.PERSON,
    "John Poe": EntityType.PERSON,
    "jane@example.com": EntityType.EMAIL_ADDRESS,
}


class FakeEngine:
    """Finds the values of ``VALUES`` (every occurrence) and one category per marker."""

    model_versions: ClassVar[list[str]] = ["fake@1"]

    def analyze(self, texts: Sequence[str]) -> list[SectionAnalysis]:
        out = []
        for text in texts:
            category = next((c for w, c in MARKERS.items() if w in text), Category.INTERNAL)
            entities = []
            for value, kind in VALUES.items():
                at = text.find(value)
                while at != -1:
                    entities.append(Entity(kind, at, at + len(value), 0.99, "fake"))
                    at = text.find(value, at + len(value))
            out.append(SectionAnalysis(category, {category: 0.9}, tuple(entities), "fake@1"))
        return out


@dataclass
class FakeCloud:
    """Records each payload; checks that the SENDING entry is durable before it is sent."""

    audit_db: Path
    fail_with: Exception | None = None
    reply: str = ""
    called: str = ""  # destinations the tier reports, comma-separated (default: last allowed)
    payloads: list[bytes] = field(default_factory=list)
    closed: bool = False

    async def orchestrate(
        self, payload: bytes, *, deadline_s: float | None, request_id: str
    ) -> CloudAnswer:
        with sqlite3.connect(self.audit_db) as db:
            leaves = [
                AuditEntry.from_canonical(r[0]) for r in db.execute("SELECT leaf FROM entries")
            ]
        sending = [e for e in leaves if e.kind == "cloud_call" and e.status == "SENDING"]
        assert sending and sending[-1].request_id == request_id, "sent before it was audited"
        assert sending[-1].bytes_sent == len(payload)
        self.payloads.append(payload)
        if self.fail_with is not None:
            raise self.fail_with
        sent = cloud_pb2.OrchestrateRequest.FromString(payload)
        answer = self.reply or " | ".join(s.text for s in sent.sections)
        called = (self.called or sent.allowed_destinations[-1].name).split(",")
        return CloudAnswer(
            answer=answer,
            calls=tuple(
                ModelCallRecord("p", "m", "panelist", answer, destination=d) for d in called
            ),
            agreement=1.0,
            strategy="MAJORITY_VOTE",
            needs_review=False,
            disagreement="",
            injection_findings=(),
            digest_input=b"response",
        )

    async def close(self) -> None:
        self.closed = True


class BrokenPolicy(PolicyEngine):
    """The real engine, failing for one category (a policy bug seen at run time)."""

    def decide(self, facts: SectionFacts):  # type: ignore[no-untyped-def]
        if facts.category is Category.CONFIDENTIAL:
            raise PolicyError("rule evaluation failed")
        return super().decide(facts)


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    log = AuditLog.open(
        AuditConfig(tmp_path / "audit.db", tmp_path / "audit.key", tmp_path / "witness.jsonl")
    )
    yield log
    log.close()


def make(
    tmp_path: Path,
    audit: AuditLog,
    *,
    cloud: FakeCloud | str | None = "default",
    policy: PolicyEngine | None = None,
) -> tuple[Pipeline, FakeCloud | None]:
    fake = FakeCloud(tmp_path / "audit.db") if cloud == "default" else cloud
    assert not isinstance(fake, str)
    pipeline = Pipeline(
        engine=FakeEngine(),
        policy=policy or PolicyEngine.from_text(POLICY),
        vault=Vault.open(tmp_path / "vault", b"k" * 32),
        egress=EgressChecker(),
        audit=audit,
        cloud=fake,
        hash_key=b"h" * 32,
        new_request_id=iter(f"req-{n:04d}" for n in range(1000)).__next__,
    )
    return pipeline, fake


def sections(*parts: tuple[str, str]) -> DocumentRequest:
    built, pos = [], 0
    for i, (heading, body) in enumerate(parts):
        built.append(Section(i, heading, pos, pos + len(body), body))
        pos += len(body)
    return DocumentRequest(
        tenant="acme",
        document_id="doc-1",
        source_jurisdiction="EU",
        text="".join(b for _, b in parts),
        sections=tuple(built),
        caller="test",
        caller_request_id="4111111111111111",  # a card number is a valid id by charset
    )


TASK = Task("Summarise the key points.", "FUSION")


def statuses(result: object) -> list[str]:
    return [o.status.value for o in result.sections]  # type: ignore[attr-defined]


def leaves(tmp_path: Path) -> list[AuditEntry]:
    with sqlite3.connect(tmp_path / "audit.db") as db:
        return [AuditEntry.from_canonical(r[0]) for r in db.execute("SELECT leaf FROM entries")]


async def test_sent_sections_are_pseudonymised_and_only_this_requests_placeholders_restored(
    tmp_path: Path, audit: AuditLog
) -> None:
    pipeline, cloud = make(tmp_path, audit)
    assert cloud is not None
    cloud.reply = "<PERSON_1> wrote; <PERSON_7> and <EMAIL_ADDRESS_3> are not ours"
    doc = sections(("Notes", "Jane Roe wrote to jane@example.com about the plan."))
    result = await pipeline.route(doc, TASK, request_id="req-minted")
    assert statuses(result) == ["SENT"]
    assert result.status is RouteStatus.COMPLETE
    assert result.instruction.status is Status.SENT
    [payload] = cloud.payloads
    assert b"Jane Roe" not in payload and b"jane@example.com" not in payload
    assert b"<PERSON_1>" in payload and b"<EMAIL_ADDRESS_1>" in payload
    assert result.answer == "Jane Roe wrote; <PERSON_7> and <EMAIL_ADDRESS_3> are not ours"
    assert result.sections[0].destinations[0].name == "eu-b"  # the tier reported eu-b
    assert result.sections[0].redacted_types == {"PERSON": 1, "EMAIL_ADDRESS": 1}


async def test_a_callers_placeholder_shaped_text_is_not_an_oracle(
    tmp_path: Path, audit: AuditLog
) -> None:
    """Another caller of the tenant sends only placeholders under the same document id."""
    pipeline, _cloud = make(tmp_path, audit)
    await pipeline.route(sections(("", "Jane Roe wrote to jane@example.com.")), TASK)
    probe = await pipeline.route(sections(("", "Who are <PERSON_1> (<EMAIL_ADDRESS_1>)?")), TASK)
    assert "Jane Roe" not in probe.answer and "jane@example.com" not in probe.answer
    assert "<PERSON_1>" in probe.answer


async def test_every_withheld_status_in_one_request(tmp_path: Path, audit: AuditLog) -> None:
    pipeline, cloud = make(tmp_path, audit)
    doc = sections(
        ("", "Everyday note by John Poe."),  # internal: all destinations
        ("", "The merger closes in May."),  # confidential: zero-retention eu-a only
        ("", "Advice of counsel on the claim."),  # privileged: local_only
        ("", "A disciplinary hearing is set."),  # hr: review
        ("", "The diagnosis is stable."),  # health: eu-b only, none shared with eu-a
    )
    result = await pipeline.route(doc, TASK)
    assert statuses(result) == [
        "SENT",
        "SENT",
        "WITHHELD_POLICY",
        "WITHHELD_REVIEW",
        "WITHHELD_NO_DESTINATION",
    ]
    assert result.status is RouteStatus.PARTIAL
    assert [d.name for d in result.sections[1].destinations] == ["eu-a"]
    sent = cloud_pb2.OrchestrateRequest.FromString(cloud.payloads[0])  # type: ignore[union-attr]
    assert [d.name for d in sent.allowed_destinations] == ["eu-a"]
    assert [s.index for s in sent.sections] == [0, 1]


async def test_no_cloud_tier_keeps_everything_local(tmp_path: Path, audit: AuditLog) -> None:
    pipeline, _ = make(tmp_path, audit, cloud=None)
    result = await pipeline.route(sections(("", "A note.")), TASK)
    assert statuses(result) == ["WITHHELD_NO_CLOUD"]
    assert result.status is RouteStatus.LOCAL_ONLY and result.answer == ""


async def test_an_instruction_the_policy_keeps_local_stops_the_whole_request(
    tmp_path: Path, audit: AuditLog
) -> None:
    pipeline, cloud = make(tmp_path, audit)
    task = Task("Draft the reply of counsel on the claim.", "FUSION")
    result = await pipeline.route(sections(("", "A note."), ("", "The merger.")), task)
    assert result.instruction.status is Status.WITHHELD_POLICY
    assert result.instruction.rule_ids == ("privileged-local",)
    assert statuses(result) == ["WITHHELD_INSTRUCTION", "WITHHELD_INSTRUCTION"]
    assert cloud is not None and cloud.payloads == []


async def test_the_instruction_is_pseudonymised_like_a_section(
    tmp_path: Path, audit: AuditLog
) -> None:
    pipeline, cloud = make(tmp_path, audit)
    task = Task("What did Jane Roe promise?", "FUSION")
    result = await pipeline.route(sections(("", "Jane Roe promised a refund.")), task)
    assert result.instruction.status is Status.SENT
    sent = cloud_pb2.OrchestrateRequest.FromString(cloud.payloads[0])  # type: ignore[union-attr]
    assert sent.task.instruction == "What did <PERSON_1> promise?"


async def test_a_heading_is_governed_with_its_body(tmp_path: Path, audit: AuditLog) -> None:
    pipeline, cloud = make(tmp_path, audit)
    result = await pipeline.route(sections(("Patient Jane Roe", "Neutral body text.")), TASK)
    assert statuses(result) == ["SENT"]
    [payload] = cloud.payloads  # type: ignore[union-attr]
    assert b"Jane Roe" not in payload
    sent = cloud_pb2.OrchestrateRequest.FromString(payload)
    assert sent.sections[0].heading == ""
    assert sent.sections[0].text.startswith("Patient <PERSON_1>\n\n")


async def test_a_value_detected_elsewhere_is_caught_by_the_egress_recheck(
    tmp_path: Path, audit: AuditLog
) -> None:
    pipeline, cloud = make(tmp_path, audit)
    doc = sections(
        ("", "Advice of counsel: Jane Roe may sue."),  # local; Jane Roe detected here
        ("", "Copy to JANE  ROE, please."),  # not detected by the engine in this form
        ("", "Plain note."),
    )
    result = await pipeline.route(doc, TASK)
    assert statuses(result) == ["WITHHELD_POLICY", "WITHHELD_EGRESS", "SENT"]
    [payload] = cloud.payloads  # type: ignore[union-attr]
    assert b"JANE" not in payload and b"Jane" not in payload
    kinds = [e.kind for e in leaves(tmp_path)]
    assert "egress_block" in kinds


async def test_a_card_number_cut_across_two_sections_stops_both(
    tmp_path: Path, audit: AuditLog
) -> None:
    pipeline, cloud = make(tmp_path, audit)
    doc = sections(("", "Refund to 41111111"), ("", "11111111 today."), ("", "Plain note."))
    result = await pipeline.route(doc, TASK)
    assert statuses(result) == ["WITHHELD_EGRESS", "WITHHELD_EGRESS", "SENT"]
    [payload] = cloud.payloads  # type: ignore[union-attr]
    assert b"41111111" not in payload and b"11111111" not in payload


async def test_a_policy_error_keeps_the_unit_local(tmp_path: Path, audit: AuditLog) -> None:
    broken = BrokenPolicy.from_text(POLICY)
    pipeline, _ = make(tmp_path, audit, policy=broken)
    result = await pipeline.route(sections(("", "The merger."), ("", "A note.")), TASK)
    assert statuses(result) == ["WITHHELD_POLICY", "SENT"]
    assert result.sections[0].reason.startswith("policy evaluation failed")
    assert result.sections[0].rule_ids == ("policy-error",)


@pytest.mark.parametrize(
    ("error", "status", "audited"),
    [
        (CloudUnavailable("no connection"), "WITHHELD_CLOUD_UNAVAILABLE", "NOT_SENT"),
        (CloudNoAnswer("deadline"), "SENT_NO_ANSWER", "SENT_NO_ANSWER"),
    ],
)
async def test_a_failed_send_is_answered_and_audited_truthfully(
    tmp_path: Path, audit: AuditLog, error: Exception, status: str, audited: str
) -> None:
    pipeline, cloud = make(tmp_path, audit)
    assert cloud is not None
    cloud.fail_with = error
    result = await pipeline.route(sections(("", "A note."), ("", "Advice of counsel.")), TASK)
    assert statuses(result) == [status, "WITHHELD_POLICY"]
    assert result.answer == ""
    failed = [e for e in leaves(tmp_path) if e.kind == "cloud_call" and e.status == audited]
    assert len(failed) == 1
    assert (failed[0].bytes_sent > 0) is (audited == "SENT_NO_ANSWER")
    expected = RouteStatus.PARTIAL if status == "SENT_NO_ANSWER" else RouteStatus.LOCAL_ONLY
    assert result.status is expected


async def test_every_decision_is_durable_before_the_send_and_the_answer_after(
    tmp_path: Path, audit: AuditLog
) -> None:
    pipeline, _cloud = make(tmp_path, audit)
    result = await pipeline.route(sections(("", "A note."), ("", "Advice of counsel.")), TASK)
    entries = leaves(tmp_path)
    kinds = [(e.kind, e.status) for e in entries]
    assert kinds == [
        ("section", "SENT"),
        ("section", "WITHHELD_POLICY"),
        ("instruction", "SENT"),
        ("cloud_call", "SENDING"),
        ("answer", "ANSWERED"),
        ("request", "PARTIAL"),
    ]
    assert len(result.audit_ids) == len(entries)
    assert [len(o.audit_ids) for o in result.sections] == [1, 1]
    assert len(result.instruction.audit_ids) == 1


async def test_only_the_minted_request_id_leaves_or_is_audited(
    tmp_path: Path, audit: AuditLog
) -> None:
    pipeline, cloud = make(tmp_path, audit)
    result = await pipeline.route(sections(("", "A note.")), TASK, request_id="minted-0001")
    assert result.request_id == "minted-0001"
    [payload] = cloud.payloads  # type: ignore[union-attr]
    assert cloud_pb2.OrchestrateRequest.FromString(payload).request_id == "minted-0001"
    assert b"4111111111111111" not in payload
    stored = (tmp_path / "audit.db").read_bytes()
    assert b"4111111111111111" not in stored
    entries = leaves(tmp_path)
    assert {e.request_id for e in entries} == {"minted-0001"}
    # the caller can still be correlated by whoever holds the log's digest key
    assert {e.caller_request_ref for e in entries} == {audit.digest("4111111111111111")}


async def test_audit_digests_are_keyed_so_a_short_text_cannot_be_guessed(
    tmp_path: Path, audit: AuditLog
) -> None:
    import hashlib

    pipeline, _ = make(tmp_path, audit)
    await pipeline.route(sections(("", "Yes.")), TASK)
    [section] = [e for e in leaves(tmp_path) if e.kind == "section"]
    assert section.section_sha256 == audit.digest("Yes.")
    assert section.section_sha256 != hashlib.sha256(b"Yes.").hexdigest()
    assert section.v == 2


async def test_an_unknown_tenant_is_refused_before_anything_happens(
    tmp_path: Path, audit: AuditLog
) -> None:
    from bastion.errors import InvalidInput

    pipeline, cloud = make(tmp_path, audit)
    doc = DocumentRequest("nobody", "d", "EU", "Hello.")
    with pytest.raises(InvalidInput, match="tenant is not configured"):
        await pipeline.route(doc, TASK)
    assert leaves(tmp_path) == [] and cloud.payloads == []  # type: ignore[union-attr]


async def test_analyze_records_counts_and_sends_nothing(tmp_path: Path, audit: AuditLog) -> None:
    pipeline, cloud = make(tmp_path, audit)
    result = await pipeline.analyze(sections(("Jane Roe", "Mail jane@example.com.")))
    [entry] = leaves(tmp_path)
    assert (entry.kind, entry.status) == ("request", "ANALYZED")
    assert dict(entry.entity_counts) == {"EMAIL_ADDRESS": 1, "PERSON": 1}
    assert result.units[0].text == "Jane Roe\n\nMail jane@example.com."
    assert cloud.payloads == []  # type: ignore[union-attr]


async def test_a_destination_the_tier_was_not_allowed_is_recorded_not_hidden(
    tmp_path: Path, audit: AuditLog
) -> None:
    pipeline, cloud = make(tmp_path, audit)
    assert cloud is not None
    cloud.called = "us-rogue"
    result = await pipeline.route(sections(("", "A note.")), TASK)
    assert [d.name for d in result.sections[0].destinations] == ["us-rogue"]
    [answer] = [e for e in leaves(tmp_path) if e.kind == "answer"]
    assert answer.destination is not None and answer.destination["name"] == "us-rogue"
    assert [d["name"] for d in answer.destinations] == ["us-rogue"]
    assert (
        pipeline.metrics.registry.get_sample_value(
            "bastion_agent_cloud_disallowed_destinations_total"
        )
        == 1.0
    )


async def test_a_review_section_is_held_then_sent_exactly_as_approved(
    tmp_path: Path, audit: AuditLog
) -> None:
    from agent.auth import REVIEWER, Identity
    from agent.pipeline.approved import ApprovedSectionSender
    from agent.review import ReviewDesk, ReviewQueue, ReviewState

    pipeline, cloud = make(tmp_path, audit)
    assert cloud is not None
    desk = ReviewDesk(
        ReviewQueue(tmp_path / "review.db", b"q" * 32, pipeline.clock),
        audit,
        lambda: pipeline.policy,
        pipeline.vault,
        pipeline.hash_key,
        ApprovedSectionSender(pipeline),
        pipeline.clock,
    )
    pipeline.review = desk
    cloud.reply = "<PERSON_1> needs a decision"
    doc = sections(("", "A note."), ("Case", "A disciplinary hearing for John Poe is set."))
    result = await pipeline.route(doc, Task("Summarise the key points.", "FUSION"))
    held = result.sections[1]
    assert held.status is Status.WITHHELD_REVIEW and held.review_id
    assert len(cloud.payloads) == 1 and b"disciplinary" not in cloud.payloads[0]

    reviewer = Identity("token:acme:r", "acme", frozenset({REVIEWER}))
    view = desk.view(reviewer, "acme", held.review_id)
    assert view.release is not None
    preview = view.release.outbound_text
    assert preview == "Case\n\nA disciplinary hearing for <PERSON_1> is set."
    item = await desk.decide(
        reviewer,
        "acme",
        held.review_id,
        approve=True,
        reviewer="rita",
        preview_sha256=view.release.sent_sha256,
    )
    assert item.state is ReviewState.SENT and item.outcome is not None
    assert item.outcome.answer == "John Poe needs a decision"
    sent = cloud_pb2.OrchestrateRequest.FromString(cloud.payloads[-1])
    assert [s.text for s in sent.sections] == [preview]
    assert sent.task.instruction == "Summarise the key points."
    assert b"John Poe" not in cloud.payloads[-1]
    kinds = [(e.kind, e.status) for e in leaves(tmp_path)][-5:]
    assert kinds == [
        ("review", "APPROVED"),
        ("section", "SENT"),
        ("instruction", "SENT"),
        ("cloud_call", "SENDING"),
        ("answer", "ANSWERED"),
    ]


async def test_every_destination_the_tier_called_is_in_the_response_and_the_log(
    tmp_path: Path, audit: AuditLog
) -> None:
    pipeline, cloud = make(tmp_path, audit)
    assert cloud is not None
    cloud.called = "eu-a,eu-b"
    result = await pipeline.route(sections(("", "A note.")), TASK)
    assert [d.name for d in result.sections[0].destinations] == ["eu-a", "eu-b"]
    [answer] = [e for e in leaves(tmp_path) if e.kind == "answer"]
    assert [d["name"] for d in answer.destinations] == ["eu-a", "eu-b"]
    [sending] = [e for e in leaves(tmp_path) if e.status == "SENDING"]
    assert [d["name"] for d in sending.destinations] == ["eu-a", "eu-b"]  # allowed ones
