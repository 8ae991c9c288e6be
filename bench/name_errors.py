"""Where false PERSON / LOCATION / ORGANIZATION predictions come from, on development data.

    python -m bench.name_errors [--models NAME=DIR ...] [--dev-samples 700] [--json FILE]

The held-out prose corpus measured 2,510 false PERSON, 801 LOCATION and 497 ORGANIZATION
predictions (precision 0.445) and may not be looked at. This tool looks at development
data instead - the hand-written dev set (``models/datagen/handwritten_dev``) and a
generated dev sample (``models.datagen.generate("dev")``) - and sorts every predicted
name, place or organisation that overlaps no gold entity by its likely cause:

* ``label``: followed by a colon (``Betreff:``, ``Objet :``, ``Attendees:``);
* ``role/title``: a job title, role or courtesy title (Geschäftsführer, Rechtsanwältin,
  directeur financier, notaris, Managing Director, Herr, Maître);
* ``request verb``: a request verb at a clause start (``agent.detect.imperatives``);
* ``clause start``: another word opening a line, sentence or bullet (Laut, Gemäß, Selon);
* ``Title Case line``: on a heading-like line whose words are mostly capitalised;
* ``German noun``: capitalised words in German text (Vertrag, Kündigung, Abteilung);
* ``product``: a product or brand name of the generator's list;
* ``other capitalised`` / ``lower case``: the rest.

Dev data only: the numbers guide the generator's hard negatives; they are not held-out
evidence. Every system runs the ONNX INT8 engine with today's merge rules.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NAME_TYPES = frozenset({"PERSON", "LOCATION", "ORGANIZATION"})
CAUSES = (
    "label",
    "role/title",
    "request verb",
    "clause start",
    "Title Case line",
    "German noun",
    "product",
    "other capitalised",
    "lower case",
)


def role_words() -> frozenset[str]:
    from models.datagen.kinds_train import prose_de, prose_nl_en, prose_romance
    from models.datagen.kinds_train.instr_render import TITLES

    words: set[str] = set()
    tables = (prose_de.TABLE, prose_nl_en.NL, prose_nl_en.EN, *_romance(prose_romance))
    for table in tables:
        for role in table["ROLE"]:
            words.update(w.lower() for w in role.split())
    for titles in TITLES.values():
        for t in titles:
            words.update(w.lower().strip(".'") for w in t.split())
    words.update(
        {
            "ceo", "cfo", "coo", "cto", "director", "directeur", "direktor", "direttore",
            "manager", "head", "chief", "officer", "counsel", "partner", "associate", "lead",
            "president", "präsident", "président", "presidente", "chair", "chairman", "secretary",
            "herr", "frau", "mr", "mrs", "ms", "dr", "prof", "maître", "avv", "dott", "sig",
        }
    )  # fmt: skip
    words.discard("")
    return frozenset(words)


def _romance(module: Any) -> tuple[Any, ...]:
    return (module.FR, module.ES, module.IT)


def products() -> frozenset[str]:
    from models.datagen.kinds_train.round2 import _PRODUCTS

    return frozenset(p.lower() for p in _PRODUCTS)


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def cause(
    text: str, start: int, end: int, locale: str, roles: frozenset[str], prods: frozenset[str]
) -> str:
    from agent.detect.imperatives import clause_start, is_imperative

    value = text[start:end]
    words = _WORD.findall(value)
    if re.match(r"[ \t]*:", text[end:]):
        return "label"
    if words and all(w.lower() in roles for w in words):
        return "role/title"
    if any(w.lower() in roles for w in words) and len(words) <= 3:
        return "role/title"
    if words and is_imperative(words[0]) and clause_start(text, start):
        return "request verb"
    if value.lower() in prods:
        return "product"
    if clause_start(text, start):
        return "clause start"
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    line_words = _WORD.findall(line)
    if len(line_words) >= 3 and sum(w[0].isupper() for w in line_words) / len(line_words) >= 0.6:
        return "Title Case line"
    if not any(c.isupper() for c in value):
        return "lower case"
    if locale == "de_DE":
        return "German noun"
    return "other capitalised"


def diagnose(samples: Sequence[Any], engine: Any) -> dict[str, Any]:
    roles, prods = role_words(), products()
    analyses = engine.analyze([s.text for s in samples])
    counts: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    by_locale: Counter[str] = Counter()
    examples: dict[str, list[str]] = {c: [] for c in CAUSES}
    n_pred = n_false = 0
    for s, a in zip(samples, analyses, strict=True):
        for e in a.entities:
            if e.type.value not in NAME_TYPES:
                continue
            n_pred += 1
            if any(g0 < e.end and e.start < g1 for g0, g1, _ in s.spans):
                continue
            n_false += 1
            c = cause(s.text, e.start, e.end, s.locale, roles, prods)
            counts[c] += 1
            by_type[e.type.value] += 1
            by_locale[s.locale] += 1
            if len(examples[c]) < 12:
                examples[c].append(f"{s.text[e.start : e.end]!r} ({e.type.value}, {s.locale})")
    return {
        "sections": len(samples),
        "name_predictions": n_pred,
        "false_no_overlap": n_false,
        "by_cause": dict(counts.most_common()),
        "by_type": dict(by_type.most_common()),
        "by_locale": dict(by_locale.most_common()),
        "examples": {k: v for k, v in examples.items() if v},
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.name_errors", description=__doc__)
    p.add_argument("--models", action="append", default=[], metavar="NAME=DIR")
    p.add_argument("--dev-samples", type=int, default=700)
    p.add_argument("--dev-seed", type=int, default=99)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)

    from agent.detect import load_engine
    from models.datagen import generate
    from models.datagen.handwritten_dev import load as load_handwritten

    models = dict(m.split("=", 1) for m in args.models) or {
        "committed": str(REPO / "models" / "artifacts")
    }
    sets = {
        "hand-written dev": load_handwritten(),
        f"generated dev (seed {args.dev_seed})": generate("dev", args.dev_samples, args.dev_seed),
    }
    out: dict[str, dict[str, Any]] = {}
    for name, d in models.items():
        engine = load_engine("onnx", Path(d))
        for set_name, samples in sets.items():
            r = diagnose(samples, engine)
            out[f"{set_name} | {name}"] = r
            print(
                f"== {set_name} | {name}: {r['false_no_overlap']} false of {r['name_predictions']}"
            )
            print(f"   by cause: {r['by_cause']}")
            print(f"   by type: {r['by_type']}; by locale: {r['by_locale']}")
            for c, ex in r["examples"].items():
                print(f"   {c}: {'; '.join(ex[:8])}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
