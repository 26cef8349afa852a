#!/usr/bin/env bash
# The one run command: installs the build tools, builds Labbook (release),
# and runs `labbook serve` on SQLite in ./labbook-data with no configuration.
# Extra arguments go to `labbook serve` (see `labbook serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
. scripts/env.sh
cargo leptos build --release
export LEPTOS_SITE_ROOT=${LEPTOS_SITE_ROOT:-$PWD/target/site}
exec "$CARGO_TARGET_DIR/release/labbook" serve "$@"
