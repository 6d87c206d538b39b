#!/usr/bin/env bash
# Install a single-node SLURM (Debian slurm-wlm, munge, slurmdbd + MariaDB) for the SLURM
# integration test (tests/test_slurm.py) and for trying profiles/slurm on a workstation.
#
# Idempotent: packages already installed are left alone. Needs root and apt-get.
# It installs packages only and starts NO daemon (the Debian postinst scripts are kept
# from starting services). tests/support/slurm_cluster.py then runs a private cluster in a
# temporary folder: its own slurm.conf (SLURM_CONF), munge key and socket, MariaDB data
# folder on a free 127.0.0.1 port, slurmdbd, slurmctld and slurmd, all as root, and
# stops every daemon afterwards. Nothing in /etc/slurm is written or needed.
#
# Usage: sudo scripts/install_slurm.sh      (CI: .ci/run calls it before the tests)
set -euo pipefail

PACKAGES=(slurm-wlm slurm-client slurmdbd munge mariadb-server mariadb-client)

if [ "$(id -u)" -ne 0 ]; then
    echo "install_slurm.sh: must run as root (apt-get)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_slurm.sh: apt-get not found (Debian/Ubuntu only)" >&2
    exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install_slurm.sh: all packages present (${PACKAGES[*]})"
else
    echo "install_slurm.sh: installing ${missing[*]}"
    # Keep postinst scripts from starting daemons (there may be no init system, and
    # the test runs its own private instances). Only if no policy is set already.
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        own_policy=1
    fi
    cleanup() { if [ "$own_policy" -eq 1 ]; then rm -f "$policy"; fi; }
    trap cleanup EXIT
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
        # A stale package list (fresh container): refresh once and retry.
        apt-get update
        apt-get install -y --no-install-recommends "${missing[@]}"
    fi
fi

for exe in slurmctld slurmd slurmdbd sbatch sacct sacctmgr squeue srun munged mariadbd \
    mariadb-install-db mariadb; do
    if ! command -v "$exe" >/dev/null 2>&1; then
        echo "install_slurm.sh: $exe missing after installation" >&2
        exit 1
    fi
done
echo "install_slurm.sh: $(slurmctld -V) ready (munge $(munged --version 2>&1 | head -1 | awk '{print $2}'))"
