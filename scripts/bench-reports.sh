#!/usr/bin/env bash
# Report benchmark (issue 10): a custody database of 1 000 000 recordings, 500 cameras, 400
# officers and 20 000 handovers, built in one transaction of prepared inserts; then every report
# (late, gaps, performance, ledger, allocation, faults, officer) timed all-time and for one month.
# Target < 500 ms each; exits 1 when one is slower. Sizes: BENCH_RECORDINGS, BENCH_CAMERAS,
# BENCH_OFFICERS, BENCH_HANDOVERS; BENCH_RUNS (3) per figure; BENCH_DIR for the work directory.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/setup.sh
. "$ROOT/scripts/bench/setup.sh"
cd "$ROOT"
[ "${BENCH_NO_BUILD:-}" = 1 ] || "$ROOT/node_modules/.bin/tsc" -p tsconfig.json
exec node scripts/bench/reports.mjs
