"""Protobuf -> domain conversion with validation: the only place that trusts nothing.

Every refusal names the field and the problem (never the content): a missing tenant,
text that is not UTF-8 (with the byte offset), a size over a limit, an unknown mode, a
malformed ``x-request-id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent.config import Limits
from agent.domain import DocumentRequest, Section, Task
from bastion.errors import InvalidInput, LimitExceeded
from bastion.wire.v1 import agent_pb2, common_pb2

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}")
_JURISDICTION = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
MAX_HEADING_CHARS = 200


def _decode(data: bytes, field: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{field} is not valid UTF-8 (invalid byte at offset {exc.start})"
        ) from None


def _check_id(value: str, field: str) -> None:
    if not value:
        raise InvalidInput(f"{field} is required")
    if not _ID.fullmatch(value):
        raise InvalidInput(
            f"{field} must be 1-128 characters of letters, digits and ._:@/- "
            f"(got {len(value)} characters)"
        )


def caller_request_id(metadata: Iterable[tuple[str, str | bytes]]) -> str:
    """The caller's ``x-request-id`` (8-64 of ``A-Za-z0-9._-``), or "" if none was sent.

    It is only a correlation handle: it never leaves the agent, is never logged, and the
    audit log keeps only its keyed digest (a card number is a valid id by charset)."""
    for key, value in metadata:
        if key != "x-request-id":
            continue
        if not isinstance(value, str) or not _REQUEST_ID.fullmatch(value):
            size = len(value)
            raise InvalidInput(
                f"x-request-id must be 8-64 characters of letters, digits and ._- "
                f"(got {size} characters)"
            )
        return value
    return ""


def document_from_proto(
    doc: agent_pb2.Document, limits: Limits, *, caller: str, caller_request_id: str = ""
) -> DocumentRequest:
    _check_id(doc.tenant, "document.tenant")
    _check_id(doc.document_id, "document.document_id")
    if not doc.source_jurisdiction:
        raise InvalidInput("document.source_jurisdiction is required (e.g. EU, UK, US)")
    if not _JURISDICTION.fullmatch(doc.source_jurisdiction):
        raise InvalidInput(
            "document.source_jurisdiction must be an ISO code such as EU, UK, US, DE"
        )
    if doc.text and doc.sections:
        raise InvalidInput("document: send either text or sections, not both")
    if not doc.text and not doc.sections:
        raise InvalidInput("document: text is empty and no sections were given")
    if len(doc.sections) > limits.max_sections:
        raise LimitExceeded(
            f"document has {len(doc.sections)} sections; the limit is {limits.max_sections}"
        )

    sections: list[Section] = []
    if doc.text:
        text = _decode(doc.text, "document.text")
    else:
        parts: list[str] = []
        pos = 0
        for i, s in enumerate(doc.sections):
            body = _decode(s.text, f"document.sections[{i}].text")
            if not body.strip():
                raise InvalidInput(f"document.sections[{i}].text is empty")
            if len(body) > limits.max_section_chars:
                raise LimitExceeded(
                    f"document.sections[{i}] has {len(body)} characters; "
                    f"the limit is {limits.max_section_chars}"
                )
            if len(s.heading) > MAX_HEADING_CHARS:
                raise LimitExceeded(
                    f"document.sections[{i}].heading has {len(s.heading)} characters; "
                    f"the limit is {MAX_HEADING_CHARS}"
                )
            sections.append(Section(i, s.heading, pos, pos + len(body), body))
            parts.append(body)
            pos += len(body)
        text = "".join(parts)
    if not text.strip():
        raise InvalidInput("document.text is empty (only whitespace)")
    if len(text) > limits.max_document_chars:
        raise LimitExceeded(
            f"document has {len(text)} characters; the limit is {limits.max_document_chars}"
        )
    return DocumentRequest(
        tenant=doc.tenant,
        document_id=doc.document_id,
        source_jurisdiction=doc.source_jurisdiction,
        text=text,
        sections=tuple(sections),
        caller=caller,
        caller_request_id=caller_request_id,
    )


_MAX_INSTRUCTION_CHARS = 8000


def task_from_proto(task: common_pb2.Task) -> Task:
    known_modes = set(common_pb2.OrchestrationMode.values()) - {0}
    if task.mode == common_pb2.ORCHESTRATION_MODE_UNSPECIFIED:
        raise InvalidInput("task.mode is required (SEQUENTIAL, FUSION, DEBATE, RED_TEAM, RESEARCH)")
    if task.mode not in known_modes:
        raise InvalidInput(f"task.mode {int(task.mode)} is not a known orchestration mode")
    if task.resolution not in set(common_pb2.Resolution.values()):
        raise InvalidInput(f"task.resolution {int(task.resolution)} is not a known strategy")
    if not task.instruction.strip():
        raise InvalidInput("task.instruction is required")
    if len(task.instruction) > _MAX_INSTRUCTION_CHARS:
        raise LimitExceeded(
            f"task.instruction has {len(task.instruction)} characters; "
            f"the limit is {_MAX_INSTRUCTION_CHARS}"
        )
    return Task(
        instruction=task.instruction,
        mode=common_pb2.OrchestrationMode.Name(task.mode),
        resolution=common_pb2.Resolution.Name(task.resolution),
        max_output_tokens=min(int(task.max_output_tokens), 4096),
    )
