#!/usr/bin/env bash
# Durable audit against the same build without audit writes (issue 5),
# taking turns: ROUNDS rounds of (audited build, then the `bench-no-audit`
# build with KEYHOLD_BENCH_NO_AUDIT=1), each a fresh dev server and data
# directory (so the trail does not grow from run to run), the same
# `keyhold bench` arguments. Everything stays on loopback and stops by
# itself.
# Usage: scripts/bench-audit-ab.sh BIN NO_AUDIT_BIN ROUNDS BENCH_ARGS...
#   e.g. scripts/bench-audit-ab.sh /work/bin /work/bin-noaudit 3 --op encrypt --reuse --duration 10s
set -u
A=$1; B=$2; ROUNDS=$3; shift 3
PORT=8261
. "$(dirname "$0")/bench-lib.sh"
trap stop_dev_server EXIT
run() {
  local bin=$1; local envv=$2; shift 2
  dev_server "$bin" "$PORT" "$envv" || exit 1
  KEYHOLD_ADDR=http://127.0.0.1:$PORT KEYHOLD_TOKEN=bench "$bin" bench "$@" --json 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin); l = d['latency_us']
print(f\"{d['ops_per_sec']:9.0f} ops/s  p99 {l['p99']/1000:.2f} ms  errors {d['errors']['total']}\")"
  stop_dev_server
}
for _ in $(seq "$ROUNDS"); do
  echo -n "audit:    "; run "$A" "KEYHOLD_BENCH_AUDIT=on" "$@"
  echo -n "no-audit: "; run "$B" "KEYHOLD_BENCH_NO_AUDIT=1" "$@"
done
