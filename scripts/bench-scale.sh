#!/usr/bin/env bash
# How cost grows with the store (issue 8): encrypt over 10 keys on an empty
# store, then again once KEYS keys (default 1,000,000) are stored; the
# first page of filtered key lists; resident memory with 10,000 keys in
# use; and the time from start to serving, unsealed, on the full store.
# A dev server (plain HTTP on loopback, root token, durable audit); the
# keys are made through the API by `keyhold bench --op create-key`, so the
# store also holds one audit event per key. Stops by itself.
# Usage: scripts/bench-scale.sh BIN      (KEYS=1000000 RUNS=3 DURATION=10s)
set -euo pipefail
BIN=$1; PORT=8271; KEYS=${KEYS:-1000000}; RUNS=${RUNS:-3}; DURATION=${DURATION:-10s}
export KEYHOLD_ADDR=http://127.0.0.1:$PORT KEYHOLD_TOKEN=bench
DATA=$(mktemp -d)
S=
start() {
  : > "$DATA/out"
  "$BIN" server --dev --listen 127.0.0.1:$PORT --data-dir "$DATA/store" --dev-root-token bench \
    --log warn >> "$DATA/out" 2>&1 &
  S=$!
}
ready() { # waits until the server answers, unsealed
  for _ in $(seq 600); do
    curl -sf "$KEYHOLD_ADDR/v1/sys/seal-status" 2>/dev/null | grep -q '"sealed":false' && return
    sleep 0.01
  done
  echo "server did not start" >&2; cat "$DATA/out" >&2; exit 1
}
trap '[ -n "$S" ] && kill $S 2>/dev/null; rm -rf $DATA' EXIT
mkdir -p "$DATA/store"
start; ready
median() {
  python3 -c "
import json, sys
text, dec, runs, i = sys.stdin.read(), json.JSONDecoder(), [], 0
while text[i:].strip():
    d, i = dec.raw_decode(text, i + len(text[i:]) - len(text[i:].lstrip()))
    runs.append(d)
runs.sort(key=lambda d: d['ops_per_sec'])
d = runs[len(runs) // 2]; l = d['latency_us']
print(f\"{sys.argv[1]:<34} {d['ops_per_sec']:>9.0f} ops/s  p50 {l['p50']/1000:.2f} ms  p99 {l['p99']/1000:.2f} ms  errors {d['errors']['total']}  (runs: {' '.join(str(round(r['ops_per_sec'])) for r in runs)})\")" "$1"
}
encrypt10() {
  for _ in $(seq "$RUNS"); do
    "$BIN" bench --op encrypt --keys 10 --reuse --duration "$DURATION" --json; echo
  done | median "$1"
}
encrypt10 "encrypt, 10 keys, empty store"

made=0; t0=$(date +%s)
while [ "$made" -lt "$KEYS" ]; do
  n=$("$BIN" bench --op create-key --warmup 0s --duration 30s --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ops"])')
  made=$((made + n))
done
echo "stored $made keys through POST /v1/keys in $(( $(date +%s) - t0 )) s"
encrypt10 "encrypt, 10 keys, $made stored"

page() { # page LABEL QUERY: median of 5 first pages, in ms
  for _ in 1 2 3 4 5; do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer bench" "$KEYHOLD_ADDR/v1/keys?$2"
  done | sort -n | sed -n 3p | awk -v l="$1" '{printf "%-44s %6.1f ms\n", l, $1 * 1000}'
}
page "first page, no filter (100)" "limit=100"
page "first page, prefix=bench-encrypt (10 match)" "prefix=bench-encrypt&limit=100"
page "first page, algorithm=ecdsa-p256 (0 match)" "algorithm=ecdsa-p256&limit=100"
page "first page, state=active (100)" "state=active&limit=100"
page "first page, tag=team:none (0 match)" "tag=team:none&limit=100"

"$BIN" bench --op encrypt --keys 10000 --reuse --duration "$DURATION" --json \
  | median "encrypt, 10,000 keys in use"
echo "resident memory after it: $(awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' /proc/$S/status)"

for i in $(seq "$RUNS"); do
  kill $S; wait $S 2>/dev/null || true
  t0=$(date +%s%N); start; ready; t1=$(date +%s%N)
  echo "start-up to serving, unsealed, run $i: $(( (t1 - t0) / 1000000 )) ms"
done
du -sh "$DATA/store" | awk '{print "store size: " $1}'
