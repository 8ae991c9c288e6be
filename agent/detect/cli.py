"""``bastion detect --input IN.jsonl --output OUT.jsonl [--backend onnx|openvino] [--workers N]``.

Each input line ``{"id": str, "text": str}`` gives one output line, in order:
``{"id", "entities": [{"type", "start", "end", "score"}], "category",
"category_scores", "redacted_text"}``. A bad line (not UTF-8, not JSON, no string id or
text) gives ``{"id", "error"}`` (``id`` null when unknown) and the run goes on, so the
output always has one line per input line. At the end, rejected lines are reported on
stderr in one line naming the first one's line number; the exit code is then 2, or 0
with ``--keep-going`` (rejected lines expected and accepted). Lines
are analysed in batches; a progress bar shows on stderr only when it is a terminal.
``--workers N`` analyses the batches on N processes (``agent.detect.parallel``); the
output is the same, line for line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from agent.detect.engine import DetectionEngine, load_engine
from agent.detect.parallel import ParallelDetectionEngine
from agent.domain import SectionAnalysis
from agent.redact import mask_everything, redact
from bastion.errors import InvalidInput

#: lines per engine call: more texts per call let the model group windows of closer
#: lengths (measured on the benchmark's 400 sections: 256 lines per call padded 5% fewer
#: tokens and ran the model ~10% faster than 64)
BATCH_LINES = 256


@dataclass(frozen=True, slots=True)
class Parsed:
    """One input line: either a text to analyse or an error record."""

    id: str | None
    text: str | None = None
    error: str | None = None


def parse_line(raw: bytes) -> Parsed:
    """Validate one raw line; the error never quotes the line's content."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Parsed(None, error=f"line is not valid UTF-8 (byte {exc.start})")
    if not line.strip():
        return Parsed(None, error="line is empty")
    try:
        obj = json.loads(line)
    except ValueError:
        return Parsed(None, error="line is not valid JSON")
    if not isinstance(obj, dict):
        return Parsed(None, error="line is not a JSON object")
    ident = obj.get("id")
    if not isinstance(ident, str):
        return Parsed(None, error="missing or non-string field 'id'")
    if not _encodable(ident):
        return Parsed(None, error="field 'id' contains unpaired surrogates")
    text = obj.get("text")
    if not isinstance(text, str):
        return Parsed(ident, error="missing or non-string field 'text'")
    if not _encodable(text):
        return Parsed(ident, error="field 'text' contains unpaired surrogates")
    return Parsed(ident, text=text)


def _encodable(value: str) -> bool:
    """JSON escapes can smuggle lone surrogates (``\\ud800``) that no UTF-8 writer or
    tokenizer accepts."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_MASK = mask_everything()  # the agent's redactor, every type masked as <TYPE>


def result_record(ident: str, text: str, analysis: SectionAnalysis) -> dict[str, Any]:
    return {
        "id": ident,
        "entities": [
            {"type": e.type.value, "start": e.start, "end": e.end, "score": round(e.score, 4)}
            for e in analysis.entities
        ],
        "category": analysis.category.value,
        "category_scores": {c.value: round(s, 6) for c, s in analysis.category_scores.items()},
        "redacted_text": redact(text, analysis.entities, _MASK).text,
    }


def _lines(fh: IO[bytes]) -> Iterator[bytes]:
    for raw in fh:
        yield raw.rstrip(b"\r\n")


Engine = DetectionEngine | ParallelDetectionEngine


@dataclass
class Rejected:
    """The input lines that became error records: how many, and the first one."""

    count: int = 0
    first_line: int = 0  # 1-based line number in the input
    first_error: str = ""

    def note(self, line: int, error: str) -> None:
        if not self.count:
            self.first_line, self.first_error = line, error
        self.count += 1


def run(engine: Engine, src: IO[bytes], dst: IO[str], total_bytes: int = 0) -> Rejected:
    """Process every line of ``src`` into ``dst``; returns the lines rejected."""
    rejected = Rejected()
    progress = _progress(total_bytes)
    chunks: deque[list[Parsed]] = deque()  # read, not yet written (in order)

    def texts(bar: Any, task: Any) -> Iterator[list[str]]:
        """The texts of each chunk of ``BATCH_LINES`` lines, as the engine reads them."""
        pending: list[Parsed] = []
        for number, raw in enumerate(_lines(src), 1):
            parsed = parse_line(raw)
            if parsed.error is not None:
                rejected.note(number, parsed.error)
            pending.append(parsed)
            if bar is not None and task is not None:
                bar.advance(task, len(raw) + 1)
            if len(pending) >= BATCH_LINES:
                chunks.append(pending)
                yield [p.text for p in pending if p.text is not None]
                pending = []
        if pending:
            chunks.append(pending)
            yield [p.text for p in pending if p.text is not None]

    with progress as bar:
        task = bar.add_task("detect", total=total_bytes or None) if bar else None
        for results in engine.analyze_batches(texts(bar, task)):
            analyses = iter(results)
            for p in chunks.popleft():
                if p.text is None or p.id is None:
                    record: dict[str, Any] = {"id": p.id, "error": p.error}
                else:
                    record = result_record(p.id, p.text, next(analyses))
                dst.write(json.dumps(record, ensure_ascii=False) + "\n")
    return rejected


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(total_bytes: int) -> Any:
    if not sys.stderr.isatty():
        return _NoProgress()
    from rich.progress import BarColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        transient=True,
    )


def handle(args: argparse.Namespace) -> int:
    src: Path = args.input
    workers: int = args.workers
    if workers < 1:
        raise InvalidInput(f"--workers must be at least 1 (got {workers})")
    if not src.is_file():
        raise InvalidInput(f"input file {src} does not exist")
    if workers == 1:
        rejected = _detect(load_engine(args.backend), src, args.output)
    else:
        with ParallelDetectionEngine(args.backend, workers=workers) as engine:
            rejected = _detect(engine, src, args.output)
    if not rejected.count:
        return 0
    first = f"{src} line {rejected.first_line}: {rejected.first_error}"
    if args.keep_going:
        print(
            f"bastion: detect: {rejected.count} input line(s) rejected ({first})", file=sys.stderr
        )
        return 0
    raise InvalidInput(
        f"detect: {first}; {rejected.count} input line(s) rejected in all, each written as "
        '{"id", "error"} (--keep-going accepts them)'
    )


def _detect(engine: Engine, src: Path, out: Path) -> Rejected:
    tmp = out.with_name(out.name + ".partial")
    try:
        with src.open("rb") as fin, tmp.open("w", encoding="utf-8") as fout:
            rejected = run(engine, fin, fout, src.stat().st_size)
        tmp.replace(out)
    except OSError as exc:
        raise InvalidInput(f"cannot read {src} or write {out} ({exc.strerror})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return rejected


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "detect",
        help="find entities and the category of each JSONL text",
        description=__doc__.split("\n")[0],
    )
    p.add_argument("--input", type=Path, required=True, help="JSONL, one {id, text} per line")
    p.add_argument("--output", type=Path, required=True, help="JSONL results, same order")
    p.add_argument("--backend", choices=("onnx", "openvino"), default="onnx")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="processes analysing batches in parallel, each with cores/N model threads "
        "(default 1: in this process, the model on every core)",
    )
    p.add_argument(
        "--keep-going",
        action="store_true",
        help='exit 0 although some input lines are malformed (each still gets {"id", "error"})',
    )
    p.set_defaults(func=handle)
