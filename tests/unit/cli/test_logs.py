"""Log lines are JSON objects with timestamp, level, logger and event; no message text
from an exception reaches them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bastion import logs


@pytest.fixture
def configured() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    logs.configure("info")
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_every_line_has_timestamp_level_logger_and_the_extra_fields(
    configured: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.getLogger("bastion.agent").info("policy_reloaded", extra={"version": "sha256:ab"})
    logging.getLogger("grpc._cython").warning("library says %s", "hello")
    logging.getLogger("bastion.agent").debug("below_the_level")
    first, second = _lines(capsys.readouterr().err)
    assert list(first)[:4] == ["timestamp", "level", "logger", "event"]
    assert first["level"] == "INFO" and first["logger"] == "bastion.agent"
    assert first["event"] == "policy_reloaded" and first["version"] == "sha256:ab"
    assert str(first["timestamp"]).endswith("+00:00")
    assert second["event"] == "library says hello" and second["level"] == "WARNING"


def test_an_exception_logs_its_type_and_frames_but_not_its_message(
    configured: None, capsys: pytest.CaptureFixture[str]
) -> None:
    value = "Jane Doe 4111 1111 1111 1111"  # (frames show source lines: not the literal)
    try:
        raise ValueError(value)
    except ValueError:
        logging.getLogger("bastion.cloud").exception("internal_error")
    (line,) = _lines(capsys.readouterr().err)
    assert "ValueError" in str(line["exc_info"])
    assert "Jane" not in json.dumps(line) and "4111" not in json.dumps(line)


def test_configure_twice_installs_one_handler(configured: None) -> None:
    logs.configure("warning")
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logs._StderrHandler)]
    assert len(ours) == 1
    assert logging.getLogger().level == logging.WARNING


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="log level"):
        logs.configure("verbose")
