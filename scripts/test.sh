#!/usr/bin/env bash
# Runs keyhold's whole test suite on a fresh Debian machine with the Rust
# toolchain: installs what the tests need when it is missing, then runs
# formatting and lint checks, every crate's unit and integration tests
# (end-to-end tests start the real binary on ephemeral loopback ports), the
# doc tests, and checks that the fuzz targets build.
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
}

ensure_tools

log "cargo fmt --check"
cargo fmt --all --check

log "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

log "fuzz targets build"
cargo check --manifest-path fuzz/Cargo.toml --bins

log "doc tests"
cargo test --workspace --doc --locked

# Last, so that its summary closes the output.
log "tests (cargo nextest)"
cargo nextest run --workspace --locked --no-fail-fast
