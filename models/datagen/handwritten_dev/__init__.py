"""A small development set written by hand, not by the generator (issue 18).

The generated dev split shares document kinds and wording with training, so decisions
tuned on it (thresholds, calibration, merge rules) are tuned on the generator. These
documents were written by hand in other registers (chat exports, meeting notes, web
pages, clinical letters, configuration, e-mails) to see errors the generator cannot
show. They are development data: look at them, tune on them. The held-out prose set
(``bench/corpus``) is a different set, written by other people, and is never tuned on.

Format (one document per ``.txt`` file, ``<locale>-<kind>-<nn>.txt``): ``# key: value``
metadata lines, then sections, each opened by ``=== section category=<category>``; an
entity is written ``⟦TYPE|value⟧`` in place, and the annotation marks are removed from
the text. Conventions are those of ``models/datagen/README.md`` (titles outside PERSON
spans, a street address is one LOCATION span, product and brand names are not
organisations, reference numbers are not identifiers).

    python -m models.datagen.handwritten_dev --out dev.jsonl  # + dev.gold.jsonl
"""

from __future__ import annotations

import re
from pathlib import Path

from models.datagen.sample import CATEGORIES, ENTITY_TYPES, Sample

ROOT = Path(__file__).resolve().parent
OPEN, CLOSE = "\u27e6", "\u27e7"
_SECTION = re.compile(r"^=== section category=(\S+)\s*$")
_FILE = re.compile(r"^([a-z]{2}_[A-Z]{2})-([a-z0-9_]+)-(\d{2})\.txt$")


class HandwrittenFormatError(ValueError):
    """A document that does not follow the format (the message names the file)."""


def parse_annotated(raw: str, where: str) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """``"a ⟦PERSON|Jane⟧ b"`` -> ``("a Jane b", ((2, 6, "PERSON"),))``."""
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = length = 0
    while True:
        i = raw.find(OPEN, pos)
        if i == -1:
            if CLOSE in raw[pos:]:
                raise HandwrittenFormatError(f"{where}: stray {CLOSE}")
            out.append(raw[pos:])
            break
        j = raw.find(CLOSE, i)
        etype, bar, value = raw[i + 1 : j].partition("|")
        if j == -1 or not bar or etype not in ENTITY_TYPES or not value or OPEN in value:
            raise HandwrittenFormatError(f"{where}: bad annotation {raw[i : i + 40]!r}")
        chunk = raw[pos:i]
        out.append(chunk)
        length += len(chunk)
        spans.append((length, length + len(value), etype))
        out.append(value)
        length += len(value)
        pos = j + 1
    return "".join(out), tuple(spans)


def parse_document(content: str, name: str) -> list[Sample]:
    m = _FILE.match(name)
    if m is None:
        raise HandwrittenFormatError(f"{name}: not <locale>-<kind>-<nn>.txt")
    locale, kind, number = m.groups()
    sections: list[tuple[str, list[str]]] = []
    for line in content.splitlines():
        head = _SECTION.match(line)
        if head:
            if head.group(1) not in CATEGORIES:
                raise HandwrittenFormatError(f"{name}: unknown category {head.group(1)!r}")
            sections.append((head.group(1), []))
        elif sections:
            sections[-1][1].append(line)
        elif line.strip() and not line.startswith("#"):
            raise HandwrittenFormatError(f"{name}: text before the first section")
    out: list[Sample] = []
    for index, (category, lines) in enumerate(sections):
        text, spans = parse_annotated("\n".join(lines).strip("\n"), f"{name}#{index}")
        out.append(
            Sample(
                id=f"hw.{locale}.{kind}-{number}.{index}",
                text=text,
                spans=spans,
                category=category,
                kind=f"handwritten.{kind}",
                locale=locale,
            )
        )
    if not out:
        raise HandwrittenFormatError(f"{name}: no section")
    return out


def load(root: Path = ROOT) -> list[Sample]:
    """Every section of every document, in file name order."""
    samples: list[Sample] = []
    for path in sorted(root.glob("*.txt")):
        samples.extend(parse_document(path.read_text(encoding="utf-8"), path.name))
    return samples
