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
# (pip's notes about this machine's unused local package mirrors are noise: filtered)
.venv/bin/python -m pip install --quiet -e ".[dev,local-llm,bench]" \
  2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
echo "setup: ok ($(.venv/bin/python --version))"
