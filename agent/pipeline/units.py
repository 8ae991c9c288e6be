"""Govern: the units of a request - its sections (heading plus body) and the instruction.

Caller-given sections are used as they are; a text is split by ``agent.split``. Each
section becomes a ``Unit`` whose text carries its heading (``Unit.of_section``), so the
heading is detected, classified and decided with the body it names.
"""

from __future__ import annotations

from agent.domain import DocumentRequest, Section, Unit
from agent.split import split_document


def sections_of(req: DocumentRequest, target_chars: int) -> tuple[Section, ...]:
    if req.sections:
        return tuple(req.sections)
    return tuple(split_document(req.text, target_chars))


def section_units(req: DocumentRequest, target_chars: int) -> tuple[Unit, ...]:
    return tuple(Unit.of_section(s) for s in sections_of(req, target_chars))
