#!/usr/bin/env bash
# Each operation RUNS times (default 3; the median is printed) against a
# fresh dev server (plain HTTP, root token, durable audit), and the
# in-process ceilings of the signatures. Everything stays on loopback and
# stops by itself.
# Usage: scripts/bench-ops.sh BIN        (RUNS=3 DURATION=10s)
set -euo pipefail
BIN=$1; PORT=8241; RUNS=${RUNS:-3}; DURATION=${DURATION:-10s}
export KEYHOLD_ADDR=http://127.0.0.1:$PORT KEYHOLD_TOKEN=bench
. "$(dirname "$0")/bench-lib.sh"
trap stop_dev_server EXIT
dev_server "$BIN" "$PORT"
DATA=$DEV_DATA
# The median run (by ops/s) of RUNS, as one line.
read -r -d '' MEDIAN <<'PY' || true
import json, sys
text, dec, runs, i = sys.stdin.read(), json.JSONDecoder(), [], 0
while text[i:].strip():
    d, i = dec.raw_decode(text, i + len(text[i:]) - len(text[i:].lstrip()))
    runs.append(d)
runs.sort(key=lambda d: d['ops_per_sec'])
d = runs[len(runs) // 2]
l = d['latency_us']
all_ops = ' '.join(f"{r['ops_per_sec']:.0f}" for r in runs)
print(f"{' '.join(sys.argv[1:]):<44} {d['ops_per_sec']:>9.0f} ops/s p50 {l['p50']/1000:.2f} ms "
      f"p99 {l['p99']/1000:.2f} ms p99.9 {l['p99_9']/1000:.2f} ms errors {d['errors']['total']}  (runs: {all_ops})")
PY
one() {
  for _ in $(seq "$RUNS"); do "$BIN" bench "$@" --duration "$DURATION" --json; echo; done \
    | python3 -c "$MEDIAN" "$@"
}
one --op health
one --op encrypt --reuse
one --op decrypt --reuse
one --op generate-data-key --reuse
one --op mac --reuse
one --op sign --reuse -a ecdsa-p256
one --op sign --in-process -a ecdsa-p256
one --op sign --reuse -a ed25519
one --op sign --in-process -a ed25519
one --op sign --reuse -a rsa-2048
one --op sign --in-process -a rsa-2048
one --op verify --reuse -a ecdsa-p256
one --op create-key
