"""The egress re-check over real serialized requests, with the real pattern engine."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.domain import Entity, EntityType
from agent.egress import WHOLE_REQUEST, EgressChecker, EgressViolation, ViolationKind, by_section
from agent.recognize import PatternEngine
from bastion.errors import EgressBlocked
from bastion.wire.v1 import cloud_pb2

CARD, EMAIL, IBAN = EntityType.CREDIT_CARD, EntityType.EMAIL_ADDRESS, EntityType.IBAN_CODE
PATTERNS = PatternEngine.default()
CHECKER = EgressChecker(scan=PATTERNS.analyze)


def payload(*texts: str, instruction: str = "Summarise the sections.") -> bytes:
    request = cloud_pb2.OrchestrateRequest(request_id="r-1", tenant="acme-law")
    request.task.instruction = instruction
    for i, text in enumerate(texts):
        request.sections.add(index=i, heading="", text=text, category="public")
    return request.SerializeToString()


def test_clean_payload_passes() -> None:
    data = payload("<PERSON_1> wrote to <EMAIL_ADDRESS_1> about <IBAN_CODE>.")
    assert CHECKER.check(data, frozenset({CARD, EMAIL, IBAN}), ["Jane Doe"]) == []


def test_forbidden_type_in_the_bytes_is_a_violation_with_type_and_offset() -> None:
    data = payload("Summary for <PERSON_1>.", "Pay with 4111 1111 1111 1111 please.")
    violations = CHECKER.check(data, frozenset({CARD}), [])
    assert [v.kind for v in violations] == [ViolationKind.FORBIDDEN_ENTITY]
    (v,) = violations
    assert v.entity_type is CARD
    decoded = data.decode("utf-8", errors="replace")
    assert decoded[v.offset : v.offset + 4] == "4111"
    assert "4111" not in str(v) and "4111" not in repr(v)


def test_types_the_policy_allows_are_not_violations() -> None:
    data = payload("Write to jane@example.com.")
    assert CHECKER.check(data, frozenset({CARD}), []) == []
    assert [v.entity_type for v in CHECKER.check(data, frozenset({EMAIL}), [])] == [EMAIL]


def test_the_task_instruction_is_scanned_too() -> None:
    data = payload("nothing here", instruction="Also email jane@example.com the result")
    assert CHECKER.check(data, frozenset({EMAIL}), [])


@pytest.mark.parametrize(
    "sent",
    [
        "Oliver Bennett",
        "OLIVER BENNETT",
        "oliver   bennett",
        "Oliver\nBennett",
        "Oli\u200bver Ben\u200dnett",
        "Ｏｌｉｖｅｒ Ｂｅｎｎｅｔｔ",
    ],
)
def test_original_values_match_case_whitespace_and_unicode_insensitively(sent: str) -> None:
    data = payload(f"The customer {sent} called.")
    violations = CHECKER.check(data, frozenset(), ["Oliver Bennett"])
    assert [v.kind for v in violations] == [ViolationKind.ORIGINAL_VALUE]
    assert violations[0].detail == "original #0"
    assert "Oliver" not in str(violations[0])


@pytest.mark.parametrize(
    "sent", ["4556737586899855", "4556-7375-8689-9855", "４５５６ ７３７５ ８６８９ ９８５５"]
)
def test_long_numbers_match_without_separators(sent: str) -> None:
    data = payload(f"ref {sent} end")
    assert CHECKER.check(data, frozenset(), ["4556 7375 8689 9855"])


def test_short_originals_are_ignored_to_avoid_noise() -> None:
    data = payload("Al went to the shop with Jo.")
    assert CHECKER.check(data, frozenset(), ["Al", "Jo", "  Al ", "the"]) == []
    assert CHECKER.check(data, frozenset(), ["shop"])


class Boom:
    def __call__(self, text: str) -> Sequence[Entity]:
        raise RuntimeError("model crashed")


@pytest.mark.parametrize(
    ("checker", "data", "originals"),
    [
        (EgressChecker(scan=Boom()), payload("hello"), []),
        (EgressChecker(scan=lambda text: ["not an entity"]), payload("hello"), []),  # type: ignore[list-item,return-value]
        (CHECKER, "a str, not bytes", []),
        (CHECKER, payload("hello"), [None]),
    ],
    ids=["scanner-raises", "scanner-garbage", "payload-not-bytes", "original-not-str"],
)
def test_a_failing_check_is_a_violation_never_clean(
    checker: EgressChecker, data: bytes, originals: list[str]
) -> None:
    violations = checker.check(data, frozenset({CARD}), originals)
    assert [v.kind for v in violations] == [ViolationKind.CHECKER_FAILURE]
    with pytest.raises(EgressBlocked, match="checker_failure"):
        checker.enforce(data, frozenset({CARD}), originals)


def test_non_utf8_bytes_are_still_scanned() -> None:
    data = b"\xff\xfe" + payload("card 4111 1111 1111 1111") + b"\x80"
    assert [v.entity_type for v in CHECKER.check(data, frozenset({CARD}), [])] == [CARD]


def test_enforce_names_types_and_offsets_never_values() -> None:
    data = payload("Oliver Bennett paid with 4111 1111 1111 1111")
    with pytest.raises(EgressBlocked) as info:
        CHECKER.enforce(data, frozenset({CARD}), ["Oliver Bennett"])
    message = str(info.value)
    assert "CREDIT_CARD" in message and "original_value" in message
    assert "Oliver" not in message and "4111" not in message
    CHECKER.enforce(payload("fine"), frozenset({CARD}), ["Oliver Bennett"])


@settings(max_examples=60, deadline=None)
@given(
    value=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789@.", min_size=4, max_size=24),
    prefix=st.text(alphabet="XYZ ,;", max_size=20),
    suffix=st.text(alphabet="XYZ ,;", max_size=20),
    upper=st.booleans(),
)
def test_an_original_value_anywhere_in_the_payload_is_always_found(
    value: str, prefix: str, suffix: str, upper: bool
) -> None:
    sent = value.upper() if upper else value
    violations = CHECKER.check(payload(prefix + sent + suffix), frozenset(), [value])
    assert any(v.kind is ViolationKind.ORIGINAL_VALUE for v in violations)
    assert all(isinstance(v, EgressViolation) for v in violations)


def test_violations_are_attributed_to_their_section() -> None:
    texts = ["All fine here.", "Card 4111 1111 1111 1111 here.", "Mail Oliver Bennett now."]
    data = payload(*texts, instruction="Check jane@example.com")
    violations = CHECKER.check(data, frozenset({CARD, EMAIL}), ["Oliver Bennett"])
    grouped = by_section(data, violations, texts)
    assert sorted(grouped) == [WHOLE_REQUEST, 1, 2]
    assert [v.entity_type for v in grouped[1]] == [CARD]
    assert [v.kind for v in grouped[2]] == [ViolationKind.ORIGINAL_VALUE]
    assert [v.entity_type for v in grouped[WHOLE_REQUEST]] == [EMAIL]


def test_placeholders_issued_for_this_request_are_not_findings_but_lookalikes_are() -> None:
    data = payload("Reply to <EMAIL_ADDRESS_1> and <PERSON_2> and <PERSON:0a1b2c3d>.")
    issued = {"<EMAIL_ADDRESS_1>", "<PERSON_2>", "<PERSON:0a1b2c3d>"}
    assert (
        CHECKER.check(data, frozenset({EMAIL}), ["Email", "person"], issued_placeholders=issued)
        == []
    )
    lookalike = payload("Reply to <OLIVER> today.")
    assert CHECKER.check(lookalike, frozenset(), ["Oliver"])


def test_placeholder_shaped_text_the_agent_did_not_write_is_checked_like_any_text() -> None:
    """A caller who writes ``<PERSON_1>`` around a value must not get it exempted."""
    data = payload("Ask <PERSON_1 jane.doe@example.com> today.")
    assert CHECKER.check(data, frozenset({EMAIL}), [], issued_placeholders=set())
    assert CHECKER.check(
        data, frozenset(), ["jane.doe@example.com"], issued_placeholders={"<PERSON_1>"}
    )


def test_agent_metadata_can_be_declared_safe_but_not_the_same_word_in_text() -> None:
    request = cloud_pb2.OrchestrateRequest(request_id="r-1", tenant="acme-law")
    request.sections.add(index=0, text="The supplier <ORGANIZATION_1> replied.")
    request.allowed_destinations.add(
        name="eu-mistral-paris", provider="mistral", region="eu-west-3", jurisdiction="EU"
    )
    data = request.SerializeToString()
    safe = ["acme-law", "eu-mistral-paris", "mistral", "eu-west-3", "EU"]
    assert CHECKER.check(data, frozenset(), ["Mistral"])  # without: blocked
    assert CHECKER.check(data, frozenset(), ["Mistral"], safe_strings=safe) == []
    request.sections.add(index=1, text="Mistral sent the invoice.")
    request.sections.add(index=2, text="mistral")
    request.sections.add(index=3, text="Ask mistral and eu-west-3.")
    leaked = CHECKER.check(request.SerializeToString(), frozenset(), ["Mistral"], safe_strings=safe)
    # index 2 is a whole field equal to a safe string: the one exemption in section text.
    assert [v.kind for v in leaked] == [ViolationKind.ORIGINAL_VALUE] * 2


def test_safe_strings_are_found_after_multibyte_text_and_long_fields() -> None:
    request = cloud_pb2.OrchestrateRequest(request_id="r-1", tenant="acme-law")
    request.sections.add(index=0, text="Ünïcödé " * 40 + "<PERSON_1>")  # 2-byte length
    request.allowed_destinations.add(name="eu-mistral-paris", provider="mistral")
    data = request.SerializeToString()
    safe = ["mistral", "eu-mistral-paris"]
    assert CHECKER.check(data, frozenset(), ["Mistral"], safe_strings=safe) == []
    assert CHECKER.check(data, frozenset(), ["Mistral"], safe_strings=["mistral"])  # the name
