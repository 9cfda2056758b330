#!/usr/bin/env bash
# Starts a PostgreSQL 15 (Debian's postgresql-15) in a temporary directory, listening on 127.0.0.1
# only, with a database and an ordinary login role `evidock` (password in DIR/password) for the
# catalog; used by the tests and the demo. Run again on the same DIR to restart it.
#   scripts/upstream/pg-start.sh [DIR] [PORT]
# Prints shell assignments: EVIDOCK_PG_DIR, EVIDOCK_PG_DSN, EVIDOCK_PG_PASSWORD_FILE.
# Under root, initdb and the server run as the `postgres` OS user (PostgreSQL refuses root);
# DIR's parent must then be traversable by that user (a fresh directory under /tmp is).
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
[ -x "$BIN/initdb" ] || { echo "pg-start: $BIN/initdb missing: apt-get install postgresql-15" >&2; exit 1; }
DIR="${1:-}"
[ -n "$DIR" ] || DIR="$(mktemp -d /tmp/evidock-pg.XXXXXX)"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"

if [ ! -f "$DIR/data/PG_VERSION" ]; then
  PORT="${2:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
  echo "$PORT" > "$DIR/port"
  head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$DIR/password"
  chmod 600 "$DIR/password"
  as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
  NEW=1
else
  PORT="$(cat "$DIR/port")"
  NEW=0
fi
[ "$(id -u)" = 0 ] && chown postgres: "$DIR/port"
as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories='$DIR'" start >/dev/null \
  || { tail -20 "$DIR/server.log" >&2; exit 1; }
if [ "$NEW" = 1 ]; then
  as_pg "$BIN/psql" -q -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE evidock LOGIN PASSWORD '$(cat "$DIR/password")'" -c "CREATE DATABASE evidock OWNER evidock" >/dev/null
fi
echo "EVIDOCK_PG_DIR=$DIR"
echo "EVIDOCK_PG_DSN=postgresql://evidock@127.0.0.1:$PORT/evidock"
echo "EVIDOCK_PG_PASSWORD_FILE=$DIR/password"
