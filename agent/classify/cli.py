"""``bastion models build``: rebuild the model artifacts (runs ``models/build.py``).

Training needs the ``train`` extra (torch, nncf, the packaged encoder weights); the
build runs in a child process from the repository root so that run-time code never
imports torch.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from bastion.errors import ModelError

REPO = Path(__file__).resolve().parents[2]


def handle_build(args: argparse.Namespace) -> int:
    script = REPO / "models" / "build.py"
    if not script.is_file():
        raise ModelError(f"models/build.py not found under {REPO}")
    extra: list[str] = list(args.build_args)
    if extra and extra[0] == "--":
        extra = extra[1:]
    return subprocess.call([sys.executable, "-m", "models.build", *extra], cwd=REPO)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("models", help="build the local model artifacts")
    models_sub = p.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    b = models_sub.add_parser(
        "build",
        help="train, export and quantize the section model (deterministic, CPU)",
        description="Rebuild models/artifacts from the packaged encoder weights and "
        "generated data. Extra options go to models/build.py (see --help there).",
    )
    b.add_argument("build_args", nargs=argparse.REMAINDER, help="options for models/build.py")
    b.set_defaults(func=handle_build)
