"""Fixtures: a fake vendor (standing in for a paid one) and a real gRPC tier on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import grpc
import pytest

from bastion.wire.v1 import cloud_pb2_grpc
from cloud.config import CloudConfig
from cloud.server import create_server
from tests.fakes.openai_server import FakeVendor


@pytest.fixture
def vendor() -> Iterator[FakeVendor]:
    with FakeVendor() as v:
        yield v


@contextlib.asynccontextmanager
async def serving(config: CloudConfig) -> AsyncIterator[cloud_pb2_grpc.OrchestratorStub]:
    server, port = await create_server(config)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield cloud_pb2_grpc.OrchestratorStub(channel)
    finally:
        await channel.close()
        await server.stop(None)
