import pytest

from agent.config import Limits
from agent.server.decode import caller_request_id, document_from_proto, task_from_proto
from bastion.errors import InvalidInput, LimitExceeded
from bastion.wire.v1 import agent_pb2, common_pb2

LIMITS = Limits(max_sections=3, max_section_chars=50, max_document_chars=100)


def doc(**kw: object) -> agent_pb2.Document:
    fields: dict[str, object] = {
        "tenant": "acme",
        "document_id": "d1",
        "source_jurisdiction": "EU",
        "text": b"hello",
    }
    fields.update(kw)
    return agent_pb2.Document(**fields)  # type: ignore[arg-type]


def convert(d: agent_pb2.Document) -> object:
    return document_from_proto(d, LIMITS, caller="peer:x")


@pytest.mark.parametrize(
    ("d", "error", "needle"),
    [
        (doc(tenant=""), InvalidInput, "tenant is required"),
        (doc(tenant="a b"), InvalidInput, "document.tenant must be"),
        (doc(document_id=""), InvalidInput, "document_id is required"),
        (doc(source_jurisdiction="europe"), InvalidInput, "ISO code"),
        (doc(text=b"\xff"), InvalidInput, "offset 0"),
        (doc(text=b""), InvalidInput, "no sections"),
        (doc(text=b"x" * 101), LimitExceeded, "limit is 100"),
        (
            doc(text=b"", sections=[agent_pb2.SectionInput(text=b"a")] * 4),
            LimitExceeded,
            "4 sections",
        ),
        (
            doc(text=b"", sections=[agent_pb2.SectionInput(text=b"a" * 51)]),
            LimitExceeded,
            "sections[0]",
        ),
        (
            doc(
                text=b"",
                sections=[agent_pb2.SectionInput(text=b"ok"), agent_pb2.SectionInput(text=b"\xc3")],
            ),
            InvalidInput,
            "sections[1].text is not valid UTF-8",
        ),
        (doc(sections=[agent_pb2.SectionInput(text=b"a")]), InvalidInput, "not both"),
    ],
)
def test_bad_documents_are_refused_with_the_field_named(
    d: agent_pb2.Document, error: type[Exception], needle: str
) -> None:
    with pytest.raises(error, match=None) as info:
        convert(d)
    assert needle in str(info.value)


def test_caller_sections_keep_their_offsets_in_the_joined_text() -> None:
    d = doc(
        text=b"",
        sections=[
            agent_pb2.SectionInput(heading="A", text=b"one "),
            agent_pb2.SectionInput(heading="B", text="tw\u00f6".encode()),
        ],
    )
    r = document_from_proto(d, LIMITS, caller="peer:x")
    assert r.text == "one tw\u00f6"
    assert [(s.heading, s.start, s.end) for s in r.sections] == [("A", 0, 4), ("B", 4, 7)]
    assert all(r.text[s.start : s.end] == s.text for s in r.sections)


@pytest.mark.parametrize(
    ("task", "needle"),
    [
        (common_pb2.Task(instruction="x"), "task.mode is required"),
        (common_pb2.Task(instruction="x", mode=42), "task.mode 42"),  # type: ignore[arg-type]
        (common_pb2.Task(instruction="x", mode=1, resolution=9), "task.resolution 9"),  # type: ignore[arg-type]
        (common_pb2.Task(instruction="  ", mode=1), "instruction is required"),  # type: ignore[arg-type]
    ],
)
def test_bad_tasks_are_refused(task: common_pb2.Task, needle: str) -> None:
    with pytest.raises(InvalidInput) as info:
        task_from_proto(task)
    assert needle in str(info.value)


def test_a_good_task_keeps_its_mode() -> None:
    t = task_from_proto(common_pb2.Task(instruction="Summarise", mode=common_pb2.DEBATE))
    assert t.mode == "DEBATE"


def test_a_heading_longer_than_the_limit_is_refused_not_cut() -> None:
    d = agent_pb2.Document(
        tenant="acme",
        document_id="d1",
        source_jurisdiction="EU",
        sections=[agent_pb2.SectionInput(heading="H" * 201, text=b"body")],
    )
    with pytest.raises(LimitExceeded, match=r"sections\[0\]\.heading has 201 characters"):
        document_from_proto(d, LIMITS, caller="peer:x")


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [((), ""), ((("x-request-id", "batch-2026.12_04"),), "batch-2026.12_04")],
)
def test_the_callers_request_id_is_kept_when_valid(
    metadata: tuple[tuple[str, str], ...], expected: str
) -> None:
    assert caller_request_id(metadata) == expected


@pytest.mark.parametrize(
    "value", ["short", "x" * 65, "has space in it", "semi;colon-id", "ünïcode-id"]
)
def test_a_malformed_request_id_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(InvalidInput) as info:
        caller_request_id([("x-request-id", value)])
    assert value not in str(info.value)
    assert f"got {len(value)} characters" in str(info.value)
