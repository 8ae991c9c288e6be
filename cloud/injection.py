"""A deterministic screen for instructions injected into document sections.

This runs in every mode, before any model sees the request, and complements (never
replaces) the red-team auditor role: a 135M-parameter local model may miss an injection
that a pattern does not. Findings name the section index and the pattern, never the
matched text, so they are safe to log and to audit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from cloud.domain import DataSection

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "override of prior instructions",
        re.compile(
            r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|"
            r"your|system)\b.{0,20}\b(instructions?|prompts?|rules?|guidelines?)",
            re.I | re.S,
        ),
    ),
    (
        "role reassignment",
        re.compile(r"\byou are now\b|\bact as (?:an? )?(?:system|admin|developer)\b", re.I),
    ),
    (
        "fake system or operator message",
        re.compile(
            r"(^|\n)\s*(system|assistant|operator)\s*:|\[/?(system|inst)\]|<\|im_start\|>", re.I
        ),
    ),
    (
        "request to reveal prompts or secrets",
        re.compile(
            r"\b(reveal|print|show|repeat|output)\b.{0,30}\b(system prompt|instructions|"
            r"api key|password|secrets?)\b",
            re.I | re.S,
        ),
    ),
    (
        "data exfiltration request",
        re.compile(
            r"\b(send|post|upload|forward|email)\b.{0,40}\b(to|at)\b.{0,20}(https?://|www\.|@)",
            re.I | re.S,
        ),
    ),
    ("marker forgery", re.compile(r"<\s*<\s*<|>\s*>\s*>")),
)


def scan_sections(sections: Sequence[DataSection]) -> list[str]:
    """One finding per (section, pattern) that matched, in section order."""
    findings: list[str] = []
    for s in sections:
        text = unicodedata.normalize("NFKC", s.text).replace("\u200b", "")
        for name, pattern in _PATTERNS:
            if pattern.search(text):
                findings.append(f"section {s.index}: {name} (pattern screen)")
    return findings
