#!/usr/bin/env bash
# Signing against its ceiling, interleaved: for each algorithm, ROUNDS
# rounds of (server sign, then the same sign --in-process), so a slow
# phase of a shared VM hits both sides of the ratio alike. Dev server
# (plain HTTP, root token, durable audit). Everything stays on loopback and
# stops by itself.
# Usage: scripts/bench-signs.sh BIN     (ROUNDS=3 DURATION=10s)
set -euo pipefail
BIN=$1; PORT=8243; ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10s}
export KEYHOLD_ADDR=http://127.0.0.1:$PORT KEYHOLD_TOKEN=bench
. "$(dirname "$0")/bench-lib.sh"
trap stop_dev_server EXIT
dev_server "$BIN" "$PORT"
DATA=$DEV_DATA
ops() {
  "$BIN" bench "$@" --duration "$DURATION" --json \
    | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["ops_per_sec"]))'
}
for alg in ${ALGORITHMS:-ecdsa-p256 ed25519 rsa-2048}; do
  for round in $(seq "$ROUNDS"); do
    served=$(ops --op sign --reuse -a "$alg")
    ceiling=$(ops --op sign --in-process -a "$alg")
    python3 -c "import sys; s, c = map(float, sys.argv[1:]); print(f'$alg round $round: server {s:.0f} ops/s, in-process {c:.0f} ops/s, ratio {s / c:.2f}')" "$served" "$ceiling"
  done
done
