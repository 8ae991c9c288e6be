"""Adversarial property suite: forbidden values planted in every field a caller controls,
in many forms, never reach the bytes handed to the cloud client.

Real parts: the detection engine (the INT8 model and the recognizers), the default
policy, the vault, the independent egress re-check, the audit log. The one stand-in is the
cloud client, which records the exact payload bytes it is handed.

The oracle is deliberately simple and independent of the code under test: it folds the
payload (NFKC, zero-width characters removed, JSON and URL escapes decoded, case and
separators dropped) and looks for the planted value's canonical form.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.audit import AuditConfig, AuditLog
from agent.detect import load_engine
from agent.domain import CloudAnswer, DocumentRequest, Section, Task
from agent.egress import EgressChecker
from agent.pipeline import Pipeline
from agent.policy import PolicyEngine
from agent.vault import Vault

ROOT = Path(__file__).resolve().parents[3]
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


class RecordingCloud:
    def __init__(self) -> None:
        self.payloads: list[bytes] = []

    async def orchestrate(
        self, payload: bytes, *, deadline_s: float | None, request_id: str
    ) -> CloudAnswer:
        self.payloads.append(payload)
        return CloudAnswer("ok", (), 1.0, "MAJORITY_VOTE", False, "", (), b"")

    async def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return load_engine("onnx")


@pytest.fixture(scope="module")
def world(engine) -> Iterator[tuple[Pipeline, RecordingCloud]]:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        audit = AuditLog.open(AuditConfig(d / "a.db", d / "a.key", d / "w.jsonl"))
        cloud = RecordingCloud()
        pipeline = Pipeline(
            engine=engine,
            policy=PolicyEngine.load(ROOT / "policies" / "default.yaml"),
            vault=Vault.open(d / "vault", b"v" * 32),
            egress=EgressChecker(),
            audit=audit,
            cloud=cloud,
            hash_key=b"h" * 32,
        )
        yield pipeline, cloud
        audit.close()


# -- values ----------------------------------------------------------------------------
def luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


def iban_de(account: str) -> str:
    bban = "37040044" + account
    numeric = int("".join(str(int(c, 36)) for c in bban + "DE00"))
    return f"DE{98 - numeric % 97:02d}{bban}"


cards = st.builds(lambda d: luhn_complete("4" + d), st.text("0123456789", min_size=14, max_size=14))
ibans = st.builds(iban_de, st.text("0123456789", min_size=10, max_size=10))
emails = st.builds(
    lambda a, b: f"{a}.{b}@example-{b}.com",
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=8),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=8),
)


def grouped(value: str, sep: str) -> str:
    return sep.join(value[i : i + 4] for i in range(0, len(value), 4))


def fullwidth(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def zero_width(value: str) -> str:
    return ZERO_WIDTH[0].join(value)


def json_escaped(value: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if c.isdigit() else c for c in value)


def url_escaped(value: str) -> str:
    return "".join(f"%{ord(c):02X}" if c.isdigit() else c for c in value)


def obfuscated_email(value: str) -> str:
    return value.replace("@", " [at] ").replace(".", " [dot] ")


NUMBER_FORMS = {
    "plain": lambda v: v,
    "spaced": lambda v: grouped(v, " "),
    "dashed": lambda v: grouped(v, "-"),
    "fullwidth": fullwidth,
    "zero-width": zero_width,
    "json-escape": json_escaped,
    "url-escape": url_escaped,
}
WRAPPERS = {
    "prose": lambda v: f"The refund goes to {v} as agreed.",
    "filename": lambda v: f"Attached: refunds_{v}.csv for the audit.",
    "url": lambda v: f"See https://pay.example.com/r?acct={v}&x=1 for details.",
    "json": lambda v: f'Payload: {{"account": "{v}", "ok": true}}',
    "csv": lambda v: f"id,account,amount\n17,{v},120.00\n",
    "lookalike": lambda v: f"Contact <PERSON_1 {v}> about it.",
}
FIELDS = ("body", "heading", "instruction")


def canonical(text: str) -> str:
    """The oracle's fold: NFKC, zero-width out, escapes decoded, lower case, only
    letters and digits kept."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if c not in ZERO_WIDTH)
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), text)
    text = urllib.parse.unquote(text)
    text = text.replace("[at]", "@").replace("[dot]", ".")
    return "".join(c for c in text.lower() if c.isalnum() or c in "@.")


