"""Bastion: the ``bastion`` command, shared errors, config files, crypto and wire code."""

from __future__ import annotations

from importlib import metadata


def version() -> str:
    """The installed distribution's version (``pyproject.toml``), or ``0+unknown`` when
    the code runs from a checkout that was never installed."""
    try:
        return metadata.version("bastion")
    except metadata.PackageNotFoundError:
        return "0+unknown"


__all__ = ["version"]
