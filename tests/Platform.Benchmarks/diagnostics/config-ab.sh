#!/bin/bash
# Configuration-only A/B of the invoke path at concurrency 32 (no code changed): for each configuration, a fresh
# `Platform.Server dev` with 32 sandbox slots per worker (so no OVERLOADED answers), 30 s of warm-up load, then two
# 10 s `hey -c 32` runs with the CPU time of the dev process and of PostgreSQL per invocation (from /proc).
# Usage: tests/Platform.Benchmarks/diagnostics/config-ab.sh [OUT_DIR]   (needs hey, python3; Release build)
set -u
source "$(dirname "$0")/dev-platform.sh"
OUT=${1:-/tmp/platform-config-ab}
trap stop_dev EXIT
run() { # name "ENV=VALUE ..." extra dev arguments...
  local name=$1 envs=$2; shift 2
  export $envs
  start_dev "$OUT/$name" --Platform:MaxConcurrentInvocations=32 "$@" || exit 1
  for e in $envs; do unset "${e%%=*}"; done
  hey -z 30s -c 32 -m POST -d Ada -H "Authorization: Bearer $KEY" "$URL" > /dev/null
  for round in 1 2; do
    read -r a0 b0 <<<"$(cpu_ticks "$DEV_PID" "$DEV_PG_PID")"
    out=$(hey -z 10s -c 32 -m POST -d Ada -H "Authorization: Bearer $KEY" "$URL")
    read -r a1 b1 <<<"$(cpu_ticks "$DEV_PID" "$DEV_PG_PID")"
    n=$(echo "$out" | awk '/^ +\[[0-9]+\]/ {s += $2} END {print s + 0}')
    ok=$(echo "$out" | awk '/^ +\[200\]/ {print $2}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
    p50=$(echo "$out" | awk '/50% in/ {printf "%.1f", $3 * 1000}')
    printf '%-34s round %s: %5s req/s, %s/%s 200, p50 %s ms, dev process %4d µs CPU/req, PostgreSQL %4d µs CPU/req, load %s\n' \
      "$name" "$round" "$rps" "${ok:-0}" "$n" "$p50" $(( (a1 - a0) * 10000 / (n > 0 ? n : 1) )) $(( (b1 - b0) * 10000 / (n > 0 ? n : 1) )) "$(cut -d' ' -f1 /proc/loadavg)"
  done
  stop_dev
}
run "as shipped" "PLATFORM_AB=1"
run "telemetry off" "PLATFORM_AB=1" --Platform:Telemetry:Enabled=false
run "no thread-pool spinning" "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0"
run "workstation GC" "DOTNET_gcServer=0"
run "as shipped (again)" "PLATFORM_AB=1"