SENT: list[bool] = []  # per example: did anything leave (so the suite is not vacuous)


def leaked(payloads: list[bytes], value: str) -> bool:
    SENT.append(bool(payloads))
    folded = canonical(value)
    return any(folded in canonical(p.decode("utf-8", "replace")) for p in payloads)


def request(field: str, planted: str, caller_request_id: str = "") -> tuple[DocumentRequest, Task]:
    body = "Quarterly operations note for the team.\n\nThe office move is on schedule."
    heading = "Operations"
    instruction = "Summarise the key points."
    if field == "body":
        body = body + "\n\n" + planted
    elif field == "heading":
        heading = planted.replace("\n", " ")
    else:
        instruction = "Summarise the key points. " + planted.replace("\n", " ")
    section = Section(0, heading, 0, len(body), body)
    doc = DocumentRequest(
        "acme-law", "adversarial", "EU", body, (section,), "test", caller_request_id
    )
    return doc, Task(instruction, "FUSION")


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@SETTINGS
@given(
    value=st.one_of(cards, ibans),
    form=st.sampled_from(sorted(NUMBER_FORMS)),
    wrapper=st.sampled_from(sorted(WRAPPERS)),
    field=st.sampled_from(FIELDS),
)
async def test_planted_numbers_never_reach_the_cloud_client(
    world: tuple[Pipeline, RecordingCloud], value: str, form: str, wrapper: str, field: str
) -> None:
    pipeline, cloud = world
    planted = WRAPPERS[wrapper](NUMBER_FORMS[form](value))
    doc, task = request(field, planted)
    before = len(cloud.payloads)
    await pipeline.route(doc, task)
    assert not leaked(cloud.payloads[before:], value), (form, wrapper, field)


@SETTINGS
@given(
    value=emails,
    obfuscate=st.booleans(),
    wrapper=st.sampled_from(["prose", "json", "csv", "lookalike"]),
    field=st.sampled_from(FIELDS),
)
async def test_planted_emails_never_reach_the_cloud_client(
    world: tuple[Pipeline, RecordingCloud], value: str, obfuscate: bool, wrapper: str, field: str
) -> None:
    pipeline, cloud = world
    shown = obfuscated_email(value) if obfuscate else value
    doc, task = request(field, WRAPPERS[wrapper](shown))
    before = len(cloud.payloads)
    await pipeline.route(doc, task)
    assert not leaked(cloud.payloads[before:], value), (obfuscate, wrapper, field)


@SETTINGS
@given(value=cards, cut=st.integers(min_value=2, max_value=14), sep=st.sampled_from(["", " "]))
async def test_a_number_cut_across_two_caller_sections_never_leaves_whole(
    world: tuple[Pipeline, RecordingCloud], value: str, cut: int, sep: str
) -> None:
    pipeline, cloud = world
    first = f"Refund approved for {value[:cut]}"
    second = f"{sep}{value[cut:]} by the desk."
    sections = (
        Section(0, "", 0, len(first), first),
        Section(1, "", len(first), len(first) + len(second), second),
    )
    doc = DocumentRequest("acme-law", "cut", "EU", first + second, sections, "test")
    before = len(cloud.payloads)
    await pipeline.route(doc, Task("Summarise the key points.", "FUSION"))
    assert not leaked(cloud.payloads[before:], value)


@SETTINGS
@given(value=cards)
async def test_the_callers_request_id_never_leaves(
    world: tuple[Pipeline, RecordingCloud], value: str
) -> None:
    pipeline, cloud = world
    doc, task = request("body", "Nothing sensitive here.", caller_request_id=value)
    before = len(cloud.payloads)
    await pipeline.route(doc, task)
    assert cloud.payloads[before:], "the clean document should have been sent"
    assert not leaked(cloud.payloads[before:], value)


def test_the_suite_is_not_vacuous() -> None:
    """Run after the properties (file order): most planted requests still left, redacted
    or with the culprit withheld, so the properties above were tested on real sends."""
    assert len(SENT) >= 100
    assert sum(SENT) / len(SENT) >= 0.5, f"only {sum(SENT)} of {len(SENT)} requests sent"
