"""One exit-code rule for every ``bastion`` command: 0 ok, 1 a check ran and found a
problem, 2 usage / configuration / input error (one line on stderr). A table, one row per
subcommand and outcome; ``test_every_command_has_a_row`` fails when a command is added
without one."""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from agent.audit import AuditConfig, AuditLog
from agent.policy.bundle import sign_bundle, write_bundle
from bastion.cli import build_parser, main
from bastion.crypto import SigningKey
from bastion.devstack import free_port, write_local_configs
from tests.unit.audit.helpers import attacker, entries

ROOT = Path(__file__).resolve().parents[3]
POLICIES = ROOT / "policies"


@dataclass
class Env:
    """Files the rows refer to, made once per test in tmp_path."""

    tmp: Path
    agent_yaml: Path
    audit_yaml: Path
    tampered_yaml: Path
    export_dir: Path
    tampered_export: Path
    bundle: Path
    tampered_bundle: Path
    policy_pub: str
    failing_tests: Path
    health_target: str
    not_serving_target: str


@pytest.fixture(scope="module")
def health_servers() -> Iterator[tuple[str, str]]:
    """Two health services on loopback: one SERVING, one NOT_SERVING."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start(status: int) -> tuple[grpc.aio.Server, int]:
        server = grpc.aio.server()
        servicer = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        await servicer.set("", status)
        await servicer.set("bastion.v1.EdgeAgent", status)
        return server, port

    def run(coro: object) -> tuple[grpc.aio.Server, int]:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(30)  # type: ignore[arg-type]

    serving = run(start(health_pb2.HealthCheckResponse.SERVING))
    not_serving = run(start(health_pb2.HealthCheckResponse.NOT_SERVING))
    yield f"127.0.0.1:{serving[1]}", f"127.0.0.1:{not_serving[1]}"
    for server, _ in (serving, not_serving):
        asyncio.run_coroutine_threadsafe(server.stop(None), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def _audit_yaml(directory: Path) -> Path:
    directory.mkdir()
    config = AuditConfig(directory / "a.db", directory / "a.key", directory / "w.jsonl", 10, 5.0)
    with AuditLog.open(config, clock=lambda: 1_800_000_000.0) as log:
        log.append_sync(entries(20))
    path = directory / "agent.yaml"
    path.write_text("audit: {path: a.db, key: a.key, witness: w.jsonl}\n")
    return path


@pytest.fixture
def env(tmp_path: Path, health_servers: tuple[str, str]) -> Env:
    _, agent_yaml = write_local_configs(
        tmp_path / "stack", llm_url="http://127.0.0.1:9/v1", agent_port=free_port()
    )
    audit_yaml = _audit_yaml(tmp_path / "audit")
    tampered = _audit_yaml(tmp_path / "tampered")
    attacker(tampered.parent / "a.db").execute("DELETE FROM entries WHERE id = 3")
    export_dir = tmp_path / "export"
    since, until = "2020-01-01", "2100-01-01"
    argv = ["audit", "export", "--config", str(audit_yaml), "--tenant", "acme"]
    assert main([*argv, "--since", since, "--until", until, "--out", str(export_dir)]) == 0
    tampered_export = tmp_path / "export-tampered"
    assert main([*argv, "--since", since, "--until", until, "--out", str(tampered_export)]) == 0
    (tampered_export / "entries.jsonl").write_text("{}\n")
    key = SigningKey.generate()
    bundle = tmp_path / "p.bundle"
    write_bundle(bundle, sign_bundle((POLICIES / "default.yaml").read_bytes(), key, 1.8e9))
    tampered_bundle = tmp_path / "tampered.bundle"
    tampered_bundle.write_text(bundle.read_text().replace('"signature": "', '"signature": "00'))
    failing = tmp_path / "policy-tests"
    failing.mkdir()
    (failing / "t.yaml").write_text(
        f"policy: {POLICIES / 'default.yaml'}\n"
        "cases:\n"
        "  - name: wrong on purpose\n"
        "    facts: {tenant: acme-law, source_jurisdiction: EU, category: privileged}\n"
        "    expect: {action: allow}\n"
    )
    return Env(
        tmp_path,
        agent_yaml,
        audit_yaml,
        tampered,
        export_dir,
        tampered_export,
        bundle,
        tampered_bundle,
        key.verify_key.to_hex(),
        failing,
        *health_servers,
    )


Row = tuple[str, Callable[[Env], list[str]], int]
ROWS: list[Row] = [
    # bastion itself
    ("bastion (no command)", lambda e: [], 2),
    ("bastion unknown", lambda e: ["unknown"], 2),
    ("bastion --log-level loud", lambda e: ["--log-level", "loud", "health"], 2),
    # detect (malformed lines: tests/integration/test_detect_cli.py, real models)
    ("detect missing input", lambda e: ["detect", "--input", str(e.tmp / "x"), "--output", "o"], 2),
    (
        "detect --workers 0",
        lambda e: ["detect", "--input", str(e.agent_yaml), "--output", "o", "--workers", "0"],
        2,
    ),
    # agent
    (
        "agent serve missing config",
        lambda e: ["agent", "serve", "--config", str(e.tmp / "x.yaml")],
        2,
    ),
    (
        "agent check-config fine",
        lambda e: ["agent", "check-config", "--config", str(e.agent_yaml)],
        0,
    ),
    (
        "agent check-config problems",
        lambda e: ["agent", "check-config", "--config", str(e.audit_yaml)],
        2,
    ),
    ("agent hash-token too short", lambda e: ["agent", "hash-token"], 2),
    (
        "route missing config",
        lambda e: [
            "route",
            "--config",
            str(e.tmp / "x.yaml"),
            "--tenant",
            "t",
            "--jurisdiction",
            "EU",
            "d.txt",
        ],
        2,
    ),
    (
        "route agent unreachable",
        lambda e: [
            "route",
            "--config",
            str(e.agent_yaml),
            "--tenant",
            "acme-law",
            "--jurisdiction",
            "EU",
            "--timeout",
            "3",
            str(POLICIES / "default.yaml"),
        ],
        2,
    ),
    # cloud
    (
        "cloud serve missing config",
        lambda e: ["cloud", "serve", "--config", str(e.tmp / "x.yaml")],
        2,
    ),
    # policy
    ("policy check valid", lambda e: ["policy", "check", str(POLICIES / "default.yaml")], 0),
    ("policy check invalid", lambda e: ["policy", "check", str(e.agent_yaml)], 1),
    ("policy check unreadable", lambda e: ["policy", "check", str(e.tmp / "x.yaml")], 2),
    ("policy test passing", lambda e: ["policy", "test", str(POLICIES / "tests")], 0),
    ("policy test failing", lambda e: ["policy", "test", str(e.failing_tests)], 1),
    ("policy test missing", lambda e: ["policy", "test", str(e.tmp / "none")], 2),
    (
        "policy explain missing document",
        lambda e: [
            "policy",
            "explain",
            "--policy",
            str(POLICIES / "default.yaml"),
            "--tenant",
            "acme-law",
            str(e.tmp / "x.txt"),
        ],
        2,
    ),
    ("policy keygen exists", lambda e: ["policy", "keygen", "--key", str(e.agent_yaml)], 2),
    (
        "policy sign invalid policy",
        lambda e: [
            "policy",
            "sign",
            "--key",
            str(e.tmp / "none.key"),
            str(e.agent_yaml),
            "--out",
            str(e.tmp / "b"),
        ],
        2,
    ),
    (
        "policy verify-bundle ok",
        lambda e: ["policy", "verify-bundle", "--public-key", e.policy_pub, str(e.bundle)],
        0,
    ),
    (
        "policy verify-bundle tampered",
        lambda e: ["policy", "verify-bundle", "--public-key", e.policy_pub, str(e.tampered_bundle)],
        1,
    ),
    (
        "policy verify-bundle missing",
        lambda e: ["policy", "verify-bundle", "--public-key", e.policy_pub, str(e.tmp / "x")],
        2,
    ),
    (
        "policy verify-bundle bad key",
        lambda e: ["policy", "verify-bundle", "--public-key", "zz", str(e.bundle)],
        2,
    ),
    # audit
    ("audit verify ok", lambda e: ["audit", "verify", "--config", str(e.audit_yaml)], 0),
    ("audit checkpoint ok", lambda e: ["audit", "checkpoint", "--config", str(e.audit_yaml)], 0),
    (
        "audit checkpoint missing db",
        lambda e: ["audit", "checkpoint", "--db", str(e.tmp / "x.db")],
        2,
    ),
    # console
    ("console hash-password too short", lambda e: ["console", "hash-password"], 2),
    (
        "console serve missing config",
        lambda e: ["console", "serve", "--config", str(e.tmp / "x")],
        2,
    ),
    ("audit verify tampered", lambda e: ["audit", "verify", "--config", str(e.tampered_yaml)], 1),
    ("audit verify missing db", lambda e: ["audit", "verify", "--db", str(e.tmp / "x.db")], 2),
    (
        "audit export bad time",
        lambda e: [
            "audit",
            "export",
            "--config",
            str(e.audit_yaml),
            "--tenant",
            "a",
            "--since",
            "soon",
            "--until",
            "later",
            "--out",
            str(e.tmp / "o"),
        ],
        2,
    ),
    ("audit verify-export ok", lambda e: ["audit", "verify-export", str(e.export_dir)], 0),
    (
        "audit verify-export tampered",
        lambda e: ["audit", "verify-export", str(e.tampered_export)],
        1,
    ),
    ("audit verify-export missing", lambda e: ["audit", "verify-export", str(e.tmp / "none")], 2),
    ("audit keygen exists", lambda e: ["audit", "keygen", "--key", str(e.agent_yaml)], 2),
    ("audit rotate-key no key", lambda e: ["audit", "rotate-key", "--db", str(e.tmp / "x.db")], 2),
    ("audit public-key ok", lambda e: ["audit", "public-key", "--config", str(e.audit_yaml)], 0),
    ("audit public-key no key", lambda e: ["audit", "public-key"], 2),
    # models (the build itself: tests/unit/classify/test_models_cli.py)
    ("models (no action)", lambda e: ["models"], 2),
    ("models build --help", lambda e: ["models", "build", "--help"], 0),
    # health
    ("health serving", lambda e: ["health", e.health_target], 0),
    ("health not serving", lambda e: ["health", e.not_serving_target], 1),
    ("health unknown service", lambda e: ["health", e.health_target, "--service", "nope"], 1),
    (
        "health nothing listening",
        lambda e: ["health", f"127.0.0.1:{free_port()}", "--timeout", "2"],
        2,
    ),
    ("health no target", lambda e: ["health"], 2),
    (
        "health unreadable CA",
        lambda e: ["health", e.health_target, "--tls-ca", str(e.tmp / "x")],
        2,
    ),
]


def _run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse: usage errors, --help, --version
        return int(exc.code or 0)


@pytest.mark.parametrize(
    ("argv", "expected"), [(r[1], r[2]) for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_exit_code(
    argv: Callable[[Env], list[str]],
    expected: int,
    env: Env,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BASTION_HEALTH_TARGET", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    capsys.readouterr()
    code = _run(argv(env))
    err = capsys.readouterr().err
    assert code == expected, err
    assert "Traceback" not in err
    if code == 1:  # the problem on stderr in one line, or the report on stdout
        assert err == "" or (err.startswith("bastion: check failed: ") and err.count("\n") == 1)
    if code == 2 and "check-config" not in argv(env):
        assert re.match(r"bastion( [a-z-]+)*: error: ", err.strip().splitlines()[-1]), err


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    from bastion import version

    assert _run(["--version"]) == 0
    assert capsys.readouterr().out == f"bastion {version()}\n"


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> set[str]:
    found = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                sub_commands = _commands(sub, (*path, name))
                found |= sub_commands or {" ".join((*path, name))}
    return found


def test_every_command_has_a_row() -> None:
    covered = {" ".join(r[0].split()[:2]) for r in ROWS} | {r[0].split()[0] for r in ROWS}
    missing = sorted(c for c in _commands(build_parser()) if c not in covered)
    assert missing == [], f"commands without an exit-code row: {missing}"
