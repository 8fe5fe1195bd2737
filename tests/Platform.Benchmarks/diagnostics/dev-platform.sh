# Sourced by the diagnostics: start_dev DIR [dev arguments...] starts `Platform.Server dev` (Release build) in DIR
# on free loopback ports, lifts the demo tenant's rate limits, and sets DEV_PID, URL (the invoke URL of the demo's
# hello function) and KEY. stop_dev stops it (SIGTERM: dev stops its hosts, then its PostgreSQL).
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
SERVER_DLL="$REPO/src/Platform.Server/bin/Release/net10.0/Platform.Server.dll"

start_dev() {
  local dir=$1; shift
  [ -f "$SERVER_DLL" ] || { echo "build first: dotnet build -c Release src/Platform.Server" >&2; return 1; }
  rm -rf "$dir" && mkdir -p "$dir"
  dotnet "$SERVER_DLL" dev --data-dir "$dir/data" --Platform:RestUrl=http://127.0.0.1:0 --Platform:GrpcUrl=http://127.0.0.1:0 \
    --Platform:MetricsUrl=none "$@" > "$dir/dev.log" 2>&1 &
  DEV_PID=$!
  for _ in $(seq 180); do grep -q "Press Ctrl-C" "$dir/dev.log" && break; kill -0 $DEV_PID 2>/dev/null || break; sleep 1; done
  grep -q "Press Ctrl-C" "$dir/dev.log" || { echo "dev did not start:" >&2; tail -20 "$dir/dev.log" >&2; return 1; }
  eval "$(python3 - "$dir/data/dev.json" <<'PY'
import json, sys, urllib.request
f = json.load(open(sys.argv[1]))
body = json.dumps({"invocationsPerSecond": 10000000, "burst": 10000000, "maxConcurrency": 100000}).encode()
request = urllib.request.Request(f["restUrl"] + "/v1/tenants/demo/quotas", data=body, method="PUT",
                                 headers={"Authorization": "Bearer " + f["adminKey"], "Content-Type": "application/json"})
urllib.request.urlopen(request)
print(f"URL={f['restUrl']}/v1/functions/hello/invoke; KEY={f['demoApiKey']}")
PY
)"
  DEV_PG_PID=$(head -1 "$dir/data/postgres/data/postmaster.pid")
}

stop_dev() {
  [ -n "${DEV_PID:-}" ] || return 0
  kill -TERM "$DEV_PID" 2>/dev/null
  for _ in $(seq 60); do kill -0 "$DEV_PID" 2>/dev/null || break; sleep 1; done
  kill -KILL "$DEV_PID" 2>/dev/null
  DEV_PID=
}

# cpu_ticks PID...: utime+stime (1/100 s) of each PID; for the LAST one, its children are added (PostgreSQL's backends).
cpu_ticks() {
  python3 - "$@" <<'PY'
import os, sys
pids = [int(p) for p in sys.argv[1:]]
def stat(pid):
    try:
        s = open(f"/proc/{pid}/stat").read()
        return s[s.rfind(")") + 2:].split()
    except OSError:
        return None
out = []
for i, root in enumerate(pids):
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        f = stat(int(entry))
        if f and (int(entry) == root or (i == len(pids) - 1 and int(f[1]) == root)):
            total += int(f[11]) + int(f[12])
    out.append(str(total))
print(" ".join(out))
PY
}
