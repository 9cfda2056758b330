#!/usr/bin/env bash
# Stops the Ceph daemons started by ceph-start.sh DIR (rgw, osd, mon, in that order).
#   ceph-stop.sh DIR [--purge]   --purge also removes DIR (the cluster and its data)
set -uo pipefail
DIR="${1:?usage: ceph-stop.sh DIR [--purge]}"
[ -d "$DIR/run" ] || exit 0
for name in client.rgw.a osd.0 mon.a; do
  f="$DIR/run/$name.pid"
  [ -f "$f" ] || continue
  pid="$(cat "$f")"
  kill "$pid" 2>/dev/null || continue
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
done
if [ "${2:-}" = "--purge" ]; then rm -rf "$DIR"; fi
