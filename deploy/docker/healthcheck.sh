#!/usr/bin/env bash
# Container health probe without curl (the aspnet image has none): bash's /dev/tcp only.
#
#   platform-healthcheck [URL]        URL defaults to $PLATFORM_HEALTHCHECK_URL
#
#   http://HOST:PORT/PATH   healthy when the answer's status line says 200 (HTTP/1.1)
#   tcp://HOST:PORT         healthy when a TCP connection opens (e.g. a worker's h2c gRPC port)
#
# Exit 0 healthy, 1 unhealthy (the reason on stderr, which `docker inspect` shows). The answer is
# awaited at most 4 s; Docker's HEALTHCHECK --timeout bounds the whole probe.
set -u
url=${1:-${PLATFORM_HEALTHCHECK_URL:-http://127.0.0.1:8080/healthz}}

case "$url" in
    http://*) scheme=http rest=${url#http://} ;;
    tcp://*) scheme=tcp rest=${url#tcp://} ;;
    *) echo "platform-healthcheck: unsupported URL '$url' (use http:// or tcp://)" >&2; exit 1 ;;
esac
hostport=${rest%%/*}
path=/
[ "$hostport" != "$rest" ] && path=/${rest#*/}
host=${hostport%:*}
port=${hostport##*:}
[ "$host" = "$hostport" ] && port=80

if ! { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null; then
    echo "platform-healthcheck: cannot connect to $host:$port" >&2
    exit 1
fi
[ "$scheme" = tcp ] && exit 0

printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$hostport" >&3
if ! IFS= read -r -t 4 status <&3; then
    echo "platform-healthcheck: no answer from $url" >&2
    exit 1
fi
status=${status%$'\r'}
case "$status" in
    "HTTP/1."?" 200"*) exit 0 ;;
    *) echo "platform-healthcheck: $url answered '$status'" >&2; exit 1 ;;
esac
