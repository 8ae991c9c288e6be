"""Real servers on loopback: the local model (llama.cpp + SmolLM2), the cloud tier and the
agent, wired as in production but with throw-away state under pytest's tmp dirs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from agent.config import AgentConfig, load_agent_config
from agent.server import create_server as create_agent_server
from bastion.devstack import write_local_configs
from bastion.wire.v1 import agent_pb2_grpc
from cloud.config import load_config as load_cloud_config
from cloud.server import create_server as create_cloud_server
from tests.integration.recording_proxy import RecordingProxy
from tests.integration.servers import ServerThread


@pytest.fixture(scope="session")
def local_llm() -> Iterator[Any]:
    from cloud.localmodel import LocalLLM

    with LocalLLM.start(threads=1) as llm:
        yield llm


@pytest.fixture(scope="session")
def provider_proxy(local_llm: Any) -> Iterator[RecordingProxy]:
    """Everything any provider call carries passes through here on its way to the model."""
    with RecordingProxy(local_llm.base_url) as proxy:
        yield proxy


def start_cloud(run_dir: Path, llm_url: str) -> ServerThread:
    cloud_cfg, _ = write_local_configs(run_dir, llm_url=llm_url)
    config = load_cloud_config(cloud_cfg)
    return ServerThread(lambda: create_cloud_server(config)).start()


def start_agent(
    run_dir: Path, *, llm_url: str, cloud_port: int, **overrides: Any
) -> tuple[ServerThread, AgentConfig]:
    _, agent_cfg = write_local_configs(
        run_dir, llm_url=llm_url, cloud_port=cloud_port, agent_overrides=overrides
    )
    config = load_agent_config(agent_cfg)
    return ServerThread(lambda: create_agent_server(config)).start(), config


@dataclass
class Stack:
    cloud: ServerThread
    agent: ServerThread
    agent_config: AgentConfig
    proxy: RecordingProxy
    channel: grpc.Channel

    @property
    def stub(self) -> agent_pb2_grpc.EdgeAgentStub:
        return agent_pb2_grpc.EdgeAgentStub(self.channel)


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, provider_proxy: RecordingProxy
) -> Iterator[Stack]:
    run = tmp_path_factory.mktemp("stack")
    cloud = start_cloud(run, provider_proxy.base_url)
    agent, config = start_agent(
        run,
        llm_url=provider_proxy.base_url,
        cloud_port=cloud.port,
        limits={"max_message_bytes": 1_000_000, "max_sections": 64},
    )
    channel = grpc.insecure_channel(agent.target)
    try:
        yield Stack(cloud, agent, config, provider_proxy, channel)
    finally:
        channel.close()
        agent.stop()
        cloud.stop()
