"""Every command is documented: docs/cli.md is generated from --help and must be current."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_cli_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


def test_every_spec_command_is_in_the_reference() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    for command in (
        "bastion detect",
        "bastion agent serve",
        "bastion cloud serve",
        "bastion route",
        "bastion policy check",
        "bastion policy test",
        "bastion policy explain",
        "bastion audit verify",
        "bastion audit export",
        "bastion audit verify-export",
        "bastion models build",
    ):
        assert f"## `{command}`" in text, command
