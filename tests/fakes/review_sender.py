"""A small, explicit ``ApprovedSender`` for the review desk's own unit tests (the real one
is ``agent.pipeline.approved.ApprovedSectionSender``, tested in tests/unit/pipeline and
end to end in the browser test).

It does what the contract in ``agent/review/base.py`` asks, with real parts where it
matters: the real egress re-check on exactly the bytes that would leave, and durable
``section`` / ``cloud_call`` / ``answer`` entries in the real audit log before and after
the "send". The one stand-in is the destination: the payload is appended to ``sent`` and
the answer is canned (it quotes the outbound text back, so re-identification is
exercised).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from agent.audit import AuditEntry, AuditLog
from agent.egress import EgressChecker
from agent.review.base import Release, ReviewItem, SendOutcome


@dataclass
class RecordingSender:
    audit: AuditLog
    egress: EgressChecker = field(default_factory=EgressChecker)
    sent: list[tuple[str, bytes]] = field(default_factory=list)  # (destination, payload)
    clock: object = time.time

    async def send_approved(self, item: ReviewItem, release: Release, reviewer: str) -> SendOutcome:
        sub = item.submission
        payload = release.outbound_text.encode("utf-8")
        digest = hashlib.sha256(payload).hexdigest()
        if digest != release.sent_sha256:
            return SendOutcome(False, "WITHHELD_REVIEW_CHANGED", "outbound bytes changed")
        violations = self.egress.check(
            payload,
            release.forbidden,
            self.egress.known_values(list(release.originals)),
            issued_placeholders=release.issued,
        )
        dest = release.destinations[0]
        d = {
            "name": dest.name,
            "provider": dest.provider,
            "region": dest.region,
            "jurisdiction": dest.jurisdiction,
        }
        now = self.clock()  # type: ignore[operator]
        common = {
            "time": now,
            "request_id": sub.request_id,
            "tenant": sub.tenant,
            "caller": sub.caller,
            "policy_version": release.decision.policy_version,
            "section_index": sub.section.index,
        }
        if violations:
            await self.audit.append(
                [
                    AuditEntry(
                        kind="egress_block",
                        decision_id=f"review:{item.id}:egress",
                        action="review",
                        status="WITHHELD_EGRESS",
                        reason="egress re-check found forbidden content",
                        **common,  # type: ignore[arg-type]
                    )
                ]
            )
            return SendOutcome(False, "WITHHELD_EGRESS", "egress re-check found forbidden content")
        ids = await self.audit.append(
            [
                AuditEntry(
                    kind="section",
                    decision_id=f"review:{item.id}:section",
                    category=sub.analysis.category.value,
                    entity_counts=sub.analysis.entity_counts(),
                    rule_ids=list(release.decision.rule_ids),
                    action=release.decision.action.value,
                    destination=d,
                    bytes_sent=len(payload),
                    sent_sha256=digest,
                    status="SENT",
                    reason=f"approved by reviewer {reviewer}",
                    **common,  # type: ignore[arg-type]
                ),
                AuditEntry(
                    kind="cloud_call",
                    decision_id=f"review:{item.id}:cloud_call",
                    action="send",
                    destination=d,
                    bytes_sent=len(payload),
                    sent_sha256=digest,
                    status="SENDING",
                    **common,  # type: ignore[arg-type]
                ),
            ]
        )
        self.sent.append((dest.name, payload))
        answer = f"Reviewed section received: {release.outbound_text[:200]}"
        if release.pseudonyms is not None:
            release.pseudonyms.save()
            answer = release.pseudonyms.reidentify(answer, issued=release.issued)
        return SendOutcome(
            True, "SENT", "sent after review", dest, len(payload), digest, answer, tuple(ids)
        )
