#!/usr/bin/env bash
# Measures what authentication + policy evaluation and durable audit cost
# on the encrypt hot path (issues 4 and 5), with `keyhold bench`:
#   1. root token, audit on                (the reference)
#   2. a principal whose one policy has 100 statements, audit on
#   3. root token, audit writes off        (a benchmark build: feature
#      bench-no-audit, KEYHOLD_BENCH_NO_AUDIT=1; nothing else can run so)
# Each configuration runs RUNS times (default 3; 1 and 2 take turns on one
# server); the figures are printed for docs/benchmarks.md. Everything stays on loopback and stops by itself.
#
# Usage: scripts/bench-access-audit.sh [RELEASE_BIN] [NO_AUDIT_BIN]
#   RELEASE_BIN   a release build       (default target/release/keyhold)
#   NO_AUDIT_BIN  a release build with --features bench-no-audit
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/release/keyhold}
NOAUDIT=${2:-}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
PORT=${PORT:-8211}
export KEYHOLD_ADDR=http://127.0.0.1:$PORT

start() { # start BIN [env...]: a dev server on $PORT, root token "bench"
  local bin=$1; shift
  DATA=$(mktemp -d)
  env "$@" "$bin" server --dev --listen "127.0.0.1:$PORT" --data-dir "$DATA" \
    --dev-root-token bench --log warn > "$DATA/out" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do grep -q KEYHOLD_ADDR "$DATA/out" 2>/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; cat "$DATA/out" >&2; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"; SERVER=; }
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null' EXIT

# One line per run: label, ops/s, p50, p99, errors.
read -r -d '' SUMMARY <<'PY' || true
import json, sys
d = json.load(sys.stdin)
l = d['latency_us']
print(f"{sys.argv[1]:<22} run {sys.argv[2]}: {d['ops_per_sec']:>9.0f} ops/s  "
      f"p50 {l['p50'] / 1000:.2f} ms  p99 {l['p99'] / 1000:.2f} ms  errors {d['errors']['total']}")
PY

bench() { # bench LABEL TOKEN: RUNS encrypt runs
  for i in $(seq "$RUNS"); do
    KEYHOLD_TOKEN=$2 "$BIN" bench --op encrypt --reuse --duration "$DURATION" --json \
      | python3 -c "$SUMMARY" "$1" "$i"
  done
}

# 100 statements: 99 that never match the bench keys (so every one is
# evaluated), then the one that allows.
policy_json() {
  printf '['
  for i in $(seq 99); do
    printf '{"effect":"allow","actions":["key:encrypt","key:decrypt"],"resources":["key/app-%s-*"],"conditions":{"source_cidrs":["10.%s.0.0/16"]}},' "$i" "$i"
  done
  printf '{"effect":"allow","actions":["key:*"],"resources":["*"]}]'
}

start "$BIN"
policy_json | KEYHOLD_TOKEN=bench "$BIN" policy create bench-100 --file - > /dev/null
KEYHOLD_TOKEN=bench "$BIN" principal create bench-app --kind service --policy bench-100 > /dev/null
APP=$(KEYHOLD_TOKEN=bench "$BIN" token create bench-app --json \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
# Warm the key (and the server) once, unmeasured; then the two
# configurations take turns, so that neither always runs on the older,
# bigger store (the audit trail grows with every run).
KEYHOLD_TOKEN=bench "$BIN" bench --op encrypt --reuse --duration 2s --json > /dev/null
for i in $(seq "$RUNS"); do
  KEYHOLD_TOKEN=bench "$BIN" bench --op encrypt --reuse --duration "$DURATION" --json \
    | python3 -c "$SUMMARY" root-token "$i"
  KEYHOLD_TOKEN=$APP "$BIN" bench --op encrypt --reuse --duration "$DURATION" --json \
    | python3 -c "$SUMMARY" policy-100 "$i"
done
stop

if [ -n "$NOAUDIT" ]; then
  BIN=$NOAUDIT
  start "$NOAUDIT" KEYHOLD_BENCH_NO_AUDIT=1
  bench root-token-no-audit bench
  stop
fi
