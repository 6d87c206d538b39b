#!/usr/bin/env bash
# Debian packages the project needs beyond Python wheels. Idempotent: installs
# only what is missing, runs `apt-get update` at most once, never prompts.
#
#   python-cartopy-data  GSHHS coastlines under /usr/share/cartopy/data, read offline
#                        by corephase.plotting.maps (cartopy's pre_existing_data_dir)
#   chromium             headless browser that tests/support/report_check.py uses to check
#                        that the figures of the Snakemake HTML report load
#
# Each entry lists alternative names, first available wins (Debian renames packages).
set -euo pipefail

WANTED=(
    "python-cartopy-data python3-cartopy-data"
    "chromium"
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install_system_deps: need root (or sudo) to install packages" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive

# (output captured first: `grep -q` closing the pipe early would trip pipefail)
installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
    [[ "$status" == *"install ok installed"* ]]
}
available() {
    local policy
    policy=$(apt-cache policy "$1" 2>/dev/null || true)
    grep -q 'Candidate: [^(]' <<<"$policy"
}

updated=0
apt_update_once() {
    if [ "$updated" -eq 0 ]; then
        $SUDO apt-get update -qq
        updated=1
    fi
}

missing=()
for alternatives in "${WANTED[@]}"; do
    have=""
    for name in $alternatives; do
        if installed "$name"; then have="$name"; break; fi
    done
    [ -n "$have" ] && continue
    pick=""
    for name in $alternatives; do
        if available "$name"; then pick="$name"; break; fi
    done
    if [ -z "$pick" ]; then
        apt_update_once
        for name in $alternatives; do
            if available "$name"; then pick="$name"; break; fi
        done
    fi
    if [ -z "$pick" ]; then
        echo "install_system_deps: none of [$alternatives] is available from apt" >&2
        exit 1
    fi
    missing+=("$pick")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install_system_deps: all system packages present"
    exit 0
fi

apt_update_once
echo "install_system_deps: installing ${missing[*]}"
$SUDO apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
