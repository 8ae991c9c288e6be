"""Obfuscated surface forms the SPEC requires detection to survive.

Each transform rewrites an entity value; the span then covers the rewritten text exactly
as it appears in the section (the original-text convention of ``bastion detect``).
"""

from __future__ import annotations

import random

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")
_FULLWIDTH = {ord(d): chr(0xFF10 + int(d)) for d in "0123456789"}


def obfuscate_email(rng: random.Random, email: str) -> str:
    """``jane.doe@example.com`` -> ``jane.doe [at] example [dot] com`` and variants."""
    local, _, domain = email.partition("@")
    at, dot = rng.choice(
        (
            (" [at] ", " [dot] "),
            (" (at) ", " (dot) "),
            (" at ", " dot "),
            ("[at]", "[dot]"),
            (" AT ", " DOT "),
            (" {at} ", " {dot} "),
        )
    )
    return local + at + dot.join(domain.split("."))


def insert_zero_width(rng: random.Random, value: str) -> str:
    """Zero-width characters (or a soft hyphen) inside an identifier, never at its ends."""
    if len(value) < 3:
        return value
    chars = list(value)
    for _ in range(rng.randint(1, 3)):
        pos = rng.randint(1, len(chars) - 1)
        chars.insert(pos, rng.choice(ZERO_WIDTH))
    return "".join(chars)


def fullwidth_digits(value: str) -> str:
    return value.translate(_FULLWIDTH)


def break_line(rng: random.Random, value: str) -> str:
    """An identifier wrapped across a line (at a separator when there is one)."""
    if len(value) < 6:
        return value
    seps = [i for i, ch in enumerate(value) if ch in " -" and 2 < i < len(value) - 2]
    if seps:
        i = rng.choice(seps)
        return value[:i] + "\n" + value[i + 1 :]
    i = rng.randint(3, len(value) - 3)
    return value[:i] + rng.choice(("\n", "-\n", " \n")) + value[i:]


def obfuscate(rng: random.Random, value: str, etype: str) -> str:
    """One adversarial form fitting the type (emails get the ``[at]`` treatment)."""
    if etype == "EMAIL_ADDRESS" and rng.random() < 0.7:
        return obfuscate_email(rng, value)
    has_digits = any(ch.isdigit() for ch in value)
    r = rng.random()
    if has_digits and r < 0.35:
        return fullwidth_digits(value)
    if r < 0.7:
        return insert_zero_width(rng, value)
    return break_line(rng, value)
