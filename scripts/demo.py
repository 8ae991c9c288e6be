"""The main job on embedded defaults, as a user would run it (see README).

Starts, all on 127.0.0.1: the local model (SmolLM2-135M-Instruct via llama.cpp's
OpenAI-compatible server), `bastion cloud serve`, `bastion agent serve`; then routes every
sample document under examples/documents/<tenant>/ with `bastion route`, prints the
per-section decisions, stops the agent (which signs a final tree head) and runs
`bastion audit verify`. Everything it writes goes under var/demo/ (recreated each run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "var" / "demo"
BASTION = [sys.executable, "-m", "bastion.cli"]
# tenant folder -> source jurisdiction of its documents
TENANTS = {"acme-law": "EU", "mercy-health": "US", "northbank": "UK"}


def wait_healthy(target: str, proc: subprocess.Popen[bytes], name: str, timeout: float) -> None:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    end = time.monotonic() + timeout
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise SystemExit(f"demo: {name} exited with code {proc.returncode}; see {RUN}")
            try:
                status = stub.Check(health_pb2.HealthCheckRequest(), timeout=1.0).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                time.sleep(0.3)
    raise SystemExit(f"demo: {name} did not become healthy within {timeout:.0f}s")


def write_configs(llm_url: str) -> tuple[Path, Path, str, str]:
    from bastion.devstack import free_port, write_local_configs

    cloud_port, agent_port = free_port(), free_port()
    cloud_cfg, agent_cfg = write_local_configs(
        RUN, llm_url=llm_url, cloud_port=cloud_port, agent_port=agent_port
    )
    return cloud_cfg, agent_cfg, f"127.0.0.1:{cloud_port}", f"127.0.0.1:{agent_port}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--mode",
        default="fusion",
        choices=["sequential", "fusion", "debate", "red_team", "research"],
    )
    args = parser.parse_args()

    from cloud.localmodel import LocalLLM

    shutil.rmtree(RUN, ignore_errors=True)
    RUN.mkdir(parents=True)
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONUNBUFFERED": "1"}
    procs: list[subprocess.Popen[bytes]] = []
    print("demo: starting the local model (SmolLM2-135M-Instruct, llama.cpp, 1 thread)")
    with LocalLLM.start(threads=1) as llm:
        try:
            cloud_cfg, agent_cfg, cloud_target, agent_target = write_configs(llm.base_url)
            cloud_log = (RUN / "cloud.log").open("wb")
            cloud = subprocess.Popen(
                [*BASTION, "cloud", "serve", "--config", str(cloud_cfg)],
                stdout=cloud_log,
                stderr=subprocess.STDOUT,
                env=env,
            )
            procs.append(cloud)
            wait_healthy(cloud_target, cloud, "cloud tier", 60)
            print("demo: cloud tier is serving")
            agent_log = (RUN / "agent.log").open("wb")
            agent = subprocess.Popen(
                [*BASTION, "agent", "serve", "--config", str(agent_cfg)],
                stdout=agent_log,
                stderr=subprocess.STDOUT,
                env=env,
            )
            procs.append(agent)
            wait_healthy(agent_target, agent, "agent", 120)
            print("demo: agent is serving (local models loaded)\n")

            for tenant, jurisdiction in TENANTS.items():
                docs = sorted((ROOT / "examples" / "documents" / tenant).glob("*.txt"))
                print(f"== tenant {tenant} ({jurisdiction}): {len(docs)} documents")
                subprocess.run(
                    [
                        *BASTION,
                        "route",
                        "--config",
                        str(agent_cfg),
                        "--tenant",
                        tenant,
                        "--jurisdiction",
                        jurisdiction,
                        "--mode",
                        args.mode,
                        *map(str, docs),
                    ],
                    check=True,
                    env=env,
                )
        finally:
            for proc in reversed(procs):
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()

    print("== audit log")
    verify = subprocess.run([*BASTION, "audit", "verify", "--config", str(agent_cfg)], env=env)
    print(f"demo: done; audit log, keys and logs are in {RUN.relative_to(ROOT)}/")
    return verify.returncode


if __name__ == "__main__":
    sys.exit(main())
