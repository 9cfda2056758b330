#!/usr/bin/env bash
# Central catalog benchmark (issue 14): rows and audit entries replicated per second to a real
# PostgreSQL 15 (scripts/upstream/pg-start.sh), one station alone and three at once, and the wall
# time of `report late` on a station against `report late --catalog` over all stations.
# BENCH_RECORDINGS (5000) per station; BENCH_DIR (/var/tmp) holds the work dir.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/setup.sh
. "$ROOT/scripts/bench/setup.sh"
WORK="$(mktemp -d "${BENCH_DIR:-/var/tmp}/evidock-bench-catalog.XXXXXX")"
eval "$(bash "$ROOT/scripts/upstream/pg-start.sh")"
trap 'bash "$ROOT/scripts/upstream/pg-stop.sh" "$EVIDOCK_PG_DIR"; rm -rf "$WORK"' EXIT
node "$ROOT/scripts/bench/catalog.mjs" "$ROOT" "$WORK" "$EVIDOCK_PG_DSN" "$EVIDOCK_PG_PASSWORD_FILE" "${BENCH_RECORDINGS:-5000}"
