"""The committed wire code must be exactly what scripts/gen_protos.py makes from protos/."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_wire_code_matches_protos(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_protos.py"), "--out", str(tmp_path)],
        check=True,
    )
    fresh = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert fresh, "the generator produced nothing"
    committed_dir = ROOT / "bastion" / "wire"
    committed = {
        p.relative_to(ROOT): p.read_bytes()
        for p in committed_dir.rglob("*_pb2*.py*")
        if p.is_file()
    }
    assert set(fresh) == set(committed), "generated files differ in name from bastion/wire/"
    stale = sorted(str(k) for k in fresh if fresh[k] != committed[k])
    assert not stale, f"regenerate with scripts/gen_protos.py: {stale}"
