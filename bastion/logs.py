"""Logs: one JSON object per line on stderr, configured once by ``bastion.cli.main``.

Every line carries ``timestamp`` (ISO 8601, UTC), ``level``, ``logger`` and ``event``;
the fields a call site passes in ``extra`` follow::

    log = logging.getLogger("bastion.agent")
    log.info("policy_reloaded", extra={"policy_version": engine.version})

    {"timestamp": "2026-12-04T15:39:02.113+00:00", "level": "INFO",
     "logger": "bastion.agent", "event": "policy_reloaded", "policy_version": "sha256:..."}

The event is a fixed snake_case name, never a formatted sentence; values go into fields
(no ``json.dumps`` inside a message). Fields hold ids, counts, codes, durations and type
names - never document text, PII values or credentials: the log leaves the building
through whatever collects it. Libraries that log formatted messages (grpc, httpx) still
come out as one JSON object per line, their text in ``event``.
"""

from __future__ import annotations

import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

LEVELS = ("debug", "info", "warning", "error")

#: the record attributes that become the fixed fields, in this order
_RENAMED = {"levelname": "level", "name": "logger", "message": "event"}


class BastionJsonFormatter(JsonFormatter):
    """``JsonFormatter`` with Bastion's field names and a UTC millisecond timestamp."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields=_RENAMED,
            json_ensure_ascii=False,
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["timestamp"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
        super().add_fields(log_data, record, message_dict)

    def formatException(self, ei: Any) -> str:
        """The exception's type and frames only: its message could quote request data."""
        kind, _value, tb = ei
        name = kind.__name__ if kind is not None else "Exception"
        return "".join(traceback.format_tb(tb)) + name


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when a record is emitted (so a handler set up
    by one in-process CLI call never writes to a stream a test harness has closed)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure(level: str = "info") -> None:
    """Send every log record to stderr as JSON; idempotent (a second call replaces the
    handler this module installed, and leaves other handlers alone)."""
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _StderrHandler):
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(BastionJsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # one line per vendor HTTP call is noise at info level
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("httpcore").setLevel(max(logging.WARNING, root.level))
