#!/usr/bin/env bash
# Metadata benchmark (issue: a process per file whose name carries no time). One run:
#  1. `evidock ingest` of a camera of BENCH_PHOTOS (300) photos of BENCH_PHOTO_KIB (64) KiB:
#     real JPEGs with EXIF and untimed names (IMG_0001.JPG), the same photos with timed names,
#     and random bytes with untimed names; wall seconds, files/s and ffprobe runs (counted by a
#     logging wrapper around the real ffprobe, EVIDOCK_FFPROBE).
#  2. Metadata alone for the untimed photos, 6 at a time as the ingest does: ffprobe per file
#     (the ingest before) against the in-process reader.
# Cold caches before each timed run when root. BENCH_DIR (/var/tmp) holds the work dir.
# BENCH_BEFORE=DIR: also ingest the untimed photos with the evidock built in DIR (an older
# checkout, e.g. `git archive <commit>` built with tsc), for a before/after in the same run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/setup.sh
. "$ROOT/scripts/bench/setup.sh"
N=${BENCH_PHOTOS:-300}; KIB=${BENCH_PHOTO_KIB:-64}
WORK="$(mktemp -d "${BENCH_DIR:-/var/tmp}/evidock-bench-meta.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i testsrc2=size=320x240:rate=1:duration=1 -frames:v 1 \
  -q:v 6 -pix_fmt yuvj420p -f image2 -c:v mjpeg "$WORK/base.jpg"
printf '#!/bin/sh\necho run >> "%s/ffprobe.log"\nexec ffprobe "$@"\n' "$WORK" > "$WORK/ffprobe-counting"
chmod +x "$WORK/ffprobe-counting"

camera() { # NAME NAMING: a camera tree with an identity file and N photos
  local d="$WORK/$1"; mkdir -p "$d/DCIM/100MEDIA"
  printf 'serial=BNCHMD1\nbadge=000777\nmodel=bench\n' > "$d/DEVICE.ID"
  node "$ROOT/scripts/bench/metadata-photos.mjs" "$ROOT" "$WORK/base.jpg" "$d/DCIM/100MEDIA" "$N" "$((KIB << 10))" "$2" BNCHMD1 000777
}

ingest() { # NAME LABEL [EVIDOCK]: one timed `evidock ingest` into a fresh data dir; prints a table row
  local src="$WORK/$1" cfg="$WORK/$1.yaml" a b runs bin="${3:-$EVIDOCK}"
  printf 'dataDir: %s\ntimezone: "+08:00"\n' "$WORK/data-$1" > "$cfg"
  : > "$WORK/ffprobe.log"; cold
  a=$(now)
  EVIDOCK_FFPROBE="$WORK/ffprobe-counting" "$bin" --config "$cfg" ingest "$src" --json > "$WORK/$1.json" 2> "$WORK/$1.err" \
    || { echo "evidock ingest failed:" >&2; tail -20 "$WORK/$1.err" >&2; exit 1; }
  b=$(now); runs=$(wc -l < "$WORK/ffprobe.log")
  printf '  %-34s %8.2f %10.0f %8s\n' "$2" "$(echo "$b - $a" | bc -l)" "$(echo "$N / ($b - $a)" | bc -l)" "$runs"
  rm -rf "$WORK/data-$1"
}

echo "making $N photos of $KIB KiB three ways in $WORK" >&2
camera untimed untimed; camera timed timed; camera random random
{
  printf '\nevidock ingest, %s photos of %s KiB (%s)\n' "$N" "$KIB" "$([ "$IS_ROOT" = 1 ] && echo 'cold cache each run' || echo 'warm cache: not root')"
  printf '  %-34s %8s %10s %8s\n' camera 'wall s' 'files/s' ffprobes
  ingest untimed 'JPEG+EXIF, untimed names'
  ingest timed 'JPEG+EXIF, timed names'
  ingest random 'random bytes, untimed names'
  [ -z "${BENCH_BEFORE:-}" ] || ingest untimed 'before: JPEG+EXIF, untimed names' "$BENCH_BEFORE/bin/evidock"
  [ -z "${BENCH_BEFORE:-}" ] || ingest timed 'before: JPEG+EXIF, timed names' "$BENCH_BEFORE/bin/evidock"
  [ -z "${BENCH_BEFORE:-}" ] || ingest random 'before: random bytes, untimed names' "$BENCH_BEFORE/bin/evidock"
  cold
  r=$(node "$ROOT/scripts/bench/metadata-read.mjs" "$ROOT" "$WORK/untimed/DCIM/100MEDIA" 6)
  printf '\nmetadata alone, %s untimed photos, 6 at a time\n' "$N"
  node -e '
    const r = JSON.parse(process.argv[1]);
    console.log(`  ffprobe per file      ${r.probeS.toFixed(2)} s  (${r.probeRuns} processes)`);
    console.log(`  in-process reader     ${r.readS.toFixed(3)} s  (${r.readRuns} processes), ${(r.probeS / r.readS).toFixed(0)}x faster`);' "$r"
  printf '\n%s, %s cores, node %s\n' "$(uname -r)" "$(nproc)" "$(node -v)"
} | tee "$WORK/report.txt"
