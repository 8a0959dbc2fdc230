#!/usr/bin/env bash
# Measures the figures of the foundation: binary size, and the cold start of
# "govshare serve" (fresh data directory, embedded SQLite + NATS) until
# /readyz answers 200, as the median of N runs (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/govshare" ./cmd/govshare
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/govshare-stripped" ./cmd/govshare
printf 'binary: %s bytes (%s bytes stripped, -trimpath -ldflags "-s -w")\n' "$(stat -c %s "$work/govshare")" "$(stat -c %s "$work/govshare-stripped")"
measure() { # $1: label, $2...: extra serve flags
  local label=$1; shift
  local times=()
  for i in $(seq 1 "$runs"); do
    local dir="$work/data-$label-$i" port=$((18200 + i))
    local t0=$(date +%s%N)
    "$work/govshare-stripped" serve --data-dir "$dir" --listen 127.0.0.1:$port --admin-password 'Bench-Password-1' --log-level error "$@" >/dev/null &
    local pid=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.005; done
    times+=($(( ($(date +%s%N) - t0) / 1000000 )))
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  printf '%s: median %s ms over %d runs (all: %s)\n' "$label" "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")" "$runs" "${times[*]}"
}
measure "cold start to /readyz (fresh data dir)"
