"""`bastion agent serve` as a real process: SIGTERM drains, kill -9 loses no acknowledged
audit entry, and the log still verifies after either."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from agent.config import load_agent_config
from bastion.devstack import free_port, write_local_configs
from bastion.wire.v1 import agent_pb2, agent_pb2_grpc

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "examples" / "documents" / "northbank" / "kyc-file.txt").read_bytes()


class AgentProcess:
    def __init__(self, run_dir: Path) -> None:
        _, self.config_path = write_local_configs(
            run_dir, llm_url="http://127.0.0.1:9/v1", agent_port=free_port()
        )
        self.config = load_agent_config(self.config_path)
        self.target = f"127.0.0.1:{self.config.listen_port}"
        self.log_path = run_dir / "agent.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> AgentProcess:
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bastion.cli",
                    "agent",
                    "serve",
                    "--config",
                    str(self.config_path),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90
        with grpc.insecure_channel(self.target) as ch:
            stub = health_pb2_grpc.HealthStub(ch)
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, "agent exited during start-up"
                try:
                    if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == 1:
                        return self
                except grpc.RpcError:
                    time.sleep(0.2)
        raise AssertionError("agent did not become healthy")

    def audit_ids(self) -> set[int]:
        uri = f"file:{self.config.audit.path}?mode=ro"
        with sqlite3.connect(uri, uri=True) as db:
            return {row[0] for row in db.execute("SELECT id FROM entries")}

    def verify(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "bastion.cli",
                "audit",
                "verify",
                "--config",
                str(self.config_path),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[AgentProcess]:
    a = AgentProcess(tmp_path).start()
    yield a
    if a.proc is not None and a.proc.poll() is None:
        a.proc.kill()
        a.proc.wait()


def _load(target: str, acked: list[int], errors: list[str], stop: threading.Event) -> None:
    request = agent_pb2.AnalyzeRequest(
        document=agent_pb2.Document(
            tenant="northbank", document_id="kyc", source_jurisdiction="UK", text=TEXT
        )
    )
    with grpc.insecure_channel(target) as ch:
        stub = agent_pb2_grpc.EdgeAgentStub(ch)
        while not stop.is_set():
            try:
                r = stub.Analyze(request, timeout=10)
            except grpc.RpcError as exc:
                errors.append(exc.code().name)
                return
            acked.extend(r.audit_entry_ids)


def _under_load(agent: AgentProcess, seconds: float, sig: int) -> tuple[list[int], list[str]]:
    """Four callers send Analyze; after ``seconds`` the agent gets ``sig``. Returns the
    acknowledged audit ids and the status names of refused calls."""
    acked: list[int] = []
    errors: list[str] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_load, args=(agent.target, acked, errors, stop)) for _ in range(4)
    ]
    for t in threads:
        t.start()
    time.sleep(seconds)
    assert agent.proc is not None
    agent.proc.send_signal(sig)
    code = agent.proc.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join(timeout=20)
    if sig == signal.SIGTERM:
        assert code == 0, "a drained agent exits cleanly"
    return acked, errors


def test_kill_9_under_load_loses_no_acknowledged_entry(agent: AgentProcess) -> None:
    acked, _ = _under_load(agent, 3.0, signal.SIGKILL)

    assert len(acked) > 20, "the load ran"
    stored = agent.audit_ids()
    assert set(acked) <= stored, "an acknowledged entry was lost"
    v = agent.verify()
    assert v.returncode == 0, v.stderr

    # The agent comes back on the same log, appends, and the log still verifies.
    agent.start()
    with grpc.insecure_channel(agent.target) as ch:
        r = agent_pb2_grpc.EdgeAgentStub(ch).Analyze(
            agent_pb2.AnalyzeRequest(
                document=agent_pb2.Document(
                    tenant="northbank", document_id="k2", source_jurisdiction="UK", text=TEXT
                )
            ),
            timeout=30,
        )
    assert min(r.audit_entry_ids) > max(stored)
    assert agent.verify().returncode == 0


def test_sigterm_drains_in_flight_requests_and_signs_a_final_head(agent: AgentProcess) -> None:
    acked, errors = _under_load(agent, 2.0, signal.SIGTERM)

    # Callers either got an answer or a clean refusal; none saw an internal error.
    assert set(errors) <= {"UNAVAILABLE", "CANCELLED"}
    stored = agent.audit_ids()
    assert acked and set(acked) <= stored
    v = agent.verify()
    assert v.returncode == 0, v.stderr
    assert f"latest head covers {len(stored)}" in v.stdout
