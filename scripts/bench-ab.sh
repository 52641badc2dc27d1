#!/usr/bin/env bash
# Two binaries taking turns on one load: ROUNDS rounds, each a fresh dev
# server (plain HTTP, root token, durable audit) of A then of B, with the
# same `keyhold bench` arguments. Prints ops/s and p99 per run, so a change
# is judged on alternating runs of one machine. Everything stays on
# loopback and stops by itself.
# Usage: scripts/bench-ab.sh BIN_A BIN_B ROUNDS BENCH_ARGS...
#   e.g. scripts/bench-ab.sh /work/benchbin6 /work/benchbin8 3 --op create-key --duration 10s
set -u
A=$1; B=$2; ROUNDS=$3; shift 3
PORT=${PORT:-8252}
. "$(dirname "$0")/bench-lib.sh"
trap stop_dev_server EXIT
run() {
  local bin=$1; shift
  dev_server "$bin" "$PORT" || exit 1
  KEYHOLD_ADDR=http://127.0.0.1:$PORT KEYHOLD_TOKEN=bench "$bin" bench "$@" --json 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin); l = d['latency_us']
print(f\"{d['ops_per_sec']:9.0f} ops/s  p99 {l['p99']/1000:.2f} ms  errors {d['errors']['total']}\")"
  stop_dev_server
}
for _ in $(seq "$ROUNDS"); do
  echo -n "A $(basename "$A"): "; run "$A" "$@"
  echo -n "B $(basename "$B"): "; run "$B" "$@"
done
