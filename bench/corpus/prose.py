"""Loader for the hand-written prose evaluation set (``bench/corpus/prose/<locale>/*.txt``).

Standard library only. See ``bench/corpus/README.md`` for the file format and the
annotation rules. The set is for evaluation only: never train or tune thresholds on it.

    python -m bench.corpus.prose --stats
    python -m bench.corpus.prose --out prose.jsonl   # + prose.gold.jsonl next to it
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent / "prose"

LOCALES: tuple[str, ...] = ("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "es_ES", "it_IT")
#: The SPEC's section categories, least to most sensitive (``agent.domain.Category``).
CATEGORIES: tuple[str, ...] = (
    "public",
    "internal",
    "confidential",
    "financial_personal",
    "hr",
    "health",
    "privileged",
)
#: The SPEC's entity types (``agent.domain.EntityType``).
ENTITY_TYPES: tuple[str, ...] = (
    "PERSON",
    "ORGANIZATION",
    "LOCATION",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "UK_NHS",
    "UK_NINO",
    "IP_ADDRESS",
    "DATE_OF_BIRTH",
    "MEDICAL_RECORD_NUMBER",
    "PASSPORT_NUMBER",
    "SECRET",
)

OPEN, CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧
_SECTION = re.compile(r"^=== section category=(\S+)\s*$")
_SECTION_LIKE = re.compile(r"^===")
_META = re.compile(r"^# ([A-Za-z_][A-Za-z0-9_-]*):\s*(.*?)\s*$")
_FILE = re.compile(r"^([a-z0-9_]+)-(\d{2,})\.txt$")
_TYPE = re.compile(r"[A-Z_]+")

Span = tuple[int, int, str]


class ProseFormatError(ValueError):
    """A document that does not follow the format; the message names file and line."""


@dataclass(frozen=True, slots=True)
class ProseSection:
    """One section of one hand-written document, annotations resolved to spans."""

    doc_id: str  # "<locale>/<kind>-<nn>"
    locale: str
    kind: str
    index: int  # 0-based position of the section in its document
    text: str
    spans: tuple[Span, ...]  # (start, end, TYPE), code points, end exclusive, sorted
    category: str

    @property
    def id(self) -> str:
        locale, stem = self.doc_id.split("/", 1)
        return f"prose.{locale}.{stem}.{self.index}"

    def to_json(self) -> dict[str, Any]:
        """The gold line of ``models.datagen`` (``Sample.to_json``)."""
        return {
            "id": self.id,
            "text": self.text,
            "spans": [list(s) for s in self.spans],
            "category": self.category,
            "kind": f"prose.{self.kind}",
            "locale": self.locale,
        }


def parse_annotated(raw: str, where: str = "<text>") -> tuple[str, tuple[Span, ...]]:
    """``"a ⟦PERSON|Jane⟧ b"`` -> ``("a Jane b", ((2, 6, "PERSON"),))``."""
    out: list[str] = []
    spans: list[Span] = []
    pos = 0  # in raw
    length = 0  # of the text built so far
    while True:
        i = raw.find(OPEN, pos)
        stray = raw.find(CLOSE, pos)
        if stray != -1 and (i == -1 or stray < i):
            raise ProseFormatError(
                f"{where}: '{CLOSE}' without '{OPEN}' at {_line_col(raw, stray)}"
            )
        if i == -1:
            out.append(raw[pos:])
            break
        j = raw.find(CLOSE, i + 1)
        if j == -1:
            raise ProseFormatError(f"{where}: unclosed '{OPEN}' at {_line_col(raw, i)}")
        inner = raw[i + 1 : j]
        if OPEN in inner:
            raise ProseFormatError(f"{where}: nested '{OPEN}' at {_line_col(raw, i)}")
        etype, bar, value = inner.partition("|")
        loc = _line_col(raw, i)
        if not bar or not _TYPE.fullmatch(etype):
            raise ProseFormatError(f"{where}: annotation without TYPE| at {loc}: {inner!r}")
        if etype not in ENTITY_TYPES:
            raise ProseFormatError(f"{where}: unknown entity type {etype!r} at {loc}")
        if not value or value != value.strip():
            raise ProseFormatError(f"{where}: empty or space-padded value at {loc}: {value!r}")
        chunk = raw[pos:i]
        out.append(chunk)
        length += len(chunk)
        spans.append((length, length + len(value), etype))
        out.append(value)
        length += len(value)
        pos = j + 1
    return "".join(out), tuple(spans)


def _line_col(raw: str, offset: int) -> str:
    line = raw.count("\n", 0, offset) + 1
    col = offset - (raw.rfind("\n", 0, offset) + 1) + 1
    return f"section line {line} col {col}"


def parse_document(content: str, locale: str, name: str) -> list[ProseSection]:
    """Parse one file's content (``name`` is the file name, ``<kind>-<nn>.txt``)."""
    where = f"{locale}/{name}"
    m = _FILE.match(name)
    if not m:
        raise ProseFormatError(f"{where}: file name is not <kind>-<nn>.txt")
    stem = name[: -len(".txt")]
    if "\r" in content:
        raise ProseFormatError(f"{where}: CR line ends; use \\n")
    lines = content.split("\n")
    meta: dict[str, str] = {}
    n = 0
    while n < len(lines) and not _SECTION_LIKE.match(lines[n]):
        line = lines[n]
        if line.strip():
            mm = _META.match(line)
            if not mm:
                raise ProseFormatError(f"{where}:{n + 1}: text before the first section")
            meta[mm.group(1)] = mm.group(2)
        n += 1
    kind = meta.get("kind")
    if kind is None:
        raise ProseFormatError(f"{where}: no '# kind:' metadata line")
    if kind != m.group(1):
        raise ProseFormatError(f"{where}: '# kind: {kind}' does not match the file name")
    raw_sections: list[tuple[int, str, list[str]]] = []
    for k in range(n, len(lines)):
        line = lines[k]
        if _SECTION_LIKE.match(line):
            sm = _SECTION.match(line)
            if not sm:
                raise ProseFormatError(f"{where}:{k + 1}: bad section line {line!r}")
            raw_sections.append((k + 1, sm.group(1), []))
        else:
            raw_sections[-1][2].append(line)
    if not raw_sections:
        raise ProseFormatError(f"{where}: no section")
    sections: list[ProseSection] = []
    for index, (lineno, category, body) in enumerate(raw_sections):
        swhere = f"{where}:{lineno}"
        if category not in CATEGORIES:
            raise ProseFormatError(f"{swhere}: unknown category {category!r}")
        while body and not body[0].strip():
            body.pop(0)
        while body and not body[-1].strip():
            body.pop()
        if not body:
            raise ProseFormatError(f"{swhere}: empty section")
        text, spans = parse_annotated("\n".join(body), swhere)
        sections.append(
            ProseSection(
                doc_id=f"{locale}/{stem}",
                locale=locale,
                kind=kind,
                index=index,
                text=text,
                spans=spans,
                category=category,
            )
        )
    return sections


