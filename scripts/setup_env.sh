#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment in .venv and install the
# package with the given extras. Idempotent: a second run only checks.
#   usage: scripts/setup_env.sh [extras]   (default: workflow)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-workflow}"
python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating virtual environment .venv with $($python_bin --version)"
  "$python_bin" -m venv .venv
fi
stamp=".venv/.corephase-installed-${extras//,/-}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "[setup] installing corephase[$extras] (first run takes a few minutes)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[$extras]"
  touch "$stamp"
fi
# Byte-compile the package's modules once (an editable install leaves them as source).
# Every workflow job is a fresh Python process; where PYTHONDONTWRITEBYTECODE is set (as
# in many container images), Python never caches the compiled modules and each job
# would compile them again. Only modules newer than their cached copy are recompiled.
.venv/bin/python -m compileall -q src/corephase > /dev/null
