"""The recognizer interface: a recognizer is mostly data plus one hook.

A recognizer looks at (normalised) text and returns spans of SPEC entity types. The
pattern engine (``agent.recognize.engine``) runs the configured recognizers over a
normalised view of the text and maps every span back to the original offsets.
"""

from __future__ import annotations

from typing import Protocol

from agent.domain import Entity, EntityType


class Recognizer(Protocol):
    name: str
    entity_types: frozenset[EntityType]

    def entities(self, text: str) -> list[Entity]:
        """Spans found in ``text`` (offsets into ``text``)."""
        ...