def document_paths(root: Path | str | None = None) -> list[tuple[str, Path]]:
    """``(locale, path)`` of every document, in locale order then file name order."""
    base = Path(root) if root is not None else ROOT
    out: list[tuple[str, Path]] = []
    for locale in LOCALES:
        folder = base / locale
        if folder.is_dir():
            out.extend((locale, p) for p in sorted(folder.glob("*.txt")))
    return out


def load_prose_corpus(root: Path | str | None = None) -> list[ProseSection]:
    """Every section of every document under ``root`` (default: ``bench/corpus/prose``)."""
    sections: list[ProseSection] = []
    for locale, path in document_paths(root):
        content = path.read_text(encoding="utf-8")
        sections.extend(parse_document(content, locale, path.name))
    return sections


def to_gold_jsonl(path: Path | str, sections: Iterable[ProseSection] | None = None) -> int:
    """Write one gold line per section (``models.datagen`` format); returns the count."""
    items = list(sections) if sections is not None else load_prose_corpus()
    with Path(path).open("w", encoding="utf-8") as f:
        for s in items:
            f.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
    return len(items)


def to_samples(sections: Iterable[ProseSection] | None = None) -> list[Any]:
    """The sections as ``models.datagen.Sample`` objects (what ``bench.detect_bench.evaluate``
    scores), so the prose set can be scored like the generated test split. Imports the
    project lazily: the loader itself needs only the standard library."""
    from models.datagen.sample import Sample

    items = list(sections) if sections is not None else load_prose_corpus()
    return [Sample.from_json(s.to_json()) for s in items]


def stats(sections: list[ProseSection]) -> str:
    docs = {s.doc_id for s in sections}
    tables = {
        "locales (documents)": Counter(d.split("/")[0] for d in docs),
        "locales (sections)": Counter(s.locale for s in sections),
        "kinds (documents)": Counter(d.split("/")[1].rsplit("-", 1)[0] for d in docs),
        "categories": Counter(s.category for s in sections),
        "entity types": Counter(t for s in sections for _, _, t in s.spans),
    }
    n_spans = sum(len(s.spans) for s in sections)
    lines = [f"{len(docs)} documents, {len(sections)} sections, {n_spans} spans"]
    lines.append(f"sections without any span: {sum(not s.spans for s in sections)}")
    for title, counts in tables.items():
        lines.append(f"\n{title}:")
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {key:<28} {n}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus.prose", description=__doc__)
    parser.add_argument("--root", default=None, help="corpus root (default: bench/corpus/prose)")
    parser.add_argument("--locale", action="append", help="only these locales (repeatable)")
    parser.add_argument("--stats", action="store_true", help="print counts")
    parser.add_argument(
        "--out", default=None, help="write {id,text} lines here and gold next to it"
    )
    args = parser.parse_args(argv)
    sections = load_prose_corpus(args.root)
    if args.locale:
        sections = [s for s in sections if s.locale in args.locale]
    if args.stats or not args.out:
        print(stats(sections))
    if args.out:
        out = Path(args.out)
        name = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
        gold = out.with_name(name + ".gold.jsonl")
        with out.open("w", encoding="utf-8") as f:
            for s in sections:
                f.write(json.dumps({"id": s.id, "text": s.text}, ensure_ascii=False) + "\n")
        to_gold_jsonl(gold, sections)
        print(f"wrote {len(sections)} sections to {out} and gold to {gold}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
