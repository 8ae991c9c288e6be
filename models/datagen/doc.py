"""A text builder that records exact gold spans while a section is being written.

Sentence generators never compute offsets by hand: they append plain text with ``t`` and
entity values with ``e``; the builder knows where every value landed. This is what keeps
the spans exact however the text is composed, shuffled or obfuscated.
"""

from __future__ import annotations

from models.datagen.sample import ENTITY_TYPES, Span


class Doc:
    """Append-only text with spans. Offsets are code points, end exclusive."""

    __slots__ = ("_len", "_parts", "_spans")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._spans: list[Span] = []
        self._len = 0

    def t(self, text: str) -> Doc:
        """Append text that holds no entity."""
        self._parts.append(text)
        self._len += len(text)
        return self

    def e(self, value: str, etype: str) -> Doc:
        """Append an entity value and record its span."""
        if etype not in ENTITY_TYPES:
            raise ValueError(f"unknown entity type {etype}")
        if not value or value != value.strip():
            raise ValueError(f"empty or padded {etype} value")
        start = self._len
        self.t(value)
        self._spans.append((start, self._len, etype))
        return self

    def nl(self, count: int = 1) -> Doc:
        return self.t("\n" * count)

    def ends_with_newline(self) -> bool:
        return not self._parts or self._parts[-1].endswith("\n")

    def __len__(self) -> int:
        return self._len

    @property
    def text(self) -> str:
        return "".join(self._parts)

    @property
    def spans(self) -> tuple[Span, ...]:
        return tuple(sorted(self._spans))

    def lower_at(self, offset: int) -> None:
        """Lower-case a capitalised word's first letter at ``offset`` (acronyms stay as
        they are); the length is the same, so every span stays exact."""
        text = self.text
        if not 0 <= offset < len(text) or not text[offset].isupper():
            return
        if offset + 1 < len(text) and not text[offset + 1].islower():
            return
        self._parts = [text[:offset] + text[offset].lower() + text[offset + 1 :]]

    def truncate_to(self, length: int) -> None:
        """Cut the text back to ``length`` (a previous ``len(doc)``), dropping later spans."""
        text = self.text[:length]
        self._parts = [text]
        self._len = len(text)
        self._spans = [s for s in self._spans if s[1] <= length]
