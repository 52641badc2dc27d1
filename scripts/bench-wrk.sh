#!/usr/bin/env bash
# Cross-checks `keyhold bench` with wrk (Debian package `wrk`): the same
# encrypt load (64-byte plaintext, AES-256-GCM, 64 connections, plain HTTP
# on loopback, root token, durable audit) from both, taking turns, RUNS
# times each (default 3). Everything stays on loopback and stops by itself.
# Usage: scripts/bench-wrk.sh BIN        (RUNS=3 DURATION=10)
set -euo pipefail
BIN=$1; PORT=8251; RUNS=${RUNS:-3}; DURATION=${DURATION:-10}
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
export KEYHOLD_ADDR=http://127.0.0.1:$PORT KEYHOLD_TOKEN=bench
. "$(dirname "$0")/bench-lib.sh"
trap stop_dev_server EXIT
dev_server "$BIN" "$PORT"
DATA=$DEV_DATA
# The key `keyhold bench --reuse` uses, created by a short warm-up run.
"$BIN" bench --op encrypt --reuse --duration 2s --json > /dev/null
KEY=bench-encrypt-aes-256-gcm-0
PLAINTEXT=$(head -c 64 /dev/urandom | base64 -w0)
cat > "$DATA/encrypt.lua" <<LUA
wrk.method = "POST"
wrk.path = "/v1/keys/$KEY/encrypt"
wrk.body = '{"plaintext":"$PLAINTEXT"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
done = function(summary, latency, requests)
  io.write(string.format("WRK %d %d %d %d %.0f %.0f\n", summary.requests,
    summary.duration, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, latency:percentile(99),
    latency:percentile(50), summary.requests / (summary.duration / 1e6)))
end
LUA
for i in $(seq "$RUNS"); do
  "$BIN" bench --op encrypt --reuse --duration "${DURATION}s" --json \
    | python3 -c "import json,sys; d=json.load(sys.stdin); l=d['latency_us']; print(f\"keyhold bench run $i: {d['ops_per_sec']:>9.0f} ops/s  p50 {l['p50']/1000:.2f} ms  p99 {l['p99']/1000:.2f} ms  errors {d['errors']['total']}\")"
  wrk -t2 -c64 -d"${DURATION}s" -s "$DATA/encrypt.lua" "$KEYHOLD_ADDR" | grep '^WRK' \
    | awk -v i="$i" '{printf "wrk          run %s: %9.0f ops/s  p50 %.2f ms  p99 %.2f ms  errors %d\n", i, $7, $6/1000, $5/1000, $4}'
done
