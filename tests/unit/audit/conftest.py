"""Audit test fixtures: real SQLite files in tmp_path, injected clocks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.audit import AuditConfig, AuditLog
from tests.unit.audit.helpers import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(tmp_path: Path) -> AuditConfig:
    return AuditConfig(
        db_path=tmp_path / "audit.db",
        key_path=tmp_path / "audit.key",
        witness_path=tmp_path / "witness.jsonl",
        sign_every_n=10,
        sign_every_s=5.0,
    )


@pytest.fixture
def open_log(config: AuditConfig, clock: FakeClock) -> Iterator[Callable[..., AuditLog]]:
    opened: list[AuditLog] = []

    def _open(cfg: AuditConfig | None = None) -> AuditLog:
        log = AuditLog.open(cfg or config, clock=clock)
        opened.append(log)
        return log

    yield _open
    for log in opened:
        log.close()
