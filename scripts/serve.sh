#!/usr/bin/env bash
# The one run command: installs the build tools, builds Labbook (release),
# and runs `labbook serve` on SQLite in ./labbook-data with no configuration.
# Extra arguments go to `labbook serve` (see `labbook serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
. scripts/env.sh
# --precompress writes .br and .gz beside each static file (served as is).
cargo leptos build --release --precompress
export LEPTOS_SITE_ROOT=${LEPTOS_SITE_ROOT:-$PWD/target/site}
exec "$CARGO_TARGET_DIR/release/labbook" serve "$@"
