#!/usr/bin/env bash
# Object upstream benchmark (issue 14) against a real single-node Ceph RGW started for the run
# (scripts/upstream/ceph-start.sh; stopped and removed at the end):
#   1. replication (evidock's worker: local re-hash, HEAD, paced put with Content-MD5 and an Object
#      Lock, HEAD check, custody write) vs a plain PutObject loop of the same objects with the same
#      client: MiB/s each, and the ratio;
#   2. three stations replicating at once into one bucket: aggregate MiB/s;
#   3. pacing: one station at upstream.maxMBps = BENCH_UP_CAP (8): the rate it keeps.
#   BENCH_UP_FILES (16) objects of BENCH_UP_MIB (16) MiB per station; BENCH_DIR (/var/tmp) holds the work dir.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/setup.sh
. "$ROOT/scripts/bench/setup.sh"
WORK="$(mktemp -d "${BENCH_DIR:-/var/tmp}/evidock-bench-upstream.XXXXXX")"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  bash "$ROOT/scripts/upstream/ceph-stop.sh" "$WORK/ceph" --purge >/dev/null 2>&1
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

a=$(date +%s.%N)
S3JSON="$(NODE="$(command -v node)" bash "$ROOT/scripts/upstream/ceph-start.sh" "$WORK/ceph" bench 2>"$WORK/ceph-start.log" | tail -n 1)"
b=$(date +%s.%N)
echo "ceph start (mon + osd + rgw, user, bucket): $(echo "$b - $a" | bc -l | cut -c1-5) s" >&2
node "$ROOT/scripts/bench/upstream.mjs" "$S3JSON" "$WORK"
