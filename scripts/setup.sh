#!/usr/bin/env bash
# Installs what Labbook needs, idempotently and at pinned versions.
#   scripts/setup.sh build   Rust WASM target, cargo-leptos, wasm-bindgen, wasm-opt
#   scripts/setup.sh test    build + PostgreSQL, Chromium, the Python venv, Playwright
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate in Cargo.lock
PYTHON=${PYTHON:-python3}
what=${1:-build}

say() { printf '\n== %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PWD/scripts/node_modules/.bin:$PATH"

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

setup_build() {
  rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || { say "rustup target add wasm32"; rustup target add wasm32-unknown-unknown; }
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "cargo install cargo-leptos@$CARGO_LEPTOS_VERSION (takes 15-25 minutes once)"
    cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    say "cargo install wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
    cargo install "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
  fi
  # wasm-opt for release builds: npm's binaryen (Debian's is too old).
  if [ ! -x scripts/node_modules/.bin/wasm-opt ]; then
    say "npm install binaryen (wasm-opt)"
    (cd scripts && npm ci --no-audit --no-fund --silent)
  fi
}

NEXTEST_VERSION=0.9.143

setup_test() {
  setup_build
  if ! cargo nextest --version >/dev/null 2>&1; then
    say "cargo install cargo-nextest@$NEXTEST_VERSION"
    cargo install "cargo-nextest@$NEXTEST_VERSION" --locked
  fi
  command -v pg_ctl >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/pg_ctl ] || apt_install postgresql
  command -v chromium >/dev/null 2>&1 || apt_install chromium
  command -v git >/dev/null 2>&1 || apt_install git
  if [ ! -x .venv/bin/python ] || ! cmp -s tests/sdk/requirements.txt .venv/.requirements; then
    say "Python venv with the pinned clearml SDK"
    "$PYTHON" -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r tests/sdk/requirements.txt
    cp tests/sdk/requirements.txt .venv/.requirements
  fi
  if [ ! -d end2end/node_modules/@playwright/test ]; then
    say "npm ci (Playwright)"
    (cd end2end && npm ci --no-audit --no-fund --silent)
  fi
}

case "$what" in
  build) setup_build ;;
  test) setup_test ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
