"""deploy/: the images, the compose stack and the systemd units say what they must.

Where a container engine answers (``docker info``), the agent image is built and run
until its own HEALTHCHECK (``bastion health``) reports healthy; elsewhere that test says
it skipped and why. The files are checked everywhere: the Dockerfile's stages, user and
health check, the build flags living only in scripts/llama_build.sh, the compose
services and networks, and the compose configs themselves, which must pass
``bastion agent check-config`` / the cloud tier's loader once their container paths are
pointed at real files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml

from agent.checkconfig import check_agent_config
from cloud.config import load_config as load_cloud_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose" / "compose.yaml"


def _stages() -> dict[str, list[str]]:
    """Dockerfile instructions per stage (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if m:
            current = stages.setdefault(m.group(2) or m.group(1), [])
        current.append(line)
    return stages


def test_images_are_slim_multi_stage_non_root_and_health_checked() -> None:
    stages = _stages()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE.read_text()
    assert {"llama", "wheels", "agent", "cloud"} <= set(stages)
    for target in ("agent", "cloud"):
        lines = stages[target]
        users = [x.split()[1] for x in lines if x.startswith("USER ")]
        assert users and users[-1].split(":")[0] not in ("root", "0"), target
        (health,) = [x for x in lines if x.startswith("HEALTHCHECK")]
        assert 'CMD ["bastion", "health"' in health, target
        # wheels only: no compiler in the runtime stages
        assert not any("build-essential" in x or "gcc" in x for x in lines), target
        assert any("pip install --no-index" in x for x in lines), target
    assert any("useradd" in x and "--uid 10001" in x for x in stages["runtime"])


def test_the_llama_wheel_is_built_by_the_one_script_that_holds_the_flags() -> None:
    llama = " ".join(_stages()["llama"])
    assert "./scripts/llama_build.sh" in llama
    assert "GGML_" not in DOCKERFILE.read_text()  # the flags live in scripts/llama_build.sh
    assert "GGML_NATIVE=OFF" in (ROOT / "scripts" / "llama_build.sh").read_text()
    cloud_wheels = " ".join(_stages()["cloud-wheels"])
    assert "--find-links /wheels/llama" in cloud_wheels  # never a second, native build


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", "var", "deploy/compose/certs", "**/node_modules"):
        assert entry in ignored


def test_compose_runs_agent_cloud_and_llm_on_an_internal_network() -> None:
    doc = yaml.safe_load(COMPOSE.read_text())
    services = doc["services"]
    assert set(services) == {"agent", "cloud", "llm"}
    assert doc["networks"]["bastion"]["internal"] is True
    assert "bastion" in services["agent"]["networks"] and "bastion" in services["cloud"]["networks"]
    assert services["llm"]["network_mode"] == "service:cloud"  # reached on loopback only
    assert services["agent"]["depends_on"]["cloud"]["condition"] == "service_healthy"
    assert services["agent"]["build"]["target"] == "agent"
    assert services["cloud"]["build"]["target"] == "cloud"
    assert "ports" not in services["cloud"] and "ports" not in services["llm"]
    for name, service in services.items():
        assert service.get("read_only") is True, name
        assert service.get("cap_drop") == ["ALL"], name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).exists() or source == "./certs", volume


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("certs")
    subprocess.run(
        [str(ROOT / "scripts" / "make_test_ca.sh"), str(out), "dms-acme"],
        check=True,
        capture_output=True,
    )
    return out


def _localised(name: str, tmp_path: Path, certs: Path) -> Path:
    """The compose config ``name`` with its container paths pointed at real files."""
    text = (COMPOSE.parent / name).read_text()
    text = text.replace("/run/bastion/certs/", f"{certs}/")
    text = text.replace("/var/lib/bastion/", f"{tmp_path}/state/")
    text = text.replace("/etc/bastion/policy.yaml", str(ROOT / "policies" / "default.yaml"))
    out = tmp_path / name
    out.write_text(text)
    return out


