#!/usr/bin/env bash
# Create .venv and install Bastion with everything the tests and the demo need.
# Idempotent: a second run only checks. The first run builds llama-cpp-python from source
# (about 8 minutes on 2 cores; pip caches the wheel for later runs).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
# OpenMP threads spinning on 2 cores collapse llama.cpp throughput; build for one thread's use.
.venv/bin/python -m pip install --quiet -e ".[dev,local-llm]"
echo "setup: ok ($(.venv/bin/python --version))"
