#!/usr/bin/env bash
# Installs the npm guest toolchains pinned in examples/package-lock.json (AssemblyScript, its
# WASI shim, componentize-js) into examples/node_modules with `npm ci`, unless they are already
# installed from this very lock file. A stamp with the lock file's hash records that: file times
# say nothing here, since a git checkout makes the lock file newer than any earlier install.
# Used by examples/build.sh and scripts/install-prerequisites.sh. Needs node and npm.
set -euo pipefail

EXAMPLES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NPM="${NPM:-npm}"
modules="$EXAMPLES/node_modules"
stamp="$modules/.installed-lock.sha256"
want="$(sha256sum "$EXAMPLES/package-lock.json" | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi
if [[ -L "$modules" ]]; then
    # npm ci would empty the linked folder, which belongs to another checkout: use it as it is.
    echo "npm-toolchains: examples/node_modules is a link; not reinstalling it" >&2
    exit 0
fi
command -v "$NPM" >/dev/null 2>&1 || { echo "npm-toolchains: '$NPM' not found (Debian: npm)" >&2; exit 1; }
echo "npm-toolchains: npm ci in examples/ (node_modules missing or from another lock file)"
(cd "$EXAMPLES" && "$NPM" ci --no-audit --no-fund --loglevel=error)
echo "$want" >"$stamp"
