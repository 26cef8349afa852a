#!/usr/bin/env bash
# Runs the figures a refactor must keep (ingest, task round trips, table
# pages and chart data, the 1,000-task agent run) against two server
# binaries, one after the other on the same machine, and writes both to
# bench/out/compare.txt.
#   bench/compare.sh BEFORE_BIN AFTER_BIN
# Build a binary of another commit with, for example:
#   git worktree add /tmp/before <rev> && (cd /tmp/before && cargo build --release --features ssr --bin labbook)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: $0 BEFORE_BIN AFTER_BIN" >&2; exit 2; }
scripts/setup.sh test >/dev/null
. scripts/env.sh
mkdir -p bench/out
out=bench/out/compare.txt
: > "$out"
pg=$(scripts/postgres.sh start)
fresh_pg() { local n="labbook_bench_$RANDOM$RANDOM"; psql "$pg" -q -c "CREATE DATABASE $n"; echo "${pg%/*}/$n"; }
# Build the bench programs once and run the executables, so that nothing
# is recompiled between the two binaries' runs.
declare -A prog
while read -r name exe; do prog[$name]=$exe; done < <(
  cargo bench -q --features ssr --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "bench" in m["target"]["kind"]:
        print(m["target"]["name"], m["executable"])')
# The dashboard's seed (100,000 tasks, a 1,000,000-point series) is made
# once (by a first, unrecorded run) and read by both binaries.
seed=$(mktemp -d)
LABBOOK_BIN=$1 "${prog[dashboard]}" --bench --data-dir "$seed" >/dev/null
for label in before after; do
  bin=$1; [ "$label" = after ] && bin=$2
  echo "== $label: $bin" | tee -a "$out"
  for clients in 1 8; do
    LABBOOK_BIN=$bin "${prog[ingest]}" --bench --clients "$clients" | tee -a "$out"
  done
  LABBOOK_BIN=$bin "${prog[ingest]}" --bench --db "$(fresh_pg)" | tee -a "$out"
  LABBOOK_BIN=$bin "${prog[tasks]}" --bench | tee -a "$out"
  LABBOOK_BIN=$bin "${prog[dashboard]}" --bench --data-dir "$seed" | tee -a "$out"
  LABBOOK_BIN=$bin .venv/bin/python bench/agent.py | tee -a "$out"
done
rm -rf "$seed"
echo "written to $out"
