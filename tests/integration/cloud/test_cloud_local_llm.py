"""End to end with the real local default model (SmolLM2-135M via llama.cpp): the README
demo path. Runs whenever the ``local-llm`` extra is installed; no fakes involved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bastion.wire.v1 import common_pb2
from cloud.config import load_config
from cloud.localmodel import LocalLLM, is_available
from tests.fakes.cloud_setup import destination, request
from tests.integration.cloud.conftest import serving

REPO = Path(__file__).resolve().parents[3]

# The test suite installs the local-llm extra (scripts/setup.sh): these tests must run.
pytestmark = pytest.mark.llm


def test_the_local_model_is_installed() -> None:
    assert is_available(), "install the local-llm extra (scripts/setup.sh does)"


EU_WEU = {"destination": "eu-azure-openai-weu", "region": "westeurope", "jurisdiction": "EU"}
EU_PARIS = {"destination": "eu-mistral-paris", "region": "eu-west-3", "jurisdiction": "EU"}


@pytest.fixture(scope="module")
def llm() -> Iterator[LocalLLM]:
    with LocalLLM.start(threads=1) as server:
        yield server


def test_local_server_speaks_openai_chat_completions(llm: LocalLLM) -> None:
    assert llm.base_url.startswith("http://127.0.0.1:") and llm.base_url.endswith("/v1")
    body = {"model": "x", "messages": [{"role": "user", "content": "Say hi."}], "max_tokens": 8}
    reply = httpx.post(f"{llm.base_url}/chat/completions", json=body, timeout=60).json()
    assert reply["choices"][0]["message"]["content"].strip()
    assert reply["usage"]["completion_tokens"] > 0


async def test_example_config_fusion_end_to_end_on_the_local_model(llm: LocalLLM) -> None:
    config = load_config(REPO / "examples" / "cloud.yaml").with_local_base_url(llm.base_url)
    req = request(
        common_pb2.FUSION,
        allowed=[destination(EU_WEU), destination(EU_PARIS)],
        sections=["Either party may terminate this agreement on 30 days written notice."],
        instruction="Can either party terminate the agreement? Answer yes or no.",
        max_output_tokens=24,  # keeps the test quick on a shared 2-core box
    )
    async with serving(config) as stub:
        resp = await stub.Orchestrate(req, timeout=120)
    panel = [o for o in resp.outputs if o.role == "panelist"]
    assert {o.provider for o in panel} == {"eu-precise", "eu-balanced", "eu-exploratory"}
    assert all(not o.error and o.output.strip() for o in resp.outputs)
    assert all(0.0 <= o.confidence <= 1.0 for o in resp.outputs)
    assert resp.outputs[-1].role == "synthesizer" and resp.outputs[-1].provider == "eu-precise"
    assert resp.answer.strip()
    assert resp.total_tokens == sum(o.prompt_tokens + o.completion_tokens for o in resp.outputs)
    assert all(o.completion_tokens <= 24 for o in resp.outputs)
    assert 0.0 <= resp.agreement <= 1.0
    assert resp.strategy in (common_pb2.MAJORITY_VOTE, common_pb2.HIERARCHICAL)


def test_self_check_passed_at_start_with_one_real_completion(llm: LocalLLM) -> None:
    assert llm.self_check_s > 0
    assert not llm.log_path.exists() or llm.process.poll() is None


def test_a_server_that_dies_on_its_first_completion_fails_the_self_check_with_a_diagnosis() -> None:
    """What a CPU-specific llama.cpp build does on a CPU it was not built for: it starts,
    answers /models, and dies on the first token. Here the real server is killed with the
    same signal just before the self-check."""
    import signal

    from bastion.errors import ModelError

    server = LocalLLM.start(threads=1)
    try:
        server.process.send_signal(signal.SIGSEGV)
        server.process.wait(10)
        with pytest.raises(ModelError) as info:
            server.self_check(timeout_s=10)
    finally:
        server.stop()
    message = str(info.value)
    assert "\n" not in message
    assert "died on its first completion (signal SIGSEGV)" in message
    assert "scripts/llama_build.sh" in message
    assert server.log_path.exists()  # kept for the operator, named in the message
    assert str(server.log_path) in message
    server.log_path.unlink()


def test_self_check_command_reports_the_installed_portable_build() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "cloud.localmodel"], capture_output=True, text=True, timeout=180
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("local model: ok (one completion in ")
    assert "x86-64" in out.stdout or "generic-" in out.stdout  # scripts/llama_build.sh, not native
