"""The detection engine over worker processes (real INT8 model): the same results as the
in-process engine, in input order, and every failure a ``ModelError`` without text."""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.classify.manifest import OPENVINO_BIN_NAME, default_models_dir
from agent.detect import DetectionEngine, ParallelDetectionEngine, load_engine
from bastion.errors import ModelError

TEXTS = [
    "Patient: Mrs. Eleanor Whitfield, date of birth 02/11/1948, admitted to Royal Infirmary "
    "Edinburgh. Card on file 4111 1111 1111 1111. Email eleanor.w@example.co.uk.",
    "Board minutes: Northwind Capital agreed to acquire Helios Data GmbH for EUR 120m.",
    "",
    "The weather in spring is mild and the museum opens at nine.",
    "Call Ingrid Johansson on +44 20 7946 0958; her NI number is AB 12 34 56 C.",
]


@pytest.fixture(scope="module")
def parallel() -> Iterator[ParallelDetectionEngine]:
    with ParallelDetectionEngine("openvino", workers=2) as engine:
        yield engine


@pytest.fixture(scope="module")
def local() -> DetectionEngine:
    return load_engine("openvino")


def test_analyze_equals_the_in_process_engine(
    parallel: ParallelDetectionEngine, local: DetectionEngine
) -> None:
    assert parallel.analyze(TEXTS) == local.analyze(TEXTS)
    assert parallel.analyze(TEXTS[:1]) == local.analyze(TEXTS[:1])
    assert parallel.analyze([]) == []
    assert parallel.model_versions == local.model_versions


def test_analyze_batches_streams_in_input_order(
    parallel: ParallelDetectionEngine, local: DetectionEngine
) -> None:
    batches = [TEXTS[:2], [], TEXTS[2:3], TEXTS[3:], TEXTS[:1], TEXTS[1:2], TEXTS[4:]]
    consumed: list[int] = []

    def source() -> Iterator[list[str]]:
        for i, batch in enumerate(batches):
            consumed.append(i)
            yield batch

    stream = parallel.analyze_batches(source())
    first = next(stream)
    # bounded lookahead: at most two batches per worker were read before the first result
    assert len(consumed) <= 2 * parallel.workers
    got = [first, *stream]
    assert got == [local.analyze(b) if b else [] for b in batches]


def test_section_analysis_pickles(local: DetectionEngine) -> None:
    [res] = local.analyze(TEXTS[:1])
    assert pickle.loads(pickle.dumps(res)) == res


def test_a_failing_batch_is_a_model_error_without_text(parallel: ParallelDetectionEngine) -> None:
    secret = b"Eleanor Whitfield 4111 1111 1111 1111"
    with pytest.raises(ModelError) as info:
        parallel.analyze([secret])  # type: ignore[list-item]
    assert "Whitfield" not in str(info.value) and "4111" not in str(info.value)
    with pytest.raises(ModelError):
        list(parallel.analyze_batches([TEXTS[:1], [secret]]))  # type: ignore[list-item]
    assert len(parallel.analyze(TEXTS)) == len(TEXTS)  # the workers carry on


def test_a_corrupted_artifact_fails_at_construction(tmp_path: Path) -> None:
    models = tmp_path / "artifacts"
    shutil.copytree(default_models_dir(), models)
    path = models / OPENVINO_BIN_NAME
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256"):
        ParallelDetectionEngine("openvino", models, workers=2)


def test_a_dead_worker_is_a_model_error() -> None:
    before = set(mp.active_children())
    engine = ParallelDetectionEngine("onnx", workers=2)
    try:
        workers = [p for p in mp.active_children() if p not in before]
        assert len(workers) == 2
        assert workers[0].pid is not None
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].join(timeout=30)
        with pytest.raises(ModelError, match="stopped unexpectedly"):
            engine.analyze(TEXTS)
        with pytest.raises(ModelError):
            engine.analyze(TEXTS)  # the pool stays broken: still fails closed
    finally:
        engine.close()


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="workers"):
        ParallelDetectionEngine("onnx", workers=0)
