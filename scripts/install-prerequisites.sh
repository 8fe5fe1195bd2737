#!/usr/bin/env bash
# Installs what a fresh Debian bookworm machine lacks to build, test and run Platform:
# the guest toolchains (C, Rust, Go, and through npm AssemblyScript and componentize-js for
# JavaScript), PostgreSQL for the tests and the dev mode, Prometheus and docker-compose for the
# operations tests, curl for the README's quick start.
# Idempotent, and quick when everything is present; needs root (or sudo).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
    clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32   # C -> wasm32-wasi guests
    wabt                                                   # wat2wasm / wasm-objdump for inspecting guests
    postgresql                                             # real PostgreSQL for tests and `dev`
    prometheus                                             # prometheus + promtool for the operations tests (no daemon is started)
    docker-compose                                         # `docker-compose config` validates docker-compose.yml offline
    curl                                                   # the README's quick start, run as written by its test
    rustc libstd-rust-dev-wasm32                           # Rust -> wasm32-wasi guests (std only)
    golang-1.23-go                                         # Go -> wasip1 guests (bookworm-backports)
)
# Node.js and npm run the npm toolchains (and the benchmarks' node:wasi peer). The machines come
# with Node.js 20, whose npm is part of it; Debian's own packages are the fallback.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

# Go 1.21+ (GOOS=wasip1) is only in bookworm-backports: add that suite to the existing Debian
# entry (deb822 form, or the one-line form), reusing its mirror.
enable_backports() {
    local sources=/etc/apt/sources.list.d/debian.sources list=/etc/apt/sources.list
    if [[ -f "$sources" ]]; then
        grep -Eq '^Suites:.*\bbookworm-backports\b' "$sources" && return 0
        echo "install-prerequisites: adding bookworm-backports to $sources"
        "${sudo[@]}" sed -i -E '/^Suites:.*(^|[[:space:]])bookworm([[:space:]]|$)/ s/$/ bookworm-backports/' "$sources"
    elif [[ -f "$list" ]]; then
        grep -Eq '^deb[[:space:]].*[[:space:]]bookworm-backports[[:space:]]' "$list" && return 0
        local entry
        entry="$(grep -Em1 '^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[^[:space:]]+[[:space:]]+bookworm[[:space:]]' "$list")" || {
            echo "install-prerequisites: no bookworm entry in $list to add bookworm-backports to" >&2
            return 1
        }
        echo "install-prerequisites: adding bookworm-backports to $list"
        sed -E 's/[[:space:]]bookworm[[:space:]]/ bookworm-backports /' <<<"$entry" | "${sudo[@]}" tee -a "$list" >/dev/null
    else
        echo "install-prerequisites: no Debian sources file found to add bookworm-backports to" >&2
        return 1
    fi
}

if ((${#missing[@]} > 0)); then
    [[ " ${missing[*]} " == *" golang-1.23-go "* ]] && enable_backports
    echo "install-prerequisites: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

bash examples/npm-toolchains.sh
