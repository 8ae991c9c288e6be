#!/usr/bin/env bash
# The whole quality gate: set up, then ruff, mypy (strict on agent/ cloud/ bastion/), pytest.
# This is the README's test command and what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export OMP_WAIT_POLICY=PASSIVE
# Fail early, with a one-line diagnosis, if the local model server cannot make a completion
# on this CPU: the end-to-end tests would otherwise fail one by one for the same reason.
echo "== local model self-check"
.venv/bin/python -m cloud.localmodel
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/pytest -q -p no:cacheprovider "$@"
