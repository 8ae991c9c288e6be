"""``bastion models build`` starts models/build.py from the repository root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def models_build(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bastion.cli", "models", "build", "--", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_models_build_passes_options_to_the_build_script() -> None:
    proc = models_build("--help")
    assert proc.returncode == 0
    assert "--train-samples" in proc.stdout
    assert "--layers" in proc.stdout


def test_models_build_rejects_unknown_options() -> None:
    proc = models_build("--no-such-option")
    assert proc.returncode == 2
    assert "unrecognized arguments" in proc.stderr
