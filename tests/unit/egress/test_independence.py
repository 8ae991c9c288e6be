"""The egress re-check shares no code with detection: every module of ``agent/egress``
imports only the standard library, ``agent.domain``, ``bastion.errors``, its own package
``ahocorasick`` and ``numpy``. Checked by parsing the source, so an import inside a function, a
conditional or a ``TYPE_CHECKING`` block counts too."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import agent.egress

EGRESS = Path(agent.egress.__file__).parent
ALLOWED_PROJECT = {"agent.domain", "bastion.errors"}
ALLOWED_THIRD_PARTY = {"ahocorasick", "numpy"}
FORBIDDEN = ("agent.recognize", "agent.detect", "agent.classify", "agent.redact")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.append("agent.egress." + (node.module or ""))  # relative: our package
            else:
                assert node.module is not None
                names.append(node.module)
                names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            names.append("<dynamic __import__>")
        elif isinstance(node, ast.Attribute) and node.attr == "import_module":
            names.append("<dynamic importlib.import_module>")
    return names


def allowed(name: str) -> bool:
    top = name.split(".")[0]
    if top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY or top == "__future__":
        return True
    if name.startswith("agent.egress"):
        return True
    return any(name == a or name.startswith(a + ".") for a in ALLOWED_PROJECT)


MODULES = sorted(EGRESS.glob("*.py"))


def test_the_package_has_the_expected_modules() -> None:
    names = {p.stem for p in MODULES}
    assert {"__init__", "base", "checker", "confusables", "fold", "scanner", "values"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_egress_imports_nothing_from_detection(path: Path) -> None:
    names = imported_modules(path)
    assert not [n for n in names if n.startswith(FORBIDDEN)]
    assert [n for n in names if not allowed(n)] == []


def test_the_rule_itself_catches_a_detection_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from agent.recognize import PatternEngine\n"
        "def f():\n    import agent.detect.engine\n    return __import__('agent.redact')\n"
    )
    names = imported_modules(bad)
    assert [n for n in names if not allowed(n)] == [
        "agent.recognize",
        "agent.recognize.PatternEngine",
        "agent.detect.engine",
        "<dynamic __import__>",
    ]


def test_importing_egress_loads_no_detection_module() -> None:
    """The same rule at run time, in a fresh interpreter."""
    import subprocess

    code = (
        "import sys, agent.egress\n"
        "bad = [m for m in sys.modules if m.startswith(('agent.recognize', 'agent.detect',"
        " 'agent.classify', 'agent.redact'))]\n"
        "print(','.join(bad))"
    )
    root = Path(agent.egress.__file__).parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert out.stdout.strip() == ""
