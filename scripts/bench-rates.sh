#!/usr/bin/env bash
# health, encrypt, decrypt and generate-data-key taking turns on one dev
# server (plain HTTP, root token, durable audit), three rounds of 10 s
# each, so the ratios the targets name (encrypt / health, decrypt and data
# keys / encrypt) compare runs of the same minute of a shared VM.
# Everything stays on loopback and stops by itself.
# Usage: scripts/bench-rates.sh BIN
set -euo pipefail
BIN=$1; PORT=8244
export KEYHOLD_ADDR=http://127.0.0.1:$PORT KEYHOLD_TOKEN=bench
DATA=$(mktemp -d)
"$BIN" server --dev --listen 127.0.0.1:$PORT --data-dir "$DATA" --dev-root-token bench --log warn > "$DATA/out" 2>&1 &
S=$!
trap 'kill $S 2>/dev/null; rm -rf $DATA' EXIT
for _ in $(seq 100); do grep -q KEYHOLD_ADDR "$DATA/out" 2>/dev/null && break; sleep 0.1; done
for round in 1 2 3; do
  for op in health encrypt decrypt generate-data-key; do
    extra=--reuse; [ $op = health ] && extra=
    "$BIN" bench --op $op $extra --duration 10s --json | python3 -c "import json, sys; d = json.load(sys.stdin); l = d['latency_us']; print(f'round $round $op: {d[\"ops_per_sec\"]:.0f} ops/s p99 {l[\"p99\"]/1000:.2f} ms')"
  done
done
