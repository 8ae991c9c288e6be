"""Stage 1: split a document into sections, keeping headings and offsets.

The sections partition the document: every character belongs to exactly one section, so
``"".join(s.text for s in sections) == text`` and nothing can slip past detection in a gap.
"""

from agent.split.splitter import DEFAULT_TARGET_CHARS, split_document

__all__ = ["DEFAULT_TARGET_CHARS", "split_document"]
