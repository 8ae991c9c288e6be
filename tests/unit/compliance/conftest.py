"""The compliance tests read logs the audit tests' fixtures write (real SQLite files)."""

from tests.unit.audit.conftest import clock, config, open_log

__all__ = ["clock", "config", "open_log"]
