"""``ReviewDesk``: the queue, the policy at decision time, the audit log and the sender.

- ``enqueue`` (the ``ReviewSink``): store the sealed submission, append a ``review``
  audit entry (action ``enqueue``, status ``PENDING``); durable before it returns.
- ``view``: the section, and what an approval would send *now*: the policy in force is
  re-evaluated (it must still say ``review``), the review rules are set aside to find the
  release decision (``allow``/``redact`` and its destinations; anything else is not
  approvable), and the section is redacted as it would leave. Nothing is stored.
- ``decide``: deny -> the section stays local with a reason code; approve -> the same
  computation as ``view``, which must give the bytes the reviewer saw (their sha256),
  then an ``approve`` audit entry (durable), then ``ApprovedSender.send_approved``.
  A refusal (policy changed, preview changed, no destination) is audited too and leaves
  the item pending.

Every ``review`` entry names who (the authenticated caller and the reviewer), when, the
rules (the review rules and the release rules), the policy version and the digests of
the section and of the approved bytes - never text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from agent.audit import AuditEntry, AuditLog, safe_reason
from agent.auth import CLIENT, REVIEWER, Identity
from agent.policy import PolicyEngine
from agent.policy.base import Action, Decision, SectionFacts
from agent.redact import redact
from agent.review.base import (
    DENY_REASONS,
    ApprovedSender,
    Release,
    ReviewItem,
    ReviewState,
    ReviewSubmission,
    SendOutcome,
)
from agent.review.queue import ReviewError, ReviewQueue
from agent.vault import Vault
from bastion.errors import BastionError, InvalidInput, PermissionDenied, PolicyError

_REVIEWER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_NOTE_MAX = 2000


class NotApprovable(PermissionDenied):
    """The policy in force does not let a reviewer release this section."""


class PreviewChanged(InvalidInput):
    """What an approval would send differs from what the reviewer saw."""


@dataclass(frozen=True)
class ReviewView:
    item: ReviewItem
    release: Release | None  # None: not approvable now (why_not says why)
    why_not: str
    current_action: str


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def release_decision(policy: PolicyEngine, facts: SectionFacts) -> Decision:
    """The decision an approval releases: the same policy with its ``review`` rules set
    aside. Rules that would send (allow/redact) give the destinations and redaction
    methods; a section no other rule allows stays local (default deny), so a policy
    author states what may leave after review with an ordinary rule next to the review
    rule (policies/default.yaml: ``hr-after-review``)."""
    rules = tuple(r for r in policy.policy.rules if r.action is not Action.REVIEW)
    engine = PolicyEngine(dataclasses.replace(policy.policy, rules=rules), policy.version)
    return engine.decide(facts)


class ReviewDesk:
    def __init__(
        self,
        queue: ReviewQueue,
        audit: AuditLog,
        policy: Callable[[], PolicyEngine],
        vault: Vault,
        hash_key: bytes,
        sender: ApprovedSender | None,
        clock: Callable[[], float],
    ) -> None:
        self.queue = queue
        self._audit = audit
        self._policy = policy
        self._vault = vault
        self._hash_key = hash_key
        self.sender = sender
        self._clock = clock

    # -- the pipeline's side -------------------------------------------------------------
    async def enqueue(self, submission: ReviewSubmission) -> str:
        if submission.decision.action is not Action.REVIEW:
            raise ReviewError("only sections whose policy action is review can be queued")
        item = self.queue.add(submission)
        try:
            await self._audit.append(
                [
                    self._entry(
                        item,
                        "enqueue",
                        "PENDING",
                        caller=submission.caller,
                        rule_ids=submission.decision.rule_ids,
                        policy_version=submission.decision.policy_version,
                        reason=f"review {item.id} queued",
                    )
                ]
            )
        except BaseException:
            # No unaudited item may wait for a reviewer: the section just stays local.
            self.queue.discard(submission.tenant, item.id)
            raise
        return item.id

    # -- reviewers -----------------------------------------------------------------------
    def list(
        self, identity: Identity, tenant: str | None, state: ReviewState | None = None
    ) -> list[ReviewItem]:
        if tenant is None and identity.tenant is not None:
            tenant = identity.tenant
        if tenant is not None:
            identity.check_tenant(tenant, REVIEWER)
        elif REVIEWER not in identity.roles:
            raise PermissionDenied(f"caller does not hold the {REVIEWER} role")
        return self.queue.list(tenant, state)

    def view(self, identity: Identity, tenant: str, item_id: str) -> ReviewView:
        identity.check_tenant(tenant, REVIEWER)
        item = self.queue.get(tenant, item_id)
        policy = self._policy()
        facts = _facts(item.submission)
        current = _decide(policy, facts)
        try:
            release = self._release(policy, item, facts)
        except NotApprovable as exc:
            return ReviewView(item, None, str(exc), current.action.value if current else "")
        return ReviewView(item, release, "", current.action.value if current else "")

    def result(self, identity: Identity, tenant: str, item_id: str) -> ReviewItem:
        """For the document system that sent the request: the state and the answer."""
        identity.check_tenant(tenant, CLIENT)
        item = self.queue.get(tenant, item_id)
        if identity.tenant is not None and identity.caller != item.submission.caller:
            raise PermissionDenied("only the caller that sent the request may fetch its answer")
        return item

    async def decide(
        self,
        identity: Identity,
        tenant: str,
        item_id: str,
        *,
        approve: bool,
        reviewer: str,
        preview_sha256: str = "",
        deny_reason: str = "",
        note: str = "",
    ) -> ReviewItem:
        identity.check_tenant(tenant, REVIEWER)
        if not _REVIEWER.fullmatch(reviewer):
            raise InvalidInput(
                "reviewer must be 1-64 letters, digits, '.', '_' or '-' (a user name)"
            )
        if len(note) > _NOTE_MAX or not all(c.isprintable() or c in "\n\t" for c in note):
            raise InvalidInput(f"note must be at most {_NOTE_MAX} printable characters")
        if not approve and deny_reason not in DENY_REASONS:
            raise InvalidInput(f"deny reason must be one of {list(DENY_REASONS)}")
        item = self.queue.get(tenant, item_id)
        if not self.queue.claim(tenant, item_id):
            raise InvalidInput(f"review {item_id} is already {item.state.value}")
        who = f"{identity.caller} reviewer={reviewer}"
        if not approve:
            return await self._deny(item, who, reviewer, deny_reason, note)
        try:
            policy = self._policy()
            release = self._release(policy, item, _facts(item.submission))
            if release.sent_sha256 != preview_sha256:
                raise PreviewChanged(
                    "what an approval would send has changed since the preview: review it again"
                )
        except (NotApprovable, PreviewChanged) as exc:
            self.queue.release_claim(tenant, item_id)
            await self._audit.append(
                [self._entry(item, "approve", "REFUSED", caller=who, reason=str(exc))]
            )
            raise
        except BaseException:
            self.queue.release_claim(tenant, item_id)
            raise
        return await self._approve(item, release, policy, who, reviewer, note)

    async def _deny(
        self, item: ReviewItem, who: str, reviewer: str, deny_reason: str, note: str
    ) -> ReviewItem:
        try:
            await self._audit.append(
                [
                    self._entry(
                        item,
                        "deny",
                        "DENIED",
                        caller=who,
                        reason=f"kept local by a reviewer: {deny_reason}",
                        rule_ids=item.submission.decision.rule_ids,
                        policy_version=self._policy().version,
                    )
                ]
            )
        except BaseException:
            self.queue.release_claim(item.submission.tenant, item.id)
            raise
        return self.queue.finish(
            item, ReviewState.DENIED, reviewer=reviewer, deny_reason=deny_reason, note=note
        )

    async def _approve(
        self,
        item: ReviewItem,
        release: Release,
        policy: PolicyEngine,
        who: str,
        reviewer: str,
        note: str,
    ) -> ReviewItem:
        rules = (*item.submission.decision.rule_ids, *release.decision.rule_ids)
        try:
            await self._audit.append(
                [
                    self._entry(
                        item,
                        "approve",
                        "APPROVED",
                        caller=who,
                        rule_ids=tuple(dict.fromkeys(rules)),
                        policy_version=policy.version,
                        destination=_dest(release.destinations[0]),
                        destinations=[_dest(d) for d in release.destinations],
                        sent_sha256=self._audit.digest(release.outbound_text),
                        reason=f"released under {release.decision.action.value} to "
                        + ",".join(d.name for d in release.destinations),
                    )
                ]
            )
        except BaseException:
            self.queue.release_claim(item.submission.tenant, item.id)
            raise
        outcome = await self._send(item, release, reviewer)
        state = ReviewState.SENT if outcome.sent else ReviewState.WITHHELD
        return self.queue.finish(item, state, reviewer=reviewer, note=note, outcome=outcome)

    async def _send(self, item: ReviewItem, release: Release, reviewer: str) -> SendOutcome:
        """The sender's result; any failure of it is a withheld send (fail closed)."""
        if self.sender is None:
            return SendOutcome(False, "WITHHELD_NO_SENDER", "no sender is wired to this agent")
        try:
            return await self.sender.send_approved(item, release, reviewer)
        except BastionError as exc:
            return SendOutcome(False, "WITHHELD_SEND_FAILED", safe_reason(str(exc)))
        except Exception as exc:
            return SendOutcome(False, "WITHHELD_SEND_FAILED", f"send failed ({type(exc).__name__})")

    # -- the release -----------------------------------------------------------------------
    def _release(self, policy: PolicyEngine, item: ReviewItem, facts: SectionFacts) -> Release:
        sub = item.submission
        now = _decide(policy, facts)
        if now is None:
            raise NotApprovable("the policy in force cannot be evaluated (fail closed)")
        if now.action is not Action.REVIEW:
            raise NotApprovable(
                f"the policy in force decides {now.action.value} for this section, not review: "
                "only review items can be approved"
            )
        try:
            decision = release_decision(policy, facts)
        except PolicyError:
            raise NotApprovable("the policy in force cannot be evaluated (fail closed)") from None
        if not decision.action.may_leave or not decision.destinations:
            raise NotApprovable(
                f"with the review rules set aside the policy decides {decision.action.value} "
                f"({', '.join(decision.rule_ids)}): no destination may receive it"
            )
        pseudonyms = self._vault.for_document(sub.tenant, sub.document_id)
        r = redact(sub.section.text, sub.analysis.entities, decision, pseudonyms, self._hash_key)
        originals = tuple(
            (e.type, sub.section.text[e.start : e.end]) for e in sub.analysis.entities
        )
        return Release(
            decision=decision,
            outbound_text=r.text,
            sent_sha256=sha256_hex(r.text),
            destinations=decision.destinations,
            redacted_types=dict(r.replaced),
            forbidden=policy.forbidden_types(decision),
            originals=originals,
            pseudonyms=pseudonyms,
            issued=frozenset(r.replacements),
        )

    def _entry(self, item: ReviewItem, verb: str, status: str, **fields: object) -> AuditEntry:
        sub = item.submission
        base: dict[str, object] = {
            "kind": "review",
            "decision_id": f"review:{item.id}:{verb}",
            "time": self._clock(),
            "request_id": sub.request_id,
            "tenant": sub.tenant,
            "section_index": sub.section.index,
            "section_sha256": self._audit.digest(sub.section.text),
            "category": sub.analysis.category.value,
            "entity_counts": sub.analysis.entity_counts(),
            "rule_ids": sub.decision.rule_ids,
            "policy_version": sub.decision.policy_version,
            "action": verb,
            "status": status,
        }
        base.update(fields)
        base["caller"] = safe_reason(str(base.get("caller", "")))[:256]
        base["reason"] = safe_reason(str(base.get("reason", "")))
        base["rule_ids"] = list(base["rule_ids"])  # type: ignore[call-overload]
        return AuditEntry(**base)  # type: ignore[arg-type]


def _facts(sub: ReviewSubmission) -> SectionFacts:
    return SectionFacts(
        tenant=sub.tenant,
        source_jurisdiction=sub.source_jurisdiction,
        category=sub.analysis.category,
        entity_types=sub.analysis.entity_types(),
    )


def _decide(policy: PolicyEngine, facts: SectionFacts) -> Decision | None:
    try:
        return policy.decide(facts)
    except PolicyError:
        return None


def _dest(d: object) -> dict[str, str]:
    return {k: getattr(d, k) for k in ("name", "provider", "region", "jurisdiction")}
