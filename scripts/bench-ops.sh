#!/usr/bin/env bash
# One 10 s run of each operation against a fresh dev server (plain HTTP,
# root token, durable audit), and the in-process ceilings of the signatures.
# Usage: scripts/bench-ops.sh BIN
set -euo pipefail
BIN=$1; PORT=8241
export KEYHOLD_ADDR=http://127.0.0.1:$PORT KEYHOLD_TOKEN=bench
DATA=$(mktemp -d)
"$BIN" server --dev --listen 127.0.0.1:$PORT --data-dir "$DATA" --dev-root-token bench --log warn > "$DATA/out" 2>&1 &
S=$!
trap 'kill $S 2>/dev/null; rm -rf $DATA' EXIT
for _ in $(seq 100); do grep -q KEYHOLD_ADDR "$DATA/out" 2>/dev/null && break; sleep 0.1; done
one() {
  "$BIN" bench "$@" --duration 10s --json | python3 -c "import json,sys; d=json.load(sys.stdin); l=d['latency_us']; print(f\"{' '.join(sys.argv[1:]):<48} {d['ops_per_sec']:>9.0f} ops/s p50 {l['p50']/1000:.2f} ms p99 {l['p99']/1000:.2f} ms errors {d['errors']['total']}\")" "$@"
}
one --op health
one --op encrypt --reuse
one --op decrypt --reuse
one --op generate-data-key --reuse
one --op sign --reuse -a ecdsa-p256
one --op sign --in-process -a ecdsa-p256
one --op sign --reuse -a ed25519
one --op sign --in-process -a ed25519
one --op sign --reuse -a rsa-2048
one --op sign --in-process -a rsa-2048
