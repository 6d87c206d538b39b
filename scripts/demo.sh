#!/usr/bin/env bash
# README command 1: set up and run the whole pipeline on the embedded offline demo.
# Results, tables and figures land in results/. Extra arguments go to snakemake.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_env.sh workflow
cores="${CORES:-$(nproc 2>/dev/null || echo 2)}"
echo "[demo] snakemake --cores $cores $*"
.venv/bin/snakemake --cores "$cores" "$@"
echo "[demo] done: see results/summary/*.csv and results/<ARRAY>/<EVENT>/figures/"
