"""Loader for the hand-written task-instruction evaluation set
(``bench/corpus/instructions/<locale>.txt``).

The agent governs the task instruction (what the caller asks the cloud LLMs to do) like a
section: detected, classified, decided; if it may not leave, nothing of the request
leaves. This set measures how the section model does on instructions: 208 requests
written by hand in the seven locales' languages, in registers the generator
(``models/datagen/kinds_train/instructions.py``) does not write, with gold categories and
entity spans. **Evaluation only**: never used for training, threshold tuning or
calibration (``bench.instruction_bench`` reports on it).

File format (the prose corpus's annotation, ``bench/corpus/README.md``)::

    # written: ...                       (metadata lines before the first entry)
    === instruction category=internal
    Summarise the key points.
    === instruction category=health source=brief
    Summarise Mr ⟦PERSON|Patel⟧'s HbA1c results and insulin dose

``source=brief`` marks the 15 requests the task brief measured on the round-2 model
(the report gives figures with and without them); the other entries were written for
this set. An entry's text is every line up to the next ``===`` line, blank lines at either end
removed; ``⟦TYPE|value⟧`` marks an entity. Ids are ``instruction.<locale>.<nnn>``
(1-based position in the file).

Categories follow the SPEC's rules applied to the instruction's own content
(``bench/corpus/instructions/README.md``): a generic request is ``internal``; a request
that states sensitive content takes that content's category.

    python -m bench.corpus.instructions --stats
    python -m bench.corpus.instructions --out instructions.jsonl   # + .gold.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpus.prose import CATEGORIES, LOCALES, ProseFormatError, parse_annotated

ROOT = Path(__file__).resolve().parent / "instructions"
_ENTRY = re.compile(r"^=== instruction category=(\S+)(?: source=(brief|handwritten))?\s*$")
_META = re.compile(r"^# [A-Za-z_][A-Za-z0-9_-]*:")
#: categories the demo default policy keeps local or sends to review
#: (``policies/default.yaml``): a benign instruction predicted as one of these withholds
#: the whole request
WITHHELD_BY_DEFAULT: frozenset[str] = frozenset({"privileged", "financial_personal", "hr"})
#: categories of a benign instruction
BENIGN: frozenset[str] = frozenset({"public", "internal"})


@dataclass(frozen=True, slots=True)
class Instruction:
    locale: str
    index: int  # 1-based position in its file
    text: str
    spans: tuple[tuple[int, int, str], ...]
    category: str
    #: ``brief``: one of the requests the task brief measured with the round-2 model
    #: (the failures that started this work); ``handwritten``: written for this set
    source: str = "handwritten"

    @property
    def id(self) -> str:
        return f"instruction.{self.locale}.{self.index:03d}"

    @property
    def benign(self) -> bool:
        return self.category in BENIGN

    def to_json(self) -> dict[str, Any]:
        """The gold line of ``models.datagen`` (``Sample.to_json``)."""
        return {
            "id": self.id,
            "text": self.text,
            "spans": [list(s) for s in self.spans],
            "category": self.category,
            "kind": "instruction",
            "locale": self.locale,
        }


def parse_file(content: str, locale: str) -> list[Instruction]:
    where = f"instructions/{locale}.txt"
    if "\r" in content:
        raise ProseFormatError(f"{where}: CR line ends; use \\n")
    lines = content.split("\n")
    n = 0
    while n < len(lines) and not lines[n].startswith("==="):
        if lines[n].strip() and not _META.match(lines[n]):
            raise ProseFormatError(f"{where}:{n + 1}: text before the first entry")
        n += 1
    entries: list[tuple[int, str, str, list[str]]] = []
    for k in range(n, len(lines)):
        line = lines[k]
        if line.startswith("==="):
            m = _ENTRY.match(line)
            if not m:
                raise ProseFormatError(f"{where}:{k + 1}: bad entry line {line!r}")
            entries.append((k + 1, m.group(1), m.group(2) or "handwritten", []))
        else:
            entries[-1][3].append(line)
    out: list[Instruction] = []
    for index, (lineno, category, source, body) in enumerate(entries, start=1):
        ewhere = f"{where}:{lineno}"
        if category not in CATEGORIES:
            raise ProseFormatError(f"{ewhere}: unknown category {category!r}")
        while body and not body[0].strip():
            body.pop(0)
        while body and not body[-1].strip():
            body.pop()
        if not body:
            raise ProseFormatError(f"{ewhere}: empty instruction")
        text, spans = parse_annotated("\n".join(body), ewhere)
        out.append(Instruction(locale, index, text, spans, category, source))
    return out


def load_instructions(root: Path = ROOT) -> list[Instruction]:
    """Every instruction, locales in ``LOCALES`` order, entries in file order."""
    out: list[Instruction] = []
    for locale in LOCALES:
        path = root / f"{locale}.txt"
        if path.is_file():
            out += parse_file(path.read_text(encoding="utf-8"), locale)
    return out


def to_samples(root: Path = ROOT) -> list[Any]:
    """``models.datagen.Sample`` objects (for ``bench.detect_bench.evaluate``)."""
    from models.datagen.sample import Sample

    return [Sample.from_json(i.to_json()) for i in load_instructions(root)]


def stats(items: list[Instruction]) -> str:
    lines = [f"{len(items)} instructions, {sum(len(i.spans) for i in items)} entities"]
    for title, counts in (
        ("locales", Counter(i.locale for i in items)),
        ("categories", Counter(i.category for i in items)),
        ("entity types", Counter(t for i in items for _, _, t in i.spans)),
        ("words", Counter(_length_bucket(len(i.text.split())) for i in items)),
    ):
        lines.append(f"{title}:")
        lines += [f"  {k:<20} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]
    return "\n".join(lines)


def _length_bucket(words: int) -> str:
    for bound in (1, 3, 8, 15, 30):
        if words <= bound:
            return f"<= {bound} words"
    return "> 30 words"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.corpus.instructions")
    p.add_argument("--stats", action="store_true")
    p.add_argument("--out", type=Path, default=None, help="detect input JSONL (+ .gold.jsonl)")
    args = p.parse_args(argv)
    items = load_instructions()
    if args.stats or args.out is None:
        print(stats(items))
    if args.out is not None:
        name = (
            args.out.name[: -len(".jsonl")] if args.out.name.endswith(".jsonl") else args.out.name
        )
        gold = args.out.with_name(name + ".gold.jsonl")
        with args.out.open("w", encoding="utf-8") as f, gold.open("w", encoding="utf-8") as g:
            for i in items:
                f.write(json.dumps({"id": i.id, "text": i.text}, ensure_ascii=False) + "\n")
                g.write(json.dumps(i.to_json(), ensure_ascii=False) + "\n")
        print(f"wrote {len(items)} instructions to {args.out} and {gold}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
