"""The review workflow on real parts: a real SQLite queue (sealed), the real audit log,
the real default policy and vault. The sender is the small explicit test implementation
in tests/fakes/review_sender.py (the real one, the pipeline's, is tested in
tests/unit/pipeline)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.audit import AuditConfig, AuditLog
from agent.auth import CLIENT, REVIEWER, Identity
from agent.domain import Category, Entity, EntityType, Section, SectionAnalysis, Task
from agent.policy import PolicyEngine
from agent.policy.base import Action, SectionFacts
from agent.review import (
    NotApprovable,
    PreviewChanged,
    ReviewDesk,
    ReviewNotFound,
    ReviewQueue,
    ReviewState,
    ReviewSubmission,
)
from agent.vault import Vault
from bastion.crypto import IntegrityError
from bastion.errors import InvalidInput, PermissionDenied
from tests.fakes.review_sender import RecordingSender

ROOT = Path(__file__).resolve().parents[3]
POLICY = ROOT / "policies" / "default.yaml"
KEY = bytes(range(32))
TEXT = (
    "Performance review: Jane Holloway missed targets in Q3; HR proposes a written warning "
    "and a salary freeze. Contact jane.holloway@northbank.co.uk."
)
REVIEWER_ID = Identity("reviewer-token:northbank:abc", "northbank", frozenset({REVIEWER}))
CLIENT_ID = Identity("token:northbank:def", "northbank", frozenset({CLIENT}))


def _entities() -> tuple[Entity, ...]:
    name = TEXT.index("Jane Holloway")
    email = TEXT.index("jane.holloway@")
    end = TEXT.index(".uk") + 3
    return (
        Entity(EntityType.PERSON, name, name + len("Jane Holloway"), 0.9),
        Entity(EntityType.EMAIL_ADDRESS, email, end, 0.99),
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        self.now += 0.5
        return self.now


@dataclass
class Desk:
    desk: ReviewDesk
    audit: AuditLog
    sender: RecordingSender
    queue_path: Path
    policy: list[PolicyEngine]

    def audit_entries(self) -> list[dict[str, object]]:
        conn = sqlite3.connect(self.audit.config.db_path)
        rows = conn.execute("SELECT leaf FROM entries ORDER BY id").fetchall()
        conn.close()
        return [json.loads(r[0]) for r in rows]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    clock = Clock()
    audit = AuditLog.open(
        AuditConfig(tmp_path / "audit.db", tmp_path / "audit.key", tmp_path / "witness.jsonl"),
        clock=clock,
    )
    policy = [PolicyEngine.load(POLICY)]
    sender = RecordingSender(audit, clock=clock)
    d = ReviewDesk(
        ReviewQueue(tmp_path / "review.db", KEY, clock),
        audit,
        lambda: policy[0],
        Vault.open(tmp_path / "vault", KEY, clock=clock),
        b"h" * 32,
        sender,
        clock,
    )
    yield Desk(d, audit, sender, tmp_path / "review.db", policy)
    audit.close()


def _submission(policy: PolicyEngine, tenant: str = "northbank") -> ReviewSubmission:
    analysis = SectionAnalysis(Category.HR, {Category.HR: 0.93}, _entities(), "m@1")
    facts = SectionFacts(tenant, "UK", Category.HR, analysis.entity_types())
    decision = policy.decide(facts)
    assert decision.action is Action.REVIEW
    return ReviewSubmission(
        tenant=tenant,
        request_id="req-0001",
        document_id="hr-file-jane",
        source_jurisdiction="UK",
        caller="token:northbank:def",
        section=Section(2, "Performance", 100, 100 + len(TEXT), TEXT),
        analysis=analysis,
        decision=decision,
        task=Task("Summarise the HR case.", "FUSION", "RESOLUTION_UNSPECIFIED", 256),
    )


async def test_enqueue_seals_the_text_and_audits_the_hold(desk: Desk) -> None:
    item_id = await desk.desk.enqueue(_submission(desk.policy[0]))
    stored = b"".join(p.read_bytes() for p in desk.queue_path.parent.glob("review.db*"))
    for value in ("Jane Holloway", "salary freeze", "jane.holloway", "hr-file-jane", "Summarise"):
        assert value.encode() not in stored
    [entry] = [e for e in desk.audit_entries() if e["kind"] == "review"]
    assert (entry["action"], entry["status"], entry["rule_ids"]) == (
        "enqueue",
        "PENDING",
        ["hr-needs-review"],
    )
    assert item_id in str(entry["decision_id"])
    assert [i.id for i in desk.desk.list(REVIEWER_ID, None)] == [item_id]


async def test_the_preview_is_redacted_and_names_a_zero_retention_destination(desk: Desk) -> None:
    item_id = await desk.desk.enqueue(_submission(desk.policy[0]))
    view = desk.desk.view(REVIEWER_ID, "northbank", item_id)
    assert view.release is not None and view.current_action == "review"
    preview = view.release.outbound_text
    assert "Jane Holloway" not in preview and "jane.holloway" not in preview
    assert "<PERSON_1>" in preview and "salary freeze" in preview
    names = [d.name for d in view.release.destinations]
    assert names == ["eu-azure-openai-weu", "uk-azure-openai-south"]  # both zero-retention
    assert "hr-after-review" in view.release.decision.rule_ids


async def test_approval_sends_exactly_the_previewed_bytes_and_audits_who_and_what(
    desk: Desk,
) -> None:
    item_id = await desk.desk.enqueue(_submission(desk.policy[0]))
    view = desk.desk.view(REVIEWER_ID, "northbank", item_id)
    assert view.release is not None
    item = await desk.desk.decide(
        REVIEWER_ID,
        "northbank",
        item_id,
        approve=True,
        reviewer="alice",
        preview_sha256=view.release.sent_sha256,
    )
    assert item.state is ReviewState.SENT
    assert desk.sender.sent == [("eu-azure-openai-weu", view.release.outbound_text.encode())]
    approve = next(e for e in desk.audit_entries() if e["action"] == "approve")
    assert approve["status"] == "APPROVED"
    assert approve["sent_sha256"] == desk.audit.digest(view.release.outbound_text)  # keyed
    assert approve["sent_sha256"] != view.release.sent_sha256  # not the plain hash
    assert "reviewer=alice" in str(approve["caller"])
    assert approve["rule_ids"] == ["hr-needs-review", "hr-after-review"]
    assert approve["destination"]["name"] == "eu-azure-openai-weu"  # type: ignore[index]
    # The caller fetches the answer, re-identified locally.
    result = desk.desk.result(CLIENT_ID, "northbank", item_id)
    assert result.outcome is not None and "Jane Holloway" in result.outcome.answer
    # The audit log never holds the text, the names or the answer.
    stored = b"".join(p.read_bytes() for p in desk.audit.config.db_path.parent.glob("audit.db*"))
    assert b"Jane Holloway" not in stored and b"salary freeze" not in stored


async def test_a_policy_that_no_longer_says_review_cannot_be_overridden(desk: Desk) -> None:
    item_id = await desk.desk.enqueue(_submission(desk.policy[0]))
    view = desk.desk.view(REVIEWER_ID, "northbank", item_id)
    assert view.release is not None
    text = POLICY.read_text().replace(
        "    action: review\n", "    action: local_only\n"
    )  # the HR rule now keeps HR local
    desk.policy[0] = PolicyEngine.from_text(text)
    with pytest.raises(NotApprovable, match="decides local_only"):
        await desk.desk.decide(
            REVIEWER_ID,
            "northbank",
            item_id,
            approve=True,
            reviewer="alice",
            preview_sha256=view.release.sent_sha256,
        )
    assert desk.sender.sent == []
    assert desk.desk.queue.get("northbank", item_id).state is ReviewState.PENDING
    refused = next(e for e in desk.audit_entries() if e["status"] == "REFUSED")
    assert refused["action"] == "approve"
    assert desk.desk.view(REVIEWER_ID, "northbank", item_id).release is None


async def test_an_approval_of_a_stale_preview_is_refused(desk: Desk) -> None:
    item_id = await desk.desk.enqueue(_submission(desk.policy[0]))
    with pytest.raises(PreviewChanged):
        await desk.desk.decide(
            REVIEWER_ID,
            "northbank",
            item_id,
            approve=True,
            reviewer="alice",
            preview_sha256="0" * 64,
        )
    assert desk.sender.sent == []


async def test_deny_keeps_it_local_with_a_reason_code_and_seals_the_note(desk: Desk) -> None:
    item_id = await desk.desk.enqueue(_submission(desk.policy[0]))
    item = await desk.desk.decide(
        REVIEWER_ID,
        "northbank",
        item_id,
        approve=False,
        reviewer="bob",
        deny_reason="personal_data",
        note="Names the employee's disciplinary record",
    )
    assert (item.state, item.deny_reason) == (ReviewState.DENIED, "personal_data")
    assert desk.desk.queue.get("northbank", item_id).note.startswith("Names the employee")
    deny = next(e for e in desk.audit_entries() if e["action"] == "deny")
    assert deny["reason"] == "kept local by a reviewer: personal_data"
    stored = b"".join(p.read_bytes() for p in desk.queue_path.parent.glob("*.db*"))
    assert b"disciplinary" not in stored
    with pytest.raises(InvalidInput, match="already denied"):
        await desk.desk.decide(
            REVIEWER_ID, "northbank", item_id, approve=False, reviewer="bob", deny_reason="other"
        )


async def test_only_a_reviewer_of_that_tenant_may_see_or_decide(desk: Desk) -> None:
    item_id = await desk.desk.enqueue(_submission(desk.policy[0]))
    other = Identity("reviewer-token:acme-law:x", "acme-law", frozenset({REVIEWER}))
    for identity in (other, CLIENT_ID):
        with pytest.raises(PermissionDenied):
            desk.desk.view(identity, "northbank", item_id)
        with pytest.raises(PermissionDenied):
            await desk.desk.decide(
                identity, "northbank", item_id, approve=False, reviewer="x", deny_reason="other"
            )
    with pytest.raises(PermissionDenied):
        desk.desk.result(REVIEWER_ID, "northbank", item_id)
    with pytest.raises(ReviewNotFound):
        desk.desk.view(REVIEWER_ID, "northbank", "0" * 24)
    with pytest.raises(PermissionDenied):
        desk.desk.list(other, "northbank")


async def test_a_sealed_row_moved_to_another_tenant_does_not_open(desk: Desk) -> None:
    item_id = await desk.desk.enqueue(_submission(desk.policy[0]))
    conn = sqlite3.connect(desk.queue_path, isolation_level=None)
    conn.execute("UPDATE items SET tenant = 'acme-law' WHERE id = ?", (item_id,))
    conn.close()
    with pytest.raises(IntegrityError):
        desk.desk.queue.get("acme-law", item_id)


async def test_an_egress_hit_withholds_the_approved_section(desk: Desk) -> None:
    sub = _submission(desk.policy[0])
    leaky = sub.section.text + " Card 4111 1111 1111 1111."
    sub = ReviewSubmission(
        sub.tenant,
        sub.request_id,
        sub.document_id,
        sub.source_jurisdiction,
        sub.caller,
        Section(2, "Performance", 0, len(leaky), leaky),
        sub.analysis,  # the detector missed the card: the egress re-check must not
        sub.decision,
        sub.task,
    )
    item_id = await desk.desk.enqueue(sub)
    view = desk.desk.view(REVIEWER_ID, "northbank", item_id)
    assert view.release is not None
    item = await desk.desk.decide(
        REVIEWER_ID,
        "northbank",
        item_id,
        approve=True,
        reviewer="alice",
        preview_sha256=view.release.sent_sha256,
    )
    assert item.state is ReviewState.WITHHELD
    assert item.outcome is not None and item.outcome.status == "WITHHELD_EGRESS"
    assert desk.sender.sent == []


async def test_only_the_requesting_caller_fetches_the_answer(desk: Desk) -> None:
    item_id = await desk.desk.enqueue(_submission(desk.policy[0]))
    other_client = Identity("token:northbank:zzz", "northbank", frozenset({CLIENT}))
    with pytest.raises(PermissionDenied, match="only the caller"):
        desk.desk.result(other_client, "northbank", item_id)
    assert desk.desk.result(CLIENT_ID, "northbank", item_id).state is ReviewState.PENDING


async def test_an_enqueue_the_audit_log_refuses_leaves_nothing_to_approve(
    desk: Desk, tmp_path: Path
) -> None:
    desk.audit.close()  # appends now fail: the queue must not keep an unaudited item
    with pytest.raises(Exception, match="closed"):
        await desk.desk.enqueue(_submission(desk.policy[0]))
    assert desk.desk.queue.list(None) == []
