# Sourced by the scripts: where tools and build output live.
export PATH="$HOME/.cargo/bin:$PWD/scripts/node_modules/.bin:$PATH"
# Build output outside the checkout, so a fresh clone (and CI) reuses compiled dependencies.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/labbook-target}
