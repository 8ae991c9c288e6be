"""``bastion models build`` starts models/build.py from the repository root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_models_build_passes_options_to_the_build_script() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bastion.cli", "models", "build", "--", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    assert "--train-samples" in proc.stdout
    assert "--layers" in proc.stdout


def test_models_build_rejects_unknown_options() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bastion.cli", "models", "build", "--", "--no-such-option"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "unrecognized arguments" in proc.stderr
