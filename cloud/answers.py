"""Reading model outputs: the stated answer, the stated confidence, a normalised label.

Every prompt asks the model to end with ``ANSWER: ...`` and ``CONFIDENCE: 0..1``. Small
models do not always comply, so each reader has a fallback: no ANSWER line means the whole
output is the answer; no stated confidence means the logprob-derived one, or none.
"""

from __future__ import annotations

import math
import re
import unicodedata

_ANSWER = re.compile(
    r"^\s*\**\s*(?:final\s+)?answer\s*\**\s*[:=-]\s*\**\s*", re.IGNORECASE | re.MULTILINE
)
_CONFIDENCE = re.compile(
    r"confidence\s*\**\s*[:=-]?\s*\**\s*(\d{1,3}(?:\.\d+)?|\.\d+)\s*(%)?", re.IGNORECASE
)
_CONFIDENCE_LINE = re.compile(r"^\s*\**\s*confidence\b.*$", re.IGNORECASE | re.MULTILINE)
_MARKER_LINE = re.compile(r"^\s*<<<[^\n]*$\n?", re.MULTILINE)
_PUNCT = re.compile(r"[^\w\s]")
_LABEL_PREFIX = re.compile(r"^(?:the\s+)?(?:final\s+)?(?:answer|label|verdict)\s+is\s+")
_WORD = re.compile(r"\w+")

LABEL_MAX_WORDS = 5
LABEL_MAX_CHARS = 48


def parse_answer(output: str) -> str:
    """The text after the last ``ANSWER:`` marker (without the confidence line)."""
    matches = list(_ANSWER.finditer(output))
    body = output[matches[-1].end() :] if matches else output
    body = _CONFIDENCE_LINE.sub("", body)
    body = _MARKER_LINE.sub("", body)  # small models echo our quoting markers
    return body.strip()


def parse_confidence(output: str) -> float | None:
    """The last stated confidence, as 0..1 (``0.8``, ``80%`` and ``80`` all mean 0.8)."""
    matches = list(_CONFIDENCE.finditer(output))
    if not matches:
        return None
    number, percent = matches[-1].group(1), matches[-1].group(2)
    value = float(number)
    if percent or value > 1.0:
        value /= 100.0
    if not 0.0 <= value <= 1.0:
        return None
    return value


def logprob_confidence(mean_logprob: float | None) -> float | None:
    """The geometric-mean token probability of a completion, when the API gave logprobs."""
    if mean_logprob is None or not math.isfinite(mean_logprob):
        return None
    return min(1.0, max(0.0, math.exp(mean_logprob)))


def confidence_of(output: str, mean_logprob: float | None) -> float:
    """Stated confidence, else logprob-derived, else 0.5 (no information)."""
    stated = parse_confidence(output)
    if stated is not None:
        return stated
    derived = logprob_confidence(mean_logprob)
    return 0.5 if derived is None else derived


def normalise_label(answer: str) -> str:
    """A comparable form: NFKC, case-folded, first line, no punctuation or filler."""
    text = unicodedata.normalize("NFKC", answer).casefold()
    lines = [line for line in text.splitlines() if line.strip()]
    text = lines[0] if lines else ""
    text = _PUNCT.sub(" ", text)
    text = " ".join(text.split())
    return _LABEL_PREFIX.sub("", text).strip()


def is_label(label: str) -> bool:
    return 0 < len(label) <= LABEL_MAX_CHARS and len(label.split()) <= LABEL_MAX_WORDS


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of word sets: a cheap agreement measure for free text."""
    wa = set(_WORD.findall(a.casefold()))
    wb = set(_WORD.findall(b.casefold()))
    if not wa and not wb:
        return 1.0
    return len(wa & wb) / len(wa | wb)


def tagged_lines(output: str, tag: str) -> list[str]:
    """Values of lines like ``TAG: value`` (e.g. ``INJECTION:``, ``THREAD:``, ``ATTACK:``)."""
    pattern = re.compile(rf"^\s*[-*\d.)\s]*\**{re.escape(tag)}\**\s*[:=-]\s*(.+)$", re.I | re.M)
    return [m.group(1).strip() for m in pattern.finditer(output) if m.group(1).strip()]
