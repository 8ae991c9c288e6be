"""Fakes of neighbouring systems, for tests and benchmarks only (never product code)."""