def test_the_compose_agent_config_passes_check_config(tmp_path: Path, certs: Path) -> None:
    for key in certs.glob("*.key"):
        key.chmod(0o600)
    path = _localised("agent.yaml", tmp_path, certs)
    assert check_agent_config(path, now=time.time()) == []


def test_the_compose_cloud_config_loads(tmp_path: Path, certs: Path) -> None:
    config = load_cloud_config(_localised("cloud.yaml", tmp_path, certs))
    assert config.tls is not None and config.tls.allowed_client_cns == ("bastion-agent",)
    assert {p.base_url for p in config.providers} == {"http://127.0.0.1:8080/v1"}
    assert config.metrics is not None and config.metrics.host == "0.0.0.0"


@pytest.mark.parametrize("unit", ["bastion-agent.service", "bastion-cloud.service"])
def test_systemd_units_run_the_cli_unprivileged(unit: str) -> None:
    text = (DEPLOY / "systemd" / unit).read_text()
    sections = dict(re.findall(r"^\[(\w+)\]\n((?:(?!^\[).*\n?)*)", text, re.MULTILINE))
    assert set(sections) == {"Unit", "Service", "Install"}
    service = dict(
        line.split("=", 1)
        for line in sections["Service"].splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert service["User"] == "bastion" and service["NoNewPrivileges"] == "yes"
    assert service["ExecStart"].startswith("/opt/bastion/venv/bin/bastion ")
    assert " serve --config /etc/bastion/" in service["ExecStart"]
    assert service["RestartPreventExitStatus"] == "2"  # a config error is not retried


def _engine_unavailable() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "no container engine: the docker CLI is not installed"
    try:
        info = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "no container engine: `docker info` did not answer in 30 s"
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no container engine: `docker info` failed ({reason})"
    return None


@pytest.mark.slow
def test_the_agent_image_builds_runs_as_non_root_and_becomes_healthy(tmp_path: Path) -> None:
    reason = _engine_unavailable()
    if reason:
        pytest.skip(reason)
    tag = f"bastion-agent:test-{uuid.uuid4().hex[:8]}"
    build = subprocess.run(
        ["docker", "build", "-f", str(DOCKERFILE), "--target", "agent", "-t", tag, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    name = f"bastion-test-{uuid.uuid4().hex[:8]}"
    config = tmp_path / "agent.yaml"
    config.write_text(
        "listen: 127.0.0.1:50051\n"
        "policy: /etc/bastion/policy.yaml\n"
        "audit: {path: /var/lib/bastion/audit.db, key: /var/lib/bastion/audit.key,"
        " witness: /var/lib/bastion/witness.jsonl}\n"
        "vault: {dir: /var/lib/bastion/vault, key_file: /var/lib/bastion/vault.key}\n"
    )
    config.chmod(0o644)
    try:
        uid = subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert uid.returncode == 0 and uid.stdout.strip() not in ("", "0")
        version = subprocess.run(
            ["docker", "run", "--rm", tag, "--version"], capture_output=True, text=True, timeout=120
        )
        assert version.stdout.startswith("bastion ")
        run = subprocess.run(
            [
                "docker",
                "run",
                "-d",
                "--name",
                name,
                "-v",
                f"{config}:/etc/bastion/agent.yaml:ro",
                "-v",
                f"{ROOT / 'policies' / 'default.yaml'}:/etc/bastion/policy.yaml:ro",
                "--health-interval",
                "2s",
                "--health-start-period",
                "120s",
                tag,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        status = ""
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and status != "healthy":
            time.sleep(2)
            status = subprocess.run(
                ["docker", "inspect", "--format", "{{.State.Health.Status}}", name],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.strip()
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True).stderr
        assert status == "healthy", logs[-4000:]
        assert '"event": "agent_listening"' in logs  # JSON log lines
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
