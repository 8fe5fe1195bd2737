#!/bin/bash
# Where the dev platform's CPU goes at concurrency 32: `perf record` of the `Platform.Server dev` process (control
# plane + 2 workers) during `hey -c 32` after 45 s of warm-up (JIT tiering settles), JIT'd frames named through
# DOTNET_PerfMapEnabled, then samples grouped by component (inclusive: a sample counts for every component on its stack).
# Usage: tests/Platform.Benchmarks/diagnostics/profile-dev.sh [OUT_DIR] [extra dev arguments]   (needs perf, hey, python3; root)
set -u
source "$(dirname "$0")/dev-platform.sh"
OUT=${1:-/tmp/platform-profile}; shift || true
trap stop_dev EXIT
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
start_dev "$OUT/dev" "$@" || exit 1
unset DOTNET_PerfMapEnabled DOTNET_EnableWriteXorExecute
hey -z 45s -c 32 -m POST -d Ada -H "Authorization: Bearer $KEY" "$URL" | awk '/Requests\/sec/ {print "warm-up: " $0}'
perf record -e cpu-clock -F 499 -g -p "$DEV_PID" -o "$OUT/perf.data" -- sleep 15 > /dev/null 2>&1 &
PERF=$!
hey -z 15s -c 32 -m POST -d Ada -H "Authorization: Bearer $KEY" "$URL" | awk '/Requests\/sec|^ +\[[0-9]+\]/ {print "profiled: " $0}'
wait $PERF
perf script -i "$OUT/perf.data" 2> /dev/null > "$OUT/perf.txt"
python3 "$(dirname "$0")/perf-components.py" "$OUT/perf.txt"
