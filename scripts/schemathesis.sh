#!/usr/bin/env bash
# Fuzzes the REST API against its own OpenAPI document with schemathesis:
# starts a dev server on an ephemeral loopback port, creates a few keys so
# the key paths have something to hit, and runs schemathesis against
# /v1/openapi.json with the checks that no response is a 5xx and that every
# response conforms to the document (status documented, content type,
# headers, body schema). Fails if schemathesis finds anything.
#
# schemathesis comes from PyPI into a virtualenv at .venv (pinned below).
# Usage: scripts/schemathesis.sh      (from anywhere; called by test.sh)
#   SCHEMATHESIS_MAX_EXAMPLES=N  test cases per operation and phase (default 100)
#   SCHEMATHESIS_SEED=N          the random seed (default 1, reproducible runs)
#   SCHEMATHESIS_CHECKS=a,b      the checks (default: the ones below)
#   SCHEMATHESIS_REPORT=FILE     also write a HAR file of every request
#
# Every operation is fuzzed, POST /v1/sys/seal and /v1/sys/init included: a
# dev server refuses to seal (400) and is initialized already (409). The
# server must still be serving at the end, or the run proves little. One
# operation is left out: DELETE /v1/sys/root-token would revoke the token the
# run authenticates with, and every later request would only prove that 401
# works (crates/keyhold/tests/access_api_e2e.rs covers it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-100}"

log() { printf '\n== %s\n' "$*"; }

ensure_venv() {
  if ! .venv/bin/python -c 'import sys' >/dev/null 2>&1; then
    if ! python3 -m venv .venv >/dev/null 2>&1; then
      rm -rf .venv
      # Debian splits venv out of python3; apt_install is test.sh's.
      if declare -F apt_install >/dev/null; then
        apt_install python3-venv
      else
        echo "python3 -m venv failed: install python3-venv" >&2
        return 1
      fi
      python3 -m venv .venv
    fi
  fi
  if [ "$(.venv/bin/st --version 2>/dev/null)" != "st, version $SCHEMATHESIS_VERSION" ]; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into .venv"
    .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

SERVER_PID=""
WORK=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  [ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {
  WORK="$(mktemp -d)"
  TOKEN="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
  mkfifo "$WORK/out"
  "${CARGO_TARGET_DIR:-target}/debug/keyhold" server --dev --listen 127.0.0.1:0 --log warn \
    --data-dir "$WORK/data" --dev-root-token "$TOKEN" >"$WORK/out" 2>"$WORK/server.log" &
  SERVER_PID=$!
  exec 3<"$WORK/out"
  ADDR=""
  local line
  while IFS= read -r -t 60 line <&3; do
    case "$line" in KEYHOLD_ADDR=*) ADDR="${line#KEYHOLD_ADDR=}"; break ;; esac
  done
  if [ -z "$ADDR" ]; then
    echo "keyhold did not announce its address" >&2
    cat "$WORK/server.log" >&2
    return 1
  fi
  # Keep draining stdout so the server never blocks on a full pipe.
  cat <&3 >/dev/null &
}

api() {
  # api METHOD PATH [JSON]: one authenticated request; fails on a non-2xx.
  local data=()
  [ $# -ge 3 ] && data=(--data "$3")
  curl -sS --fail-with-body -X "$1" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' "${data[@]}" "$ADDR$2" >/dev/null
}

seed_keys() {
  local alg
  for alg in aes-256-gcm hmac-sha256 rsa-2048 ecdsa-p256 ed25519 ml-kem-768 ml-dsa-65; do
    api POST /v1/keys "{\"name\": \"st-$alg\", \"algorithm\": \"$alg\", \"exportable\": true}"
  done
}

ensure_venv
log "building keyhold"
cargo build --locked -p keyhold --bin keyhold
start_server
seed_keys
report=(--report-dir "$WORK/report")
[ -n "${SCHEMATHESIS_REPORT:-}" ] && report+=(--report har --report-har-path "$SCHEMATHESIS_REPORT")
log "schemathesis against $ADDR/v1/openapi.json ($MAX_EXAMPLES examples per operation)"
# From the scratch directory: schemathesis keeps a cache in .schemathesis/.
st="$PWD/.venv/bin/st"
(cd "$WORK" && "$st" run "$ADDR/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks "${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method,ignored_auth}" \
  --phases examples,coverage,fuzzing \
  --max-examples "$MAX_EXAMPLES" \
  --workers 2 \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --request-timeout 30 \
  --suppress-health-check all \
  --exclude-path /v1/sys/root-token \
  --warnings off \
  "${report[@]}")
if ! curl -sS --fail "$ADDR/v1/sys/health" >/dev/null; then
  echo "the dev server is no longer serving after the run (sealed?)" >&2
  exit 1
fi
