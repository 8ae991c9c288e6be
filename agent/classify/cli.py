"""Placeholder: the classify command group is being built (see issues)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("models", help="(not yet available)")
    p.set_defaults(func=lambda _args: 1)
