#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build, test and run Platform:
# the WASI C toolchain for the guest functions, PostgreSQL for the tests and the dev mode, and
# Prometheus and docker-compose for the operations tests, curl for the README's quick start.
# Idempotent; needs root (or sudo). The benchmarks also use Node.js (node:wasi), not installed here.
set -euo pipefail

packages=(
    clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32   # C -> wasm32-wasi guests
    wabt                                                   # wat2wasm / wasm-objdump for inspecting guests
    postgresql                                             # real PostgreSQL for tests and `dev`
    prometheus                                             # prometheus + promtool for the operations tests (no daemon is started)
    docker-compose                                         # `docker-compose config` validates docker-compose.yml offline
    curl                                                   # the README's quick start, run as written by its test
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "install-prerequisites: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
