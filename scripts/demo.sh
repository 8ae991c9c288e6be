#!/usr/bin/env bash
# The main job on the embedded defaults: set up, start the local model, the cloud tier and
# the agent on loopback, route the sample documents under examples/documents/, print every
# per-section decision, and verify the signed audit log at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export OMP_WAIT_POLICY=PASSIVE
exec .venv/bin/python scripts/demo.py "$@"
