"""Linear time on pathological text, and what the egress re-check costs per request.

    python -m bench.pathological [--size 1048576] [--small 65536] [--no-docs]

1. Pathological inputs of ``--size`` characters (1 MB): digit columns, card-shaped
   columns, hex ids, repeated separators, one long token, many short lines, one very
   long line of prose, obfuscation triggers. Each goes through the pattern engine
   (detection), the independent scanner and ``KnownValues`` (5,000 values), and the
   splitter. Reported: seconds per MB at full size, and the ratio to a linear baseline
   measured in the same run, ``time(size) / (size / small * time(small))``, the small
   input being the first ``--small`` characters of the same kind (64 KB): about 1 for
   linear work, 16 for quadratic work at these sizes. Each time is the least CPU time
   of ``--repeat`` runs.
2. The re-check's cost per request beside detection's for the same request
   (``request_costs``, reusable with another detector, e.g. the full pipeline): requests
   of 8 generated sections; detection = the pattern engine on each section; re-check =
   ``KnownValues`` built from the detected values + ``EgressChecker.check`` on the
   serialized request.

Results go to docs/benchmarks.md between ``<!-- pathological:begin -->`` and
``<!-- pathological:end -->``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.domain import EntityType
from agent.egress import EgressChecker, IndependentScanner, KnownValues
from agent.recognize import PatternEngine
from agent.split import split_document
from bastion.wire.v1 import cloud_pb2

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- pathological:begin -->", "<!-- pathological:end -->"
MB = 1 << 20


def _fill(size: int, piece: Callable[[], str]) -> str:
    parts: list[str] = []
    total = 0
    while total < size:
        p = piece()
        parts.append(p)
        total += len(p)
    return "".join(parts)[:size]


def inputs(size: int, seed: int = 7) -> dict[str, str]:
    """Pathological texts of ``size`` characters, by kind (deterministic for a seed)."""
    rng = random.Random(seed)
    digits = "0123456789"
    hexdigits = "0123456789abcdef"
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    words = ["the", "client", "agreed", "to", "meet", "on", "monday", "about", "the", "lease"]

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    return {
        "digit column": _fill(size, lambda: pick(digits, rng.randint(4, 20)) + "\n"),
        "card column": _fill(size, lambda: "4111 1111 1111 1111\n"),
        "one digit run": _fill(size, lambda: pick(digits, 64)),
        "spaced digits": _fill(size, lambda: rng.choice(digits) + " "),
        "hex ids": _fill(size, lambda: pick(hexdigits, 32) + "\n"),
        "separators": _fill(size, lambda: rng.choice("-. _/:,;\n")),
        "long token": _fill(size, lambda: pick(b64, 64)),
        "short lines": _fill(size, lambda: rng.choice(["a", "1", "x1", "ab", "9", "-"]) + "\n"),
        "long line": _fill(size, lambda: rng.choice(words) + " "),
        "at/dot triggers": _fill(size, lambda: rng.choice(["a [at] ", "b (dot) ", "c at ", "@"])),
    }


def _best(fn: Callable[[str], object], text: str, repeat: int) -> float:
    """The least CPU time of ``repeat`` runs (CPU time of this process: other work on
    the shared cores inflates it less than wall time)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        fn(text)
        best = min(best, time.process_time() - started)
    return best


@dataclass(frozen=True, slots=True)
class Row:
    system: str
    kind: str
    seconds: float  # at full size
    per_mb: float
    ratio: float  # to the linear extrapolation of the small input


def known_values(n: int = 5000, seed: int = 3) -> KnownValues:
    rng = random.Random(seed)
    first = ["Jane", "Oliver", "Amara", "Li", "Sophie", "Mateo", "Priya", "Jonas"]
    last = ["Doe", "Bennett", "Okafor", "Wei", "Berg", "Garcia", "Sharma", "Keller"]
    values: list[tuple[EntityType | None, str]] = []
    for i in range(n):
        if i % 3 == 0:
            values.append((EntityType.PERSON, f"{rng.choice(first)} {rng.choice(last)}{i}"))
        elif i % 3 == 1:
            number = "".join(rng.choice("0123456789") for _ in range(16))
            values.append((EntityType.CREDIT_CARD, number))
        else:
            values.append((EntityType.EMAIL_ADDRESS, f"user{i}@example{i % 50}.com"))
    return KnownValues.build(values)


def systems() -> dict[str, Callable[[str], object]]:
    engine = PatternEngine.default()
    scanner = IndependentScanner()
    known = known_values()
    return {
        "pattern engine": engine.entities,
        "independent scanner": scanner.scan,
        "KnownValues (5,000)": known.find,
        "splitter": split_document,
    }


def measure(size: int, small: int, repeat: int, only: Sequence[str] = ()) -> list[Row]:
    rows: list[Row] = []
    texts = inputs(size)
    for system, fn in systems().items():
        if only and system not in only:
            continue
        for kind, text in texts.items():
            t_small = _best(fn, text[:small], repeat)
            t_full = _best(fn, text, repeat)
            ratio = t_full / (size / small * t_small) if t_small > 0 else float("nan")
            rows.append(Row(system, kind, t_full, t_full * MB / size, ratio))
            per_mb = t_full * MB / size
            print(f"{system:22} {kind:16} {per_mb:7.3f} s/MB  ratio {ratio:5.2f}", flush=True)
    return rows


