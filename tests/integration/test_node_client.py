"""The Node.js client example (examples/clients/node) routes a document through a real
agent on loopback, loading the contract from protos/ at run time. Runs where node and
npm are installed (``npm ci`` from the committed lock file); says why it skipped
elsewhere."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from agent.policy import PolicyEngine
from tests.integration.conftest import start_agent

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "clients" / "node"
DOCUMENT = ROOT / "examples" / "documents" / "northbank" / "kyc-file.txt"
STATUSES = (
    "SENT|WITHHELD_POLICY|WITHHELD_REVIEW|WITHHELD_EGRESS|WITHHELD_NO_DESTINATION|"
    "WITHHELD_NO_CLOUD|WITHHELD_INSTRUCTION|WITHHELD_CLOUD_UNAVAILABLE|SENT_NO_ANSWER"
)


@pytest.fixture(scope="module")
def node_example() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed; the Node.js client example was not run")
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return EXAMPLE


def _node(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(EXAMPLE / "route.js"), *args], capture_output=True, text=True, timeout=120
    )


def test_node_client_routes_a_document_and_prints_every_section(
    node_example: Path, tmp_path: Path
) -> None:
    agent, config = start_agent(tmp_path, llm_url="http://127.0.0.1:9/v1", cloud_port=9)
    try:
        result = _node(
            *("--target", agent.target, "--tenant", "northbank", "--jurisdiction", "UK"),
            *("--timeout", "60", str(DOCUMENT)),
        )
    finally:
        agent.stop()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    version = PolicyEngine.load(config.policy_path).version
    assert re.fullmatch(rf"kyc-file: (COMPLETE|PARTIAL|LOCAL_ONLY)  policy {version}", lines[0])
    sections = [x for x in lines if x.startswith("  section ")]
    assert sections and all(re.search(rf"  ({STATUSES})( -> |  )", x) for x in sections)
    assert [int(x.split()[1]) for x in sections] == list(range(len(sections)))
    assert re.fullmatch(r"  audit entries: [1-9]\d*", lines[-1])
    # counts by type only: no document text in what the agent returned
    text = DOCUMENT.read_text()
    assert not any(len(w) > 6 and w in result.stdout for w in re.findall(r"[A-Z][a-z]+", text))


def test_node_client_errors_are_one_line_and_exit_2(node_example: Path, tmp_path: Path) -> None:
    usage = _node("--tenant", "x")
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1
    unreachable = _node(
        *("--target", "127.0.0.1:9", "--tenant", "northbank", "--jurisdiction", "UK"),
        *("--timeout", "3", str(DOCUMENT)),
    )
    assert unreachable.returncode == 2
    assert unreachable.stderr.startswith("route.js: error: UNAVAILABLE") or (
        "DEADLINE_EXCEEDED" in unreachable.stderr
    )
