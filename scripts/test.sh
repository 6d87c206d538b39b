#!/usr/bin/env bash
# README command 2: set up and run the test suite (pytest). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages for the map and report tests (coastline data, headless Chromium).
scripts/install_system_deps.sh || echo "[test] warning: could not install system packages;" \
  "map and report tests will skip (or fail under CI=true)" >&2
# Debian's SLURM, munge, slurmdbd and MariaDB for the single-node SLURM test.
scripts/install_slurm.sh || echo "[test] warning: could not install SLURM;" \
  "the SLURM test will skip (or fail under CI=true)" >&2
scripts/setup_env.sh workflow,dev
.venv/bin/python -m pytest "$@"
