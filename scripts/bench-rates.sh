#!/usr/bin/env bash
# health, encrypt, decrypt and generate-data-key taking turns on one dev
# server (plain HTTP, root token, durable audit), ROUNDS rounds (3) of
# DURATION (10s) each, so the ratios the targets name (encrypt / health, decrypt and data
# keys / encrypt) compare runs of the same minute of a shared VM.
# Everything stays on loopback and stops by itself.
# Usage: scripts/bench-rates.sh BIN     (ROUNDS=3 DURATION=10s)
set -euo pipefail
BIN=$1; PORT=8244; ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10s}
export KEYHOLD_ADDR=http://127.0.0.1:$PORT KEYHOLD_TOKEN=bench
. "$(dirname "$0")/bench-lib.sh"
trap stop_dev_server EXIT
dev_server "$BIN" "$PORT"
DATA=$DEV_DATA
for round in $(seq "$ROUNDS"); do
  for op in health encrypt decrypt generate-data-key; do
    extra=--reuse; [ $op = health ] && extra=
    "$BIN" bench --op $op $extra --duration "$DURATION" --json | python3 -c "import json, sys; d = json.load(sys.stdin); l = d['latency_us']; print(f'round $round $op: {d[\"ops_per_sec\"]:.0f} ops/s p99 {l[\"p99\"]/1000:.2f} ms')"
  done
done
