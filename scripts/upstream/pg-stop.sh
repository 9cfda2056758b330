#!/usr/bin/env bash
# Stops the PostgreSQL started by pg-start.sh and removes its directory (--keep: stop only, so
# pg-start.sh DIR starts it again with the same data).
#   scripts/upstream/pg-stop.sh DIR [--keep]
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
DIR="${1:?usage: pg-stop.sh DIR [--keep]}"
[ -d "$DIR/data" ] || { echo "pg-stop: $DIR is no pg-start.sh directory" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
fi
[ "${2:-}" = "--keep" ] || rm -rf "$DIR"
