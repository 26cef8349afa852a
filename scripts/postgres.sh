#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 for the tests (idempotent)
# and prints its admin URL. Usage: scripts/postgres.sh [start|stop]
set -euo pipefail
# Below the ephemeral port range (32768-60999): a client connection in
# TIME-WAIT on the same local port would otherwise make the bind fail.
PGPORT=${LABBOOK_PG_PORT:-25432}
PGDIR=${LABBOOK_PG_DIR:-/tmp/labbook-pg-$PGPORT}
bindir=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n1 || true)")
[ -x "$bindir/pg_ctl" ] || bindir=$(dirname "$(command -v pg_ctl)")
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
case "${1:-start}" in
  start)
    if ! "$bindir/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; then
      if [ ! -s "$PGDIR/PG_VERSION" ]; then
        mkdir -p "$PGDIR"
        [ "$(id -u)" -eq 0 ] && { id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres; chown postgres "$PGDIR"; }
        as_pg "$bindir/initdb" -D "$PGDIR" -U postgres --auth=trust -E UTF8 >/dev/null
      fi
      as_pg "$bindir/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w \
        -o "-h 127.0.0.1 -p $PGPORT -k /tmp -c fsync=on -c max_connections=200" start >/dev/null
    fi
    echo "postgres://postgres@127.0.0.1:$PGPORT/postgres"
    ;;
  stop)
    [ -s "$PGDIR/PG_VERSION" ] && as_pg "$bindir/pg_ctl" -D "$PGDIR" -m fast stop >/dev/null || true
    ;;
esac
