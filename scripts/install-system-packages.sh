#!/usr/bin/env bash
# Install the system programs the tests and the deploy stack run, when they are missing.
# Debian/Ubuntu only; needs root (or sudo). Safe to run again: it installs nothing twice.
set -euo pipefail

need=()
command -v redis-server >/dev/null || need+=(redis-server)
# The Cluster tests join their nodes with `redis-cli --cluster create` (redis-server pulls it in).
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v chromium >/dev/null || need+=(chromium)
command -v wrk >/dev/null || need+=(wrk)
command -v ss >/dev/null || need+=(iproute2)
# `--bench`: what only `make bench` runs (callgrind, for benchmark 6's instruction counts).
if [ "${1:-}" = "--bench" ]; then
    command -v valgrind >/dev/null || need+=(valgrind)
fi

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "installing system packages: ${need[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
