#!/usr/bin/env bash
# The one test command: installs everything the tests need (pinned), starts
# PostgreSQL, builds Labbook, and runs every test:
#   1. formatting and lints,
#   2. Rust unit tests and the store test on SQLite and PostgreSQL,
#   3. the Python suite with the real clearml SDK, on SQLite then PostgreSQL,
#   4. the Playwright tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
. scripts/env.sh

step() { printf '\n=== %s\n' "$*"; }
# Every runner's output is also kept here, to add up the counts at the end.
results=$(mktemp)
counted() { "$@" 2>&1 | tee -a "$results"; }

PG_ADMIN_URL=$(scripts/postgres.sh start)
trap 'scripts/postgres.sh stop' EXIT

# cargo-leptos builds the debug server with this cfg; using it for cargo test
# and clippy too lets them reuse the same compiled dependencies.
LEPTOS_DEBUG_RUSTFLAGS="--cfg erase_components"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (server)"
RUSTFLAGS=$LEPTOS_DEBUG_RUSTFLAGS cargo clippy --features ssr --all-targets -- -D warnings

step "cargo clippy (browser)"
RUSTFLAGS=$LEPTOS_DEBUG_RUSTFLAGS cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

step "cargo leptos build"
cargo leptos build
export LABBOOK_BIN="$CARGO_TARGET_DIR/debug/labbook"

step "cargo test (unit tests; store on SQLite and PostgreSQL)"
# cargo-nextest (on every machine here): a hung test is stopped and retried
# once, and reported (.config/nextest.toml); the crate has no doctests.
RUSTFLAGS=$LEPTOS_DEBUG_RUSTFLAGS TEST_DATABASE_URL=$PG_ADMIN_URL LABBOOK_REQUIRE_PG=1 counted cargo nextest run --features ssr --profile ci

step "pytest tests/sdk on SQLite"
counted .venv/bin/python -m pytest -q tests/sdk

step "pytest tests/sdk on PostgreSQL"
TEST_DATABASE_URL=$PG_ADMIN_URL counted .venv/bin/python -m pytest -q tests/sdk

step "Playwright (end2end/) in Chromium"
(cd end2end && LABBOOK_PYTHON="$PWD/../.venv/bin/python" counted npx playwright test)

# (grep finds nothing when no runner printed a count: not an error here.)
passed=$({ grep -oE '([0-9]+) passed' "$results" || true; } | awk '{s += $1} END {print s + 0}')
failed=$({ grep -oE '([0-9]+) failed' "$results" || true; } | awk '{s += $1} END {print s + 0}')
rm -f "$results"
step "all test steps passed"
echo "$passed passed, $failed failed"
