#!/usr/bin/env bash
# Measures the walking-skeleton figures and writes them to bench/out/:
#   cold `cargo leptos build --release` time, binary and WASM sizes,
#   start to first 200, idle RSS, and scalar ingest on SQLite and PostgreSQL.
# Usage: bench/run.sh [--skip-cold-build]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
. scripts/env.sh
mkdir -p bench/out
out=bench/out/figures.txt
: > "$out"

if [ "${1:-}" != "--skip-cold-build" ]; then
  # A cold build: its own empty target directory.
  cold=$(mktemp -d)
  start=$(date +%s)
  CARGO_TARGET_DIR=$cold cargo leptos build --release >/dev/null 2>&1
  echo "cold cargo leptos build --release: $(( $(date +%s) - start )) s" | tee -a "$out"
  rm -rf "$cold"
fi
cargo leptos build --release >/dev/null 2>&1
bin=$CARGO_TARGET_DIR/release/labbook
echo "binary size: $(stat -c %s "$bin") bytes" | tee -a "$out"
wasm=target/site/pkg/labbook.wasm
echo "wasm size: $(stat -c %s "$wasm") bytes raw, $(gzip -9 -c "$wasm" | wc -c) bytes gzip" | tee -a "$out"

pg=$(scripts/postgres.sh start)
fresh_pg() { local n="labbook_bench_$RANDOM$RANDOM"; psql "$pg" -q -c "CREATE DATABASE $n"; echo "${pg%/*}/$n"; }
for clients in 1 8; do
  LABBOOK_BIN=$bin cargo bench -q --features ssr --bench ingest -- --clients "$clients" | tee -a "$out"
  LABBOOK_BIN=$bin cargo bench -q --features ssr --bench ingest -- --clients "$clients" --db "$(fresh_pg)" | tee -a "$out"
done
LABBOOK_BIN=$bin cargo bench -q --features ssr --bench ingest -- --series 1 | tee -a "$out"
LABBOOK_BIN=$bin cargo bench -q --features ssr --bench ingest -- --series 1 --db "$(fresh_pg)" | tee -a "$out"
LABBOOK_BIN=$bin cargo bench -q --features ssr --bench tasks | tee -a "$out"
LABBOOK_BIN=$bin cargo bench -q --features ssr --bench tasks -- --db "$(fresh_pg)" | tee -a "$out"
cargo bench -q --features ssr --bench auth | tee -a "$out"
cargo bench -q --features ssr --bench auth -- --db "$(fresh_pg)" | tee -a "$out"
scripts/setup.sh test >/dev/null   # the Python venv the agent bench drives
LABBOOK_BIN=$bin .venv/bin/python bench/agent.py | tee -a "$out"
LABBOOK_BIN=$bin .venv/bin/python bench/agent.py --db "$pg" | tee -a "$out"
echo "written to $out"
