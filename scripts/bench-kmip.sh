#!/usr/bin/env bash
# Measures KMIP Encrypt (AES-256-GCM, binary TTLV over mutual TLS 1.3) with
# `keyhold bench --op kmip-encrypt` against a production server (KMIP needs
# [tls] and [kmip]; dev mode has no KMIP listener): makes a throw-away PKI
# with openssl, starts the server on loopback, initializes it (one share),
# binds the client certificate to an admin principal, then runs RUNS times
# (default 3). The same load over REST (https, TLS 1.3) runs after it for
# comparison. Everything stays on loopback and stops by itself.
#
# Usage: scripts/bench-kmip.sh [RELEASE_BIN]     (default target/release/keyhold)
#   RUNS=3 DURATION=10s CONNECTIONS=64 PAYLOAD=64
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$(realpath "${1:-target/release/keyhold}")
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
PAYLOAD=${PAYLOAD:-64}
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

pki() {
  cd "$WORK"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout ca.key -out ca.pem -subj "/CN=bench CA" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout server.key -out server.csr -subj "/CN=bench server" 2>/dev/null
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -out server.pem -extfile <(printf "subjectAltName=IP:127.0.0.1") 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout client.key -out client.csr -subj "/CN=bench-kmip" 2>/dev/null
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -out client.pem -extfile <(printf "extendedKeyUsage=clientAuth") 2>/dev/null
  cd - > /dev/null
}

start() {
  cat > "$WORK/keyhold.toml" <<TOML
listen = "127.0.0.1:0"
data_dir = "$WORK/data"
[tls]
cert = "$WORK/server.pem"
key = "$WORK/server.key"
[kmip]
listen = "127.0.0.1:0"
client_ca = "$WORK/ca.pem"
TOML
  "$BIN" server --config "$WORK/keyhold.toml" --log warn > "$WORK/out" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do grep -q KEYHOLD_KMIP_ADDR "$WORK/out" 2>/dev/null && break; sleep 0.1; done
  export KEYHOLD_ADDR=$(sed -n 's/^KEYHOLD_ADDR=//p' "$WORK/out")
  KMIP=$(sed -n 's/^KEYHOLD_KMIP_ADDR=//p' "$WORK/out")
  export KEYHOLD_CACERT=$WORK/ca.pem
  [ -n "$KMIP" ] || { echo "server did not start" >&2; cat "$WORK/out" >&2; exit 1; }
}

setup() {
  KEYHOLD_TOKEN=$("$BIN" operator init --shares 1 --threshold 1 --json \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["root_token"])')
  export KEYHOLD_TOKEN
  "$BIN" principal create bench-kmip --kind service --role admin > /dev/null
  "$BIN" principal bind-cert bench-kmip --pem "$WORK/client.pem" > /dev/null
}

read -r -d '' SUMMARY <<'PY' || true
import json, sys
d = json.load(sys.stdin)
l = d['latency_us']
print(f"{sys.argv[1]:<14} run {sys.argv[2]}: {d['ops_per_sec']:>9.0f} ops/s  "
      f"p50 {l['p50'] / 1000:.2f} ms  p99 {l['p99'] / 1000:.2f} ms  errors {d['errors']['total']}")
PY

pki
start
setup
for i in $(seq "$RUNS"); do
  "$BIN" bench --op kmip-encrypt --kmip-addr "$KMIP" --client-cert "$WORK/client.pem" \
    --client-key "$WORK/client.key" --connections "$CONNECTIONS" --payload "$PAYLOAD" \
    --duration "$DURATION" --json | python3 -c "$SUMMARY" kmip-encrypt "$i"
done
for i in $(seq "$RUNS"); do
  "$BIN" bench --op encrypt --reuse --connections "$CONNECTIONS" --payload "$PAYLOAD" \
    --duration "$DURATION" --json | python3 -c "$SUMMARY" rest-https "$i"
done
