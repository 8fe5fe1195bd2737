#!/bin/bash
# Two builds side by side as an operator runs them: one throwaway PostgreSQL (fsync off), per build a
# `--role control-plane` process and two `--role worker` processes on free loopback ports, the demo
# function examples/wat/hello.wat deployed, the tenant's rate limits lifted. After 15 s of warm-up each,
# ROUNDS interleaved rounds (order alternating) of `hey -z SECONDS -c 32`; per run: requests/s, the
# non-200 answers, and the µs of CPU per 200 of the control plane, of both workers and of PostgreSQL
# (from /proc), with the load average beside them.
# Usage: split-ab.sh A/Platform.Server.dll B/Platform.Server.dll [ROUNDS] [SECONDS]   (Release builds; needs hey, curl, python3,
# PostgreSQL's server binaries; root, for initdb as the postgres user)
set -u
A_DLL=$1; B_DLL=$2; ROUNDS=${3:-6}; SECS=${4:-10}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
D=$(mktemp -d); chmod 755 $D; PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
mkdir -p $D/pg $D/sock; chown -R postgres $D/pg $D/sock
PGPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
runuser -u postgres -- $PGBIN/initdb -D $D/pg/data --auth=trust -U postgres >/dev/null
runuser -u postgres -- $PGBIN/pg_ctl -D $D/pg/data -l $D/pg/log -o "-p $PGPORT -k $D/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300" start >/dev/null
sleep 2
for x in a b; do $PGBIN/createdb -h 127.0.0.1 -p $PGPORT -U postgres platform_$x; done
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM $p 2>/dev/null; done; sleep 3; for p in "${PIDS[@]}"; do kill -KILL $p 2>/dev/null; done; runuser -u postgres -- $PGBIN/pg_ctl -D $D/pg/data stop -m fast >/dev/null; rm -rf $D; }
trap cleanup EXIT
ADMIN=admin-key-0123456789abcdef0123456789; TOKEN=cluster-token-0123456789abcdef-0123456789
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
start() { # name dll
  local x=$1 dll=$2 rest=$(port) grpc=$(port) cl=$(port) w1=$(port) w2=$(port)
  mkdir -p $D/$x
  (cd $D/$x && exec dotnet $dll --role control-plane "--ConnectionStrings:Platform=Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=platform_$x;Maximum Pool Size=50" \
    --Platform:AdminKey=$ADMIN --Platform:ClusterToken=$TOKEN --Platform:RestUrl=http://127.0.0.1:$rest --Platform:GrpcUrl=http://127.0.0.1:$grpc \
    --Platform:ClusterUrl=http://127.0.0.1:$cl --Platform:MetricsUrl=none > $D/$x/cp.log 2>&1) &
  eval "CP_$x=$!"; PIDS+=($!)
  for i in 1 2; do local wp; [ $i = 1 ] && wp=$w1 || wp=$w2
    (cd $D/$x && exec dotnet $dll --role worker --Platform:ClusterToken=$TOKEN --Platform:ControlPlaneUrl=http://127.0.0.1:$cl \
      --Platform:WorkerUrl=http://127.0.0.1:$wp --Platform:CacheDir=$D/$x/w$i --Platform:WorkerId=w$i --Platform:MetricsUrl=none > $D/$x/w$i.log 2>&1) &
    eval "W${i}_$x=$!"; PIDS+=($!)
  done
  eval "REST_$x=http://127.0.0.1:$rest"
}
start a $A_DLL; start b $B_DLL
setup() { # x
  local x=$1; local rest; eval "rest=\$REST_$x"
  for _ in $(seq 120); do curl -sf $rest/healthz >/dev/null && break; sleep 1; done
  local key=$(curl -sf -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"name":"bench"}' $rest/v1/tenants | python3 -c 'import json,sys;print(json.load(sys.stdin)["apiKey"])')
  curl -sf -X PUT -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"invocationsPerSecond":10000000,"burst":10000000,"maxConcurrency":100000,"managementCallsPerSecond":1000000,"managementBurst":1000000}' $rest/v1/tenants/bench/quotas >/dev/null
  for _ in $(seq 60); do n=$(curl -sf -H "Authorization: Bearer $ADMIN" $rest/v1/workers | python3 -c 'import json,sys;d=json.load(sys.stdin);d=d.get("workers",d) if isinstance(d,dict) else d;print(sum(1 for w in d if w.get("live")))' 2>/dev/null); [ "$n" = 2 ] && break; sleep 1; done
  curl -sf -X PUT -H "Authorization: Bearer $key" -H 'Content-Type: text/plain' --data-binary @$REPO/examples/wat/hello.wat $rest/v1/functions/hello >/dev/null || echo "deploy failed $x"
  eval "KEY_$x=$key"
  echo "$x: $(curl -s -X POST -H "Authorization: Bearer $key" -d Ada $rest/v1/functions/hello/invoke)"
}
setup a; setup b
ticks() { local t=0; for p in "$@"; do set -- $(sed 's/.*) //' /proc/$p/stat); t=$((t + ${12} + ${13})); done; echo $t; }
pgticks() { local t=0 pm=$(head -1 $D/pg/data/postmaster.pid); for p in $pm $(pgrep -P $pm); do if [ -r /proc/$p/stat ]; then set -- $(sed 's/.*) //' /proc/$p/stat); t=$((t + ${12} + ${13})); fi; done; echo $t; }
run() { # x label
  local x=$1; local rest key cp w1 w2; eval "rest=\$REST_$x key=\$KEY_$x cp=\$CP_$x w1=\$W1_$x w2=\$W2_$x"
  local c0=$(ticks $cp) k0=$(ticks $w1 $w2) p0=$(pgticks)
  local out=$(hey -z ${SECS}s -c 32 -m POST -d Ada -H "Authorization: Bearer $key" $rest/v1/functions/hello/invoke)
  local c1=$(ticks $cp) k1=$(ticks $w1 $w2) p1=$(pgticks)
  local n=$(echo "$out" | awk '/\[200\]/ {print $2}'); local other=$(echo "$out" | grep -E '^\s+\[[0-9]+\]' | grep -v '\[200\]' | tr -s ' ' | tr '\n' ';')
  local rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  python3 -c "n=$n or 1;print(f'$x rps=$rps ok=$n cp_us={($c1-$c0)*1e4/n:.0f} workers_us={($k1-$k0)*1e4/n:.0f} pg_us={($p1-$p0)*1e4/n:.0f} other=[$other] load=$(cut -d' ' -f1 /proc/loadavg)')"
}
# warm-up
hey -z 15s -c 32 -m POST -d Ada -H "Authorization: Bearer $KEY_a" $REST_a/v1/functions/hello/invoke >/dev/null
hey -z 15s -c 32 -m POST -d Ada -H "Authorization: Bearer $KEY_b" $REST_b/v1/functions/hello/invoke >/dev/null
for r in $(seq $ROUNDS); do
  if [ $((r % 2)) = 1 ]; then run a; run b; else run b; run a; fi
done
