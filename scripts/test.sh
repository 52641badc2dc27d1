#!/usr/bin/env bash
# Runs keyhold's whole test suite on a fresh Debian machine with the Rust
# toolchain: installs what the tests need when it is missing, then runs
# formatting and lint checks, every crate's unit and integration tests
# (end-to-end tests start the real binary on ephemeral loopback ports), the
# doc tests, checks that the fuzz targets build, and fuzzes the REST API
# against its OpenAPI document with schemathesis (scripts/schemathesis.sh,
# from PyPI into .venv). PyKMIP (PyPI) goes into the same .venv for the KMIP
# interoperability test (crates/keyhold/tests/pykmip_e2e.rs).
#
# Usage: scripts/test.sh            (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

apt_install() {
  # Installs Debian packages that are missing; needs root (CI and dev
  # machines run as root; otherwise sudo is used when present).
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

ensure_tools() {
  # The C toolchain builds aws-lc-sys and the bundled SQLite.
  command -v cc >/dev/null 2>&1 || apt_install build-essential
  if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo install --locked cargo-nextest
  fi
  if ! cargo fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz"
    cargo install --locked cargo-fuzz
  fi
}

PYKMIP_VERSION=0.11.0

ensure_pykmip() {
  # The KMIP interoperability test drives PyKMIP's client from .venv.
  if ! .venv/bin/python -c 'import sys' >/dev/null 2>&1; then
    python3 -m venv .venv >/dev/null 2>&1 || { rm -rf .venv; apt_install python3-venv; python3 -m venv .venv; }
  fi
  if [ "$(.venv/bin/python -c 'import kmip; print(kmip.__version__)' 2>/dev/null)" != "$PYKMIP_VERSION" ]; then
    log "installing pykmip $PYKMIP_VERSION into .venv"
    .venv/bin/pip install --quiet --disable-pip-version-check "pykmip==$PYKMIP_VERSION"
  fi
}

fuzz_bounded() {
  # libFuzzer on the stable toolchain: RUSTC_BOOTSTRAP lets cargo-fuzz pass
  # its -Z flags; no sanitizer (the code under test forbids unsafe). Each
  # target runs for FUZZ_SECONDS; a crash fails the run.
  local seconds="${FUZZ_SECONDS:-30}"
  for target in $(cargo fuzz list --fuzz-dir fuzz); do
    log "fuzz $target for ${seconds}s"
    RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz --sanitizer none "$target" -- \
      -max_total_time="$seconds" -print_final_stats=1 2>&1 | tail -n 3
  done
}

# A fresh clone gains nothing from incremental caches, which would double the
# size of target/ (disk is what a CI machine runs out of first).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

ensure_tools

log "cargo fmt --check"
cargo fmt --all --check

log "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

fuzz_bounded

log "doc tests"
cargo test --workspace --doc --locked

log "REST API fuzzing (schemathesis against the OpenAPI document)"
# shellcheck source=scripts/schemathesis.sh
( source scripts/schemathesis.sh )

ensure_pykmip

# Last, so that its summary closes the output.
log "tests (cargo nextest)"
cargo nextest run --workspace --locked --no-fail-fast
