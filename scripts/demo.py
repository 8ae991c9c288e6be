"""The main job on embedded defaults, as a user would run it (see README).

Starts, all on 127.0.0.1: the local model (SmolLM2-135M-Instruct via llama.cpp's
OpenAI-compatible server), `bastion cloud serve`, `bastion agent serve`; then routes every
sample document under examples/documents/<tenant>/ with `bastion route`, prints the
per-section decisions, stops the agent (which signs a final tree head) and runs
`bastion audit verify`. Everything it writes goes under var/demo/ (recreated each run).

Exit status: 0 when the stack worked end to end; 1, with the reason on stderr, when the
local model fails its start-up self-check, when no section reached the cloud tier, when a
cloud call failed, or when the audit log does not verify.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
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

    from google.protobuf.json_format import ParseDict

    from agent.cli import print_route
    from bastion.errors import ModelError
    from bastion.wire.v1 import agent_pb2
    from cloud.localmodel import LocalLLM

    statuses: Counter[str] = Counter()
    shutil.rmtree(RUN, ignore_errors=True)
    RUN.mkdir(parents=True)
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONUNBUFFERED": "1"}
    procs: list[subprocess.Popen[bytes]] = []
    print("demo: starting the local model (SmolLM2-135M-Instruct, llama.cpp, 1 thread)")
    try:
        llm = LocalLLM.start(threads=1)
    except ModelError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    print(f"demo: local model self-check passed ({llm.self_check_s:.2f} s for one completion)")
    with llm:
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
                routed = subprocess.run(
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
                        "--json",
                        *map(str, docs),
                    ],
                    check=True,
                    env=env,
                    stdout=subprocess.PIPE,
                )
                for line in routed.stdout.decode().splitlines():
                    record = json.loads(line)
                    name = record.pop("document")
                    response = ParseDict(record, agent_pb2.RouteResponse())
                    statuses.update(s.status for s in response.sections)
                    print_route(name, response, as_json=False)
        finally:
            for proc in reversed(procs):
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()

    print("== audit log")
    verify = subprocess.run([*BASTION, "audit", "verify", "--config", str(agent_cfg)], env=env)
    where = RUN.relative_to(ROOT)
    print("demo: sections by status: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    problem = stack_problem(statuses)
    if problem:
        print(
            f"demo: FAILED: {problem}; see {where}/cloud.log and {where}/agent.log", file=sys.stderr
        )
        return 1
    if verify.returncode != 0:
        print(f"demo: FAILED: the audit log did not verify; see {where}/", file=sys.stderr)
        return 1
    print(f"demo: done; audit log, keys and logs are in {where}/")
    return 0


def stack_problem(statuses: Counter[str]) -> str:
    """Why the run shows a broken stack, or "" (some sections sent, no cloud call failed)."""
    failed = statuses["WITHHELD_CLOUD_UNAVAILABLE"] + statuses["SENT_NO_ANSWER"]
    if statuses["SENT"] == 0:
        return (
            f"no section reached the cloud tier ({sum(statuses.values())} sections, "
            f"{failed} of them withheld because the cloud call failed)"
        )
    if failed:
        return f"{failed} sections got no answer because the cloud call failed"
    return ""


if __name__ == "__main__":
    sys.exit(main())
