"""The egress re-check over real serialized requests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.domain import EntityType
from agent.egress import EgressChecker, EgressViolation, KnownValues, ViolationKind
from bastion.wire.v1 import cloud_pb2

CARD, EMAIL, IBAN = EntityType.CREDIT_CARD, EntityType.EMAIL_ADDRESS, EntityType.IBAN_CODE
PERSON, SECRET = EntityType.PERSON, EntityType.SECRET
CHECKER = EgressChecker()
SAFE = ["r-1", "acme-law", "public", "internal", "eu-mistral-paris", "mistral"]
PLACEHOLDERS = ["<PERSON_1>", "<EMAIL_ADDRESS_1>", "<IBAN_CODE>", "<PERSON:0a1b2c3d>"]


def payload(
    *texts: str, instruction: str = "Summarise the sections.", headings: list[str] | None = None
) -> bytes:
    request = cloud_pb2.OrchestrateRequest(request_id="r-1", tenant="acme-law")
    request.task.instruction = instruction
    for i, text in enumerate(texts):
        heading = headings[i] if headings else ""
        request.sections.add(index=i, heading=heading, text=text, category="public")
    return request.SerializeToString()


def check(
    data: bytes, forbidden: set[EntityType], known: KnownValues | list[str]
) -> list[EgressViolation]:
    return CHECKER.check(
        data, forbidden, known, issued_placeholders=PLACEHOLDERS, safe_strings=SAFE
    )


def test_clean_payload_passes() -> None:
    data = payload("<PERSON_1> wrote to <EMAIL_ADDRESS_1> about <IBAN_CODE>.")
    assert check(data, {CARD, EMAIL, IBAN}, ["Jane Doe", "Email", "Person"]) == []


def test_forbidden_type_in_the_bytes_is_a_violation_with_type_rule_and_offset() -> None:
    data = payload("Summary for <PERSON_1>.", "Pay with 4111 1111 1111 1111 please.")
    (v,) = check(data, {CARD}, [])
    assert (v.kind, v.entity_type, v.detail) == (ViolationKind.FORBIDDEN_ENTITY, CARD, "luhn")
    decoded = data.decode("utf-8", errors="replace")
    assert decoded[v.offset : v.offset + 4] == "4111"
    assert "4111" not in str(v) and "4111" not in repr(v)


def test_the_attack_findings_are_stopped() -> None:
    """Issue 17: a card inside a filename, a card cut in two across sections, caller-
    written placeholder-shaped text."""
    assert check(payload("see refunds_4111111111111111.csv"), {CARD}, [])
    split = payload("Refund to card 4111 1111\n", "1111 1111, thanks.")
    (v,) = check(split, {CARD}, [])
    assert v.entity_type is CARD
    assert split.decode("utf-8", errors="replace")[v.offset : v.offset + 9] == "4111 1111"
    # "<EMAIL_ADDRESS_7>" was not issued for this request: checked like any text
    forged = payload("Reply to <OLIVER_BENNETT_1> or <PERSON:4111111111111111>.")
    assert check(forged, {CARD}, ["Oliver Bennett"])
    assert {v.kind for v in check(forged, {CARD}, ["Oliver Bennett"])} == {
        ViolationKind.ORIGINAL_VALUE,
        ViolationKind.FORBIDDEN_ENTITY,
    }


def test_a_name_cut_across_a_heading_and_its_text_is_found() -> None:
    data = payload("Doe asked for the file.", headings=["Notes from Jane"])
    (v,) = check(data, set(), ["Jane Doe"])
    assert v.kind is ViolationKind.ORIGINAL_VALUE


def test_only_issued_placeholders_are_exempt() -> None:
    data = payload("Reply to <EMAIL_ADDRESS_1> and <PERSON_2>.")
    issued = CHECKER.check(
        data, set(), ["Email", "person"], issued_placeholders=["<EMAIL_ADDRESS_1>"]
    )
    assert [v.detail for v in issued] == ["original #1 (known:compact)"]  # <PERSON_2> not issued
    nothing_issued = CHECKER.check(data, set(), ["Email", "person"])
    assert len(nothing_issued) == 2


def test_types_the_policy_allows_are_not_violations() -> None:
    data = payload("Write to jane@example.com.")
    assert check(data, {CARD}, []) == []
    assert [v.entity_type for v in check(data, {EMAIL}, [])] == [EMAIL]


def test_the_task_instruction_is_scanned_too() -> None:
    data = payload("nothing here", instruction="Also email jane [at] example [dot] com")
    assert check(data, {EMAIL}, [])


@pytest.mark.parametrize(
    "sent",
    [
        "Oliver Bennett",
        "OLIVER BENNETT",
        "oliver   bennett",
        "Oliver\nBennett",
        "Oli\u200bver Ben\u200dnett",
        "Ｏｌｉｖｅｒ Ｂｅｎｎｅｔｔ",
        "Bennett, Oliver",
        "O. Bennett",
        "Olivеr Bеnnеtt",  # Cyrillic е
        "Oliver%20Bennett",
        "T2xpdmVyIEJlbm5ldHQ=",  # base64
    ],
)
def test_original_values_are_found_in_their_normalised_forms(sent: str) -> None:
    known = CHECKER.known_values([(PERSON, "Oliver Bennett")])
    (v,) = check(payload(f"The customer {sent} called."), set(), known)
    assert v.kind is ViolationKind.ORIGINAL_VALUE and v.entity_type is PERSON
    assert v.detail.startswith("original #0 (known:")
    assert "Oliver" not in str(v) and "Bennett" not in repr(v)


@pytest.mark.parametrize(
    "sent", ["4556737586899855", "4556-7375-8689-9855", "４５５６ ７３７５ ８６８９ ９８５５"]
)
def test_long_numbers_match_without_separators(sent: str) -> None:
    assert check(payload(f"ref {sent} end"), set(), ["4556 7375 8689 9855"])


def test_short_originals_are_ignored_to_avoid_noise() -> None:
    data = payload("Al went to the shop with Jo.")
    assert check(data, set(), ["Al", "Jo", "  Al ", "the"]) == []
    assert check(data, set(), ["shop"])


def test_agent_metadata_is_exempt_as_a_whole_field_only() -> None:
    request = cloud_pb2.OrchestrateRequest(request_id="r-1", tenant="acme-law")
    request.sections.add(index=0, text="The supplier <PERSON_1> replied.", category="public")
    request.allowed_destinations.add(
        name="eu-mistral-paris", provider="mistral", region="eu-west-3", jurisdiction="EU"
    )
    data = request.SerializeToString()
    assert CHECKER.check(data, set(), ["Mistral"])  # without safe strings: blocked
    assert check(data, set(), ["Mistral"]) == []
    request.sections.add(index=1, text="Mistral sent the invoice.")
    request.sections.add(index=2, text="mistral")
    leaked = check(request.SerializeToString(), set(), ["Mistral"])
    # index 2 is a whole field equal to a safe string: the one exemption in section text
    assert [v.kind for v in leaked] == [ViolationKind.ORIGINAL_VALUE]


def test_safe_strings_are_found_after_multibyte_text_and_long_fields() -> None:
    request = cloud_pb2.OrchestrateRequest(request_id="r-1", tenant="acme-law")
    request.sections.add(index=0, text="Ünïcödé " * 40 + "<PERSON_1>")  # 2-byte length
    request.allowed_destinations.add(name="eu-mistral-paris", provider="mistral")
    data = request.SerializeToString()
    assert check(data, set(), ["Mistral"]) == []
    decoded = data.decode("utf-8", errors="replace")
    (v,) = CHECKER.check(data, set(), ["Mistral"], safe_strings=["mistral"])  # the name
    assert decoded[v.offset : v.offset + 7] == "mistral"


def test_a_plain_text_payload_is_checked_too() -> None:
    assert check(b"card 4111 1111 1111 1111", {CARD}, [])
    assert check(b"\xff\xfe" + payload("card 4111 1111 1111 1111") + b"\x80", {CARD}, [])


@pytest.mark.parametrize(
    ("data", "forbidden", "known", "extra"),
    [
        ("a str, not bytes", {CARD}, [], {}),
        (payload("hello"), {CARD}, [None], {}),
        (payload("hello"), {"CREDIT_CARD"}, [], {}),
        (payload("hello"), {CARD}, "a string is not a list of values", {}),
        (payload("hello"), {CARD}, [], {"issued_placeholders": "<PERSON_1>"}),
        (payload("hello"), {CARD}, [], {"safe_strings": [b"acme"]}),
    ],
    ids=["payload-str", "value-none", "type-str", "known-str", "placeholders-str", "safe-bytes"],
)
def test_a_failing_check_is_a_violation_never_clean(
    data: object, forbidden: object, known: object, extra: dict[str, object]
) -> None:
    violations = CHECKER.check(data, forbidden, known, **extra)  # type: ignore[arg-type]
    assert [v.kind for v in violations] == [ViolationKind.CHECKER_FAILURE]


def test_a_scanner_that_fails_is_a_checker_failure() -> None:
    class Broken:
        def scan_folded(self, view: object) -> list[object]:
            raise RuntimeError("boom")

    checker = EgressChecker(scanner=Broken())  # type: ignore[arg-type]
    assert [v.kind for v in checker.check(payload("x"), {CARD}, [])] == [
        ViolationKind.CHECKER_FAILURE
    ]


def test_violations_are_capped_and_sorted() -> None:
    data = payload(", ".join(["4111 1111 1111 1111"] * 300))
    violations = check(data, {CARD}, [])
    assert len(violations) == 100
    assert [v.offset for v in violations] == sorted(v.offset for v in violations)


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
    if sum(c.isalnum() for c in value) < 4:
        return  # too short once compact: ignored by design
    sent = value.upper() if upper else value
    violations = check(payload(f"{prefix} {sent} {suffix}"), set(), [value])
    assert any(v.kind is ViolationKind.ORIGINAL_VALUE for v in violations)
