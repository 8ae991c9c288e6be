"""The detection engine spread over worker processes, one model and pattern engine each.

    with ParallelDetectionEngine("openvino", workers=2) as engine:
        analyses = engine.analyze(texts)                      # like DetectionEngine.analyze
        for analyses in engine.analyze_batches(text_batches):  # streaming, in input order
            ...

Why processes: a third of the engine's time is Python (pattern recognizers, tokenisation,
decoding) that holds the GIL, so one process with a 2-thread model leaves a core idle
during it; two 1-thread processes keep both busy. Workers are started with "spawn", never
"fork": the parent may already run ONNX Runtime / OpenVINO thread pools, and a forked
child of a multithreaded process can inherit a held lock.

Fail closed: a worker that cannot load the model, fails on a batch or dies raises
``ModelError`` here, whose message never contains document text.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from agent.detect.engine import DetectionEngine, load_engine
from agent.domain import SectionAnalysis
from bastion.errors import ModelError

T = TypeVar("T")

#: batches queued or running per worker in ``analyze_batches``: one running, one waiting,
#: so that no worker idles while the parent collects a result
IN_FLIGHT_PER_WORKER = 2
#: seconds every worker may take to start and load the model
LOAD_TIMEOUT = 300.0

# worker-process state, set once by ``_init_worker``
_engine: DetectionEngine | None = None
_load_error = ""
_started: Any = None  # a multiprocessing Barrier shared by the workers


def _init_worker(
    backend: str, models_dir: Path | None, precision: str, threads: int, started: Any
) -> None:
    """Load the engine once per worker. A failure is kept, not raised: an initializer
    that raises kills the pool with a message-less ``BrokenProcessPool``."""
    global _engine, _load_error, _started
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    parent = mp.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    _started = started
    try:
        _engine = load_engine(backend, models_dir, precision=precision, threads=threads)
    except ModelError as exc:
        _load_error = str(exc)
    except Exception as exc:
        _load_error = f"cannot load the detection engine ({type(exc).__name__})"


def _exit_with(parent: Any) -> None:
    """A parent killed without ``close()`` (SIGTERM, SIGKILL) would leave its workers
    blocked on the task queue forever: end with it."""
    parent.join()
    os._exit(1)


def _ready() -> list[str] | None:
    """One call per worker at start (the barrier makes every worker take exactly one):
    its model versions, or None when another worker failed or was too slow to load."""
    if _engine is None:
        _started.abort()  # the other workers stop waiting
        raise ModelError(_load_error or "detection worker has no engine")
    try:
        _started.wait(LOAD_TIMEOUT)
    except threading.BrokenBarrierError:
        return None
    return _engine.model_versions


def _analyze(texts: list[str]) -> list[SectionAnalysis]:
    if _engine is None:
        raise ModelError(_load_error or "detection worker has no engine")
    try:
        return _engine.analyze(texts)
    except ModelError as exc:
        raise ModelError(str(exc)) from None
    except Exception as exc:  # a fresh error: no chained message can carry text back
        raise ModelError(f"detection worker failed ({type(exc).__name__})") from None


def _result(future: Future[T], timeout: float | None = None) -> T:
    """The future's result, any failure as a ``ModelError`` without document text."""
    try:
        return future.result(timeout)
    except ModelError as exc:
        raise ModelError(str(exc)) from None
    except BrokenProcessPool:
        raise ModelError("a detection worker process stopped unexpectedly") from None
    except Exception as exc:
        raise ModelError(f"detection worker failed ({type(exc).__name__})") from None


def _counted(n: int, future: Future[list[SectionAnalysis]]) -> list[SectionAnalysis]:
    out = _result(future)
    if len(out) != n:
        raise ModelError("a detection worker returned a wrong number of results")
    return out


def _all_started(futures: list[Future[list[str] | None]]) -> list[str]:
    """Wait for every worker's ``_ready``; the first worker's own error is raised."""
    errors: list[ModelError] = []
    versions: list[list[str] | None] = []
    for f in futures:
        try:
            versions.append(_result(f, LOAD_TIMEOUT + 60))
        except ModelError as exc:
            errors.append(exc)
    if errors:
        raise errors[0]
    if any(v is None for v in versions):
        raise ModelError(f"detection workers did not all load within {LOAD_TIMEOUT:.0f} s")
    return versions[0] or []


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Model threads for each of ``workers`` processes: the cores shared out, at least one."""
    return max(1, (cores or usable_cores()) // workers)


class ParallelDetectionEngine:
    """``DetectionEngine`` over ``workers`` processes, each with ``cores // workers`` model
    threads (at least one). Workers start and load the model at construction, so a
    missing or altered artifact raises ``ModelError`` here."""

    def __init__(
        self,
        backend: str = "onnx",
        models_dir: Path | None = None,
        *,
        workers: int = 2,
        precision: str = "f32",
        cores: int | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        threads = threads_per_worker(workers, cores)
        ctx = mp.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(backend, models_dir, precision, threads, ctx.Barrier(workers)),
        )
        try:
            # submitted back to back, so the pool starts one process per call
            started = [self._pool.submit(_ready) for _ in range(workers)]
            self._versions = _all_started(started)
        except BaseException:
            self.close()
            raise

    @property
    def model_versions(self) -> list[str]:
        return list(self._versions)

    def analyze(self, texts: Sequence[str]) -> list[SectionAnalysis]:
        """Like ``DetectionEngine.analyze``: the texts cut into one contiguous chunk per
        worker, the results put back in input order."""
        if not texts:
            return []
        size = -(-len(texts) // self.workers)
        chunks = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        futures = [(len(chunk), self._submit(chunk)) for chunk in chunks]
        try:
            return [a for n, f in futures for a in _counted(n, f)]
        finally:
            for _, f in futures:
                f.cancel()

    def analyze_batches(self, batches: Iterable[Sequence[str]]) -> Iterator[list[SectionAnalysis]]:
        """One result list per input batch, in input order. Each batch goes whole to one
        worker (so results equal ``DetectionEngine.analyze(batch)``); the input is read
        ahead by at most ``IN_FLIGHT_PER_WORKER`` batches per worker."""
        pending: deque[tuple[int, Future[list[SectionAnalysis]]]] = deque()
        limit = IN_FLIGHT_PER_WORKER * self.workers
        try:
            for batch in batches:
                texts = list(batch)
                pending.append((len(texts), self._submit(texts)))
                if len(pending) >= limit:
                    yield _counted(*pending.popleft())
            while pending:
                yield _counted(*pending.popleft())
        finally:
            for _, f in pending:
                f.cancel()

    def _submit(self, texts: list[str]) -> Future[list[SectionAnalysis]]:
        if not texts:
            done: Future[list[SectionAnalysis]] = Future()
            done.set_result([])
            return done
        try:
            return self._pool.submit(_analyze, texts)
        except BrokenProcessPool:
            raise ModelError("a detection worker process stopped unexpectedly") from None
        except RuntimeError:  # submit after close()
            raise ModelError("the parallel detection engine is closed") from None

    def close(self) -> None:
        """Stop the workers; queued batches are dropped."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParallelDetectionEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
