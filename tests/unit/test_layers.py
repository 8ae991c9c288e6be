"""The package layers (docs/architecture.md): bastion/ is the base and imports none of
agent/, cloud/ or compliance/ (its CLI entry point, which assembles every group, is the
one composition root); agent/ and cloud/ never import compliance/; compliance/ never
imports cloud/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "bastion": ("agent", "cloud", "compliance"),
    "agent": ("compliance",),
    "cloud": ("compliance",),
    "compliance": ("cloud",),
}
COMPOSITION_ROOTS = {Path("bastion/cli.py")}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_imports_only_what_it_may(package: str) -> None:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel in COMPOSITION_ROOTS or "wire" in rel.parts:
            continue
        hits = _imports(path) & set(FORBIDDEN[package])
        bad += [f"{rel} imports {h}" for h in sorted(hits)]
    assert not bad, bad


def test_only_bastion_crypto_imports_cryptography_hazmat() -> None:
    users = [
        str(p.relative_to(ROOT))
        for pkg in ("agent", "bastion", "cloud", "compliance")
        for p in (ROOT / pkg).rglob("*.py")
        if "cryptography.hazmat" in p.read_text(encoding="utf-8")
    ]
    assert users == ["bastion/crypto.py"]
