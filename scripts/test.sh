#!/usr/bin/env bash
# README command 2: set up and run the test suite (pytest). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x scripts/install_system_deps.sh ]; then scripts/install_system_deps.sh; fi
scripts/setup_env.sh workflow,dev
.venv/bin/python -m pytest "$@"
