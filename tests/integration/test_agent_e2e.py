"""End to end through a real gRPC client: agent -> cloud tier -> the real local model.

The only stand-in is the recording proxy in front of the model server, which forwards every
byte unchanged so the tests can assert on exactly what reached a provider.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from bastion.wire.v1 import agent_pb2, common_pb2
from tests.integration.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
MEMO = (ROOT / "examples" / "documents" / "acme-law" / "merger-memo.txt").read_text()
MEMO_SECRETS = [
    "Claire Dubois",
    "Markus Albrecht",
    "markus.albrecht@nordwind-energie.de",
    "+49 30 901820 44",
    "DE89 3704 0044 0532 0130 00",
    "DE89370400440532013000",
    "earn-out clause",  # privileged advice: must stay local
]

LETTER = (ROOT / "examples" / "documents" / "acme-law" / "engagement-letter.txt").read_text()
LETTER_SECRETS = [
    "Sophie van der Berg",
    "sophie [at] vanderberg [dot] nl",
    "vanderberg",
    "02/05/1984",
    "Keizersgracht 123",
]

pytestmark = pytest.mark.slow


def _doc(text: bytes | str, tenant: str = "acme-law", **kw: object) -> agent_pb2.Document:
    data = text.encode() if isinstance(text, str) else text
    fields: dict[str, object] = {
        "tenant": tenant,
        "document_id": "doc-1",
        "source_jurisdiction": "EU",
        "text": data,
    }
    fields.update(kw)
    return agent_pb2.Document(**fields)  # type: ignore[arg-type]


def _task(mode: int = common_pb2.FUSION) -> common_pb2.Task:
    return common_pb2.Task(instruction="Summarise the key points.", mode=mode)  # type: ignore[arg-type]


def test_route_sends_only_what_policy_allows_and_nothing_identifying(stack: Stack) -> None:
    before = len(stack.proxy.bodies)
    r = stack.stub.Route(agent_pb2.RouteRequest(document=_doc(MEMO), task=_task()), timeout=300)

    by_heading = {s.heading: s for s in r.sections}
    advice = by_heading["2. Legal advice"]
    assert advice.category == "privileged"
    assert advice.status != "SENT" and advice.bytes_sent == 0
    sent = [s for s in r.sections if s.status == "SENT"]
    assert sent, "the public sections should have been sent"
    assert r.status == "PARTIAL"
    assert all(s.destination.jurisdiction == "EU" for s in sent)
    assert r.answer.strip(), "the local model answered"
    assert r.model_outputs and all(o.output for o in r.model_outputs if not o.error)
    assert r.policy_version.startswith("sha256:")
    assert r.audit_entry_ids and all(s.audit_entry_ids for s in r.sections)

    received = b"\n".join(stack.proxy.bodies[before:])
    assert received, "the providers were called"
    for value in MEMO_SECRETS:
        assert value.encode() not in received, f"{value!r} reached a provider"


def test_obfuscated_and_personal_details_never_reach_a_provider(stack: Stack) -> None:
    before = len(stack.proxy.bodies)
    doc = _doc(LETTER, document_id="letter-1")
    r = stack.stub.Route(agent_pb2.RouteRequest(document=doc, task=_task()), timeout=300)
    assert any(s.status == "SENT" for s in r.sections)
    received = b"\n".join(stack.proxy.bodies[before:])
    assert received
    for value in LETTER_SECRETS:
        assert value.encode() not in received, f"{value!r} reached a provider"


def test_analyze_reports_entities_at_document_offsets(stack: Stack) -> None:
    r = stack.stub.Analyze(agent_pb2.AnalyzeRequest(document=_doc(MEMO)), timeout=60)
    spans = {(e.type, MEMO[e.start : e.end]) for s in r.sections for e in s.entities}
    assert ("IBAN_CODE", "DE89 3704 0044 0532 0130 00") in spans
    assert ("EMAIL_ADDRESS", "markus.albrecht@nordwind-energie.de") in spans
    assert any(t == "PERSON" and "Albrecht" in v for t, v in spans)
    assert [s.index for s in r.sections] == list(range(len(r.sections)))
    assert r.model_versions


@pytest.mark.parametrize(
    ("request_factory", "code", "needle"),
    [
        (
            lambda: agent_pb2.AnalyzeRequest(document=_doc("hello", tenant="")),
            grpc.StatusCode.INVALID_ARGUMENT,
            "tenant is required",
        ),
        (
            lambda: agent_pb2.AnalyzeRequest(document=_doc(b"caf\xc3 \xff\xfe")),
            grpc.StatusCode.INVALID_ARGUMENT,
            "not valid UTF-8 (invalid byte at offset 3)",
        ),
        (
            lambda: agent_pb2.AnalyzeRequest(document=_doc("x" * 1_200_000)),
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "larger than max",
        ),
        (
            lambda: agent_pb2.AnalyzeRequest(document=_doc("   \n ")),
            grpc.StatusCode.INVALID_ARGUMENT,
            "empty",
        ),
        (
            lambda: agent_pb2.AnalyzeRequest(document=_doc("hi", source_jurisdiction="")),
            grpc.StatusCode.INVALID_ARGUMENT,
            "source_jurisdiction is required",
        ),
    ],
    ids=["missing-tenant", "non-utf8", "oversized", "empty", "no-jurisdiction"],
)
def test_bad_analyze_requests_get_a_precise_status_and_the_server_keeps_serving(
    stack: Stack, request_factory: object, code: grpc.StatusCode, needle: str
) -> None:
    with pytest.raises(grpc.RpcError) as info:
        stack.stub.Analyze(request_factory(), timeout=30)  # type: ignore[operator]
    assert info.value.code() == code
    assert needle in info.value.details()
    ok = stack.stub.Analyze(agent_pb2.AnalyzeRequest(document=_doc("A short note.")), timeout=30)
    assert len(ok.sections) == 1


def test_unknown_mode_is_refused_by_number_and_nothing_is_sent(stack: Stack) -> None:
    before = len(stack.proxy.bodies)
    task = common_pb2.Task(instruction="Summarise.", mode=42)  # type: ignore[arg-type]
    with pytest.raises(grpc.RpcError) as info:
        stack.stub.Route(agent_pb2.RouteRequest(document=_doc(MEMO), task=task), timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "task.mode 42" in info.value.details()
    assert len(stack.proxy.bodies) == before


def test_unknown_tenant_is_refused(stack: Stack) -> None:
    with pytest.raises(grpc.RpcError) as info:
        stack.stub.Route(
            agent_pb2.RouteRequest(document=_doc("Hello.", tenant="nobody"), task=_task()),
            timeout=30,
        )
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "tenant" in info.value.details()


def test_route_stream_reassembles_text_split_inside_a_character(stack: Stack) -> None:
    text = "PRESS RELEASE\n\nAcme Law opens an office in Zürich. " * 3
    data = text.encode()
    cut = data.index("ü".encode()) + 1  # split the two-byte character across chunks
    header = _doc(b"")
    chunks = [
        agent_pb2.RouteChunk(header=header, task=_task(common_pb2.SEQUENTIAL), text=data[:cut]),
        agent_pb2.RouteChunk(text=data[cut:]),
    ]
    r = stack.stub.RouteStream(iter(chunks), timeout=300)
    assert r.sections
    assert r.sections[-1].end == len(text)


def test_route_stream_without_header_is_refused(stack: Stack) -> None:
    with pytest.raises(grpc.RpcError) as info:
        stack.stub.RouteStream(iter([agent_pb2.RouteChunk(text=b"hello")]), timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "header" in info.value.details()


def test_audit_log_verifies_after_traffic(stack: Stack) -> None:
    stack.stub.Analyze(agent_pb2.AnalyzeRequest(document=_doc(MEMO)), timeout=60)
    cfg = stack.agent_config.path
    out = subprocess.run(
        [sys.executable, "-m", "bastion.cli", "audit", "verify", "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    audit_dir = stack.agent_config.audit.path.parent
    stored = b"".join(p.read_bytes() for p in audit_dir.glob("audit.db*"))  # db, -wal, -shm
    assert len(stored) > 4096
    for value in MEMO_SECRETS:
        assert value.encode() not in stored
