"""The unit the generator produces: one document section with exact gold spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.domain import Category, EntityType

#: Section categories, least to most sensitive (the order of ``agent.domain.Category``).
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
#: Every SPEC entity type, in the order of ``agent.domain.EntityType``.
ENTITY_TYPES: tuple[str, ...] = tuple(t.value for t in EntityType)

Span = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class Sample:
    """One generated section.

    ``spans`` are ``(start, end, ENTITY_TYPE)`` in code points, end exclusive, sorted and
    non-overlapping, on the text exactly as written (obfuscations included). ``kind`` names
    the document kind that produced it (``train.email_thread``, ``test.court_filing`` ...).
    """

    id: str
    text: str
    spans: tuple[Span, ...]
    category: str
    kind: str
    locale: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "spans": [list(s) for s in self.spans],
            "category": self.category,
            "kind": self.kind,
            "locale": self.locale,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Sample:
        return cls(
            id=str(obj["id"]),
            text=str(obj["text"]),
            spans=tuple((int(s[0]), int(s[1]), str(s[2])) for s in obj["spans"]),
            category=str(obj["category"]),
            kind=str(obj["kind"]),
            locale=str(obj["locale"]),
        )