# -- the re-check's cost per request ------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RequestCost:
    requests: int
    sections_per_request: int
    chars_per_request: float
    detect_ms: float  # median per request
    recheck_ms: float  # median per request: KnownValues build + check
    build_ms: float  # of which: KnownValues build
    values_per_request: float


def request_costs(
    requests: Sequence[Sequence[str]],
    detect: Callable[[str], Sequence[tuple[EntityType, int, int]]],
    checker: EgressChecker | None = None,
    instruction: str = "Summarise the sections.",
) -> RequestCost:
    """Per request: ``detect`` on every section (returning ``(type, start, end)``), then
    the re-check of the serialized request with every detected value known: the figure
    the lead's pipeline benchmark can reuse with the full detection engine."""
    checker = checker or EgressChecker()
    detect_s: list[float] = []
    recheck_s: list[float] = []
    build_s: list[float] = []
    n_values: list[int] = []
    forbidden = frozenset({EntityType.CREDIT_CARD, EntityType.SECRET, EntityType.IBAN_CODE})
    for sections in requests:
        started = time.perf_counter()
        found = [(text, detect(text)) for text in sections]
        detect_s.append(time.perf_counter() - started)
        request = cloud_pb2.OrchestrateRequest(request_id="r-1", tenant="acme-law")
        request.task.instruction = instruction
        for i, text in enumerate(sections):
            request.sections.add(index=i, text=text, category="internal")
        payload = request.SerializeToString()
        values = [(t, text[s:e]) for text, spans in found for t, s, e in spans]
        started = time.perf_counter()
        known = checker.known_values(values)
        built = time.perf_counter()
        checker.check(payload, forbidden, known, safe_strings=["r-1", "acme-law", "internal"])
        done = time.perf_counter()
        build_s.append(built - started)
        recheck_s.append(done - started)
        n_values.append(len(values))
    return RequestCost(
        requests=len(requests),
        sections_per_request=max(len(r) for r in requests),
        chars_per_request=statistics.fmean(sum(len(t) for t in r) for r in requests),
        detect_ms=statistics.median(detect_s) * 1000,
        recheck_ms=statistics.median(recheck_s) * 1000,
        build_ms=statistics.median(build_s) * 1000,
        values_per_request=statistics.fmean(n_values),
    )


def pattern_detect(engine: PatternEngine) -> Callable[[str], list[tuple[EntityType, int, int]]]:
    def detect(text: str) -> list[tuple[EntityType, int, int]]:
        return [(e.type, e.start, e.end) for e in engine.entities(text)]

    return detect


def generated_requests(n: int, per_request: int = 8, seed: int = 7) -> list[list[str]]:
    from models.datagen import generate

    texts = [s.text for s in generate(split="test", n=n * per_request, seed=seed)]
    return [texts[i : i + per_request] for i in range(0, len(texts), per_request)]


# -- report ----------------------------------------------------------------------------
def report(rows: Sequence[Row], cost: RequestCost, size: int, small: int) -> str:
    lines = [
        "## Linear time on pathological input (issue 17)",
        "",
        f"`python -m bench.pathological` on this machine: each input is {size // 1024} KB; "
        f"ratio = time({size // 1024} KB) / ({size // small} x time(first {small // 1024} KB "
        "of the same input)), measured in the same run: ~1 is linear, "
        f"{size // small} would be quadratic. Least CPU time of several runs.",
        "",
        "| system | input | s/MB | ratio |",
        "|---|---|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r.system} | {r.kind} | {r.per_mb:.3f} | {r.ratio:.2f} |")
    worst = max(rows, key=lambda r: r.ratio)
    lines += [
        "",
        f"Worst ratio: {worst.ratio:.2f} ({worst.system}, {worst.kind}).",
        "",
        "### The egress re-check's cost per request, beside detection's",
        "",
        f"{cost.requests} requests of {cost.sections_per_request} generated test sections "
        f"(~{cost.chars_per_request:,.0f} characters, ~{cost.values_per_request:.0f} "
        "detected values each); medians per request, same run:",
        "",
        "| step | ms per request |",
        "|---|---:|",
        f"| detection (pattern engine, every section) | {cost.detect_ms:.2f} |",
        f"| re-check: KnownValues build + check of the request | {cost.recheck_ms:.2f} |",
        f"| of which KnownValues build | {cost.build_ms:.2f} |",
        "",
        "`bench.pathological.request_costs(requests, detect)` takes any detector (the full "
        "pipeline's later).",
    ]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    block = f"{BEGIN}\n{section}\n{END}"
    text = DOCS.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        DOCS.write_text(head + block + rest.split(END, 1)[1], encoding="utf-8")
    else:
        DOCS.write_text(text.rstrip("\n") + "\n\n" + block + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=MB)
    parser.add_argument("--small", type=int, default=64 * 1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--only", nargs="*", default=(), help="systems to run")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    rows = measure(args.size, args.small, args.repeat, args.only)
    cost = request_costs(generated_requests(args.requests), pattern_detect(PatternEngine.default()))
    section = report(rows, cost, args.size, args.small)
    print(section)
    if not args.no_docs:
        write_docs(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
