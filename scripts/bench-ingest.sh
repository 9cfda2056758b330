#!/usr/bin/env bash
# Ingest benchmark (issue 8), all parts in one run; tables at the end. Every ratio compares
# figures measured in this run; each timed run starts with cold caches when root (drop_caches),
# and every copy ends with its data on disk (cp and dcfldd are followed by `sync`).
# 1. volume: one ~1 GiB camera volume with untimed names (MOV_0001.MP4, IMG_0001.JPG) and one
#    with timed names: cp -r + sync, dcfldd hash=sha256, cp -r + sync + a cold sha256sum of the
#    copies, and evidock ingest "stored" (every object durable and committed) and "verified"
#    (every object re-read from the disk: the disk proof).
# 2. many: BENCH_MANY (10000) files of 64 KiB with untimed names: files per second.
# 3. big: one BENCH_BIG_GIB (6) GiB clip on a loop-mounted exFAT image: MiB/s, peak RSS, hash.
# 4. docks (root: loop devices, FUSE): 1, 4, 8 and 16 exFAT cameras docked at once into a running
#    `evidock daemon`: aggregate MiB/s, its ratio to one camera and to cp -r + sync of the same
#    cameras at once, when the last camera's ingest started, peak RSS, CPU s per GiB; and
#    dock-to-first-byte for dock.pollMs 200 and the default. See scripts/bench/docks.mjs.
#   BENCH_LARGE_MIB (default 240) × BENCH_LARGE (4) clips, BENCH_SMALL (800) photos per volume;
#   docks: BENCH_DOCK_COUNTS ("1 4 8 16"), BENCH_DOCK_FS (exfat | fat32), cameras of
#   BENCH_DOCK_LARGE (2) × BENCH_DOCK_LARGE_MIB (48) + BENCH_DOCK_SMALL (100) files,
#   BENCH_DOCK_REPEAT (1) runs, BENCH_LATENCY_DOCKS (3);
#   BENCH_VOLUME_REPEAT (3): each tool and evidock run that many times on each volume, medians shown
#   (cp + sync alone moved 1.4–3.0 s between runs on this VM);
#   BENCH_PARTS (default "volume many big docks") picks parts; BENCH_DIR (/var/tmp) holds the work dir.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/setup.sh
. "$ROOT/scripts/bench/setup.sh"
LARGE=${BENCH_LARGE:-4}; LARGE_MIB=${BENCH_LARGE_MIB:-240}; SMALL=${BENCH_SMALL:-800}
MANY=${BENCH_MANY:-10000}; BIG_GIB=${BENCH_BIG_GIB:-6}; VREPEAT=${BENCH_VOLUME_REPEAT:-3}
DOCK_FS=${BENCH_DOCK_FS:-exfat}; DOCK_LARGE=${BENCH_DOCK_LARGE:-2}; DOCK_LARGE_MIB=${BENCH_DOCK_LARGE_MIB:-48}
DOCK_SMALL=${BENCH_DOCK_SMALL:-100}; DOCK_REPEAT=${BENCH_DOCK_REPEAT:-1}; LAT_DOCKS=${BENCH_LATENCY_DOCKS:-3}
DOCK_COUNTS=${BENCH_DOCK_COUNTS:-1 4 8 16}
PARTS=" ${BENCH_PARTS:-volume many big docks} "
WORK="$(mktemp -d "${BENCH_DIR:-/var/tmp}/evidock-bench.XXXXXX")"
REPORT="$WORK/report.txt"; : > "$REPORT"
HARNESS_PID=""

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
declare -A SUM # the targets table at the end: key -> "value|target|met"
target_row() { # KEY VALUE TARGET OP(le|ge) [FMT]
  local v="$2" met=missed
  if [[ "$v" =~ ^-?\.?[0-9] ]]; then
    v=$(printf '%.6f' "$v")
    if [ "$4" = le ]; then [ "$(echo "$v <= $3" | bc -l)" = 1 ] && met=met; else [ "$(echo "$v >= $3" | bc -l)" = 1 ] && met=met; fi
    v=$(printf "${5:-%.2f}" "$v")
  else v='—'; fi
  SUM[$1]="$v|$([ "$4" = le ] && echo '<=' || echo '>=') $3|$met"
}
timeit() { # NAME CMD...
  local name="$1"; shift; cold; local a b; a=$(now); "$@" >/dev/null; b=$(now); T[$name]=$(echo "$b - $a" | bc -l)
}
# evidock_ingest OUTDIR SRC: cold `evidock ingest --json` (waits for the disk proof); sets
# T[stored] (wall until every file was durable and committed), T[verified] (wall until the disk
# proof of every object), RSS_MB (peak), CPU_S (user + system, with the disk-proof and sync
# helpers) and checks the summary (complete, verified, no failure).
evidock_ingest() {
  local out="$1" src="$2" cfg="$1/evidock.yaml" a b
  printf 'dataDir: %s\n' "$out/evidock-data" > "$cfg"
  cold; a=$(now)
  if ! /usr/bin/time -f '%M %U %S' -o "$out/rss" "$EVIDOCK" --config "$cfg" ingest "$src" --json > "$out/summary.json" 2> "$out/stderr"; then
    echo "evidock ingest failed:" >&2; tail -20 "$out/stderr" >&2; return 1
  fi
  b=$(now)
  T[verified]=$(echo "$b - $a" | bc -l)
  local gap; gap=$(node -p "const s=require('$out/summary.json'); (s.timing.verifiedS ?? s.timing.storedS) - s.timing.storedS")
  T[stored]=$(echo "${T[verified]} - $gap" | bc -l)
  local usage; usage=$(tail -1 "$out/rss")
  RSS_MB=$(echo "$(echo "$usage" | cut -d' ' -f1) / 1024" | bc -l)
  CPU_S=$(echo "$usage" | awk '{print $2 + $3}')
  node -e "const s=require('$out/summary.json'); if (s.status!=='complete'||s.failed>0||!s.verified) { console.error('evidock ingest: '+JSON.stringify({status:s.status,failed:s.failed,verified:s.verified,errors:s.errors.slice(0,3)})); process.exit(1); }"
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
run_set() { # LABEL SRC — prints its table (to be collected in the report)
  local label="$1" src="$2" out="$WORK/out-$1" r k
  mkdir -p "$out"
  declare -A RUNS=()
  # VREPEAT rounds, the tools and evidock interleaved, so a slow spell of the disk hits both alike
  for r in $(seq 1 "$VREPEAT"); do
    timeit cp bash -c "cp -r '$src' '$out/cp' && sync"
    rm -rf "$out/cp"
    timeit dcfldd bash -c "cd '$src' && find . -type f | while read -r f; do mkdir -p \"$out/dc/\$(dirname \"\$f\")\"; dcfldd if=\"\$f\" of=\"$out/dc/\$f\" hash=sha256 hashlog=/dev/null status=off 2>/dev/null; done; sync"
    rm -rf "$out/dc"
    # copy, then prove it from the disk with standard tools: cp + sync, caches dropped, sha256sum of the copies
    timeit cpsha bash -c "cp -r '$src' '$out/cpsha' && sync && { echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null; find '$out/cpsha' -type f -print0 | xargs -0 sha256sum > '$out/sums'"
    rm -rf "$out/cpsha"
    rm -rf "$out/evidock-data"
    evidock_ingest "$out" "$src"
    for k in cp dcfldd cpsha stored verified; do RUNS[$k]+="${T[$k]} "; done
    RUNS[rss]+="$RSS_MB "; RUNS[cpu]+="$CPU_S "
  done
  for k in cp dcfldd cpsha stored verified; do T[$k]=$(echo "${RUNS[$k]}" | tr ' ' '\n' | grep . | median); done
  RSS_MB=$(echo "${RUNS[rss]}" | tr ' ' '\n' | grep . | median); CPU_S=$(echo "${RUNS[cpu]}" | tr ' ' '\n' | grep . | median)
  local files bytes; files=$(node -p "require('$out/summary.json').files"); bytes=$(du -sb "$src" | cut -f1)
  printf '\none volume, %s: %s files, %.1f MiB (%s; median of %s runs each)\n' "$label" "$files" "$(echo "$bytes/1048576" | bc -l)" "$([ "$IS_ROOT" = 1 ] && echo 'cold cache each run' || echo 'warm cache: not root')" "$VREPEAT"
  printf '  runs, wall s: cp -r + sync %s| evidock stored %s\n' "$(printf '%.2f ' ${RUNS[cp]})" "$(printf '%.2f ' ${RUNS[stored]})"
  printf '  %-44s %8s %9s %10s\n' tool 'wall s' 'x cp' 'MiB/s'
  for k in cp cpsha dcfldd stored verified; do
    local nm; case $k in cp) nm='cp -r + sync';; cpsha) nm='cp -r + sync + cold sha256sum of the copies';; dcfldd) nm='dcfldd hash=sha256 (+ sync)';;
      stored) nm='evidock ingest: stored (durable, committed)';; verified) nm='evidock ingest: verified (disk proof done)';; esac
    printf '  %-44s %8.2f %9.2f %10.1f\n' "$nm" "${T[$k]}" "$(echo "${T[$k]} / ${T[cp]}" | bc -l)" "$(echo "$bytes / 1048576 / ${T[$k]}" | bc -l)"
  done
  printf '  stored / (cp -r + sync): %.2f (target <= 1.25)   verified / (cp + sync + cold sha256sum): %.2f (target <= 1.0)\n' \
    "$(echo "${T[stored]} / ${T[cp]}" | bc -l)" "$(echo "${T[verified]} / ${T[cpsha]}" | bc -l)"
  printf '  evidock verified / dcfldd: %.2f, stored / dcfldd: %.2f (target <= 0.5)   evidock peak RSS: %.1f MB   CPU: %.1f s = %.2f s/GiB\n' \
    "$(echo "${T[verified]} / ${T[dcfldd]}" | bc -l)" "$(echo "${T[stored]} / ${T[dcfldd]}" | bc -l)" "$RSS_MB" "$CPU_S" "$(echo "$CPU_S * 1073741824 / $bytes" | bc -l)"
  target_row "stored-$label" "$(echo "${T[stored]} / ${T[cp]}" | bc -l)" 1.25 le
  target_row "verified-$label" "$(echo "${T[verified]} / ${T[cpsha]}" | bc -l)" 1.0 le
  target_row "dcfldd-$label" "$(echo "${T[stored]} / ${T[dcfldd]}" | bc -l)" 0.5 le
  target_row "rss-$label" "$RSS_MB" 150 le %.0f
  target_row "cpu-$label" "$(echo "$CPU_S * 1073741824 / $bytes" | bc -l)" 999 le
  rm -rf "$out"
}

part_volume() {
  local names
  for names in untimed timed; do
    echo "making a $names camera volume: $LARGE x $LARGE_MIB MiB + $SMALL small files in $WORK"
    make_volume "$WORK/vol" BENCH01 000777 "$LARGE" "$LARGE_MIB" "$SMALL" "$names"
    echo "one volume ($names names), directory: cp, cp+sync+cold sha256sum, dcfldd, evidock ingest"
    run_set "$names-names" "$WORK/vol" >> "$REPORT"
    rm -rf "$WORK/vol"
  done
}

part_many() { # MANY x 64 KiB photos with untimed names: files per second
  echo "making $MANY files of 64 KiB with untimed names"
  make_volume "$WORK/many" BENCH02 000777 0 0 "$MANY" untimed 65536
  local out="$WORK/out-many"; mkdir -p "$out"
  timeit cp bash -c "cp -r '$WORK/many' '$out/cp' && sync"; rm -rf "$out/cp"
  echo "ingesting $MANY small files"
  evidock_ingest "$out" "$WORK/many"
  target_row many "$(echo "$MANY / ${T[stored]}" | bc -l)" 1000 ge %.0f
  target_row rss-many "$RSS_MB" 150 le %.0f
  target_row cpu-many "$(echo "$CPU_S * 1000 / $MANY" | bc -l)" 999 le
  {
    printf '\n%s files of 64 KiB, untimed names (IMG_00001.JPG), directory source\n' "$MANY"
    printf '  evidock stored: %.2f s = %.0f files/s (target >= 1000); verified: %.2f s = %.0f files/s; cp -r + sync: %.2f s = %.0f files/s; peak RSS %.1f MB; CPU %.1f s = %.2f ms/file\n' \
      "${T[stored]}" "$(echo "$MANY / ${T[stored]}" | bc -l)" "${T[verified]}" "$(echo "$MANY / ${T[verified]}" | bc -l)" \
      "${T[cp]}" "$(echo "$MANY / ${T[cp]}" | bc -l)" "$RSS_MB" "$CPU_S" "$(echo "$CPU_S * 1000 / $MANY" | bc -l)"
  } >> "$REPORT"
  rm -rf "$out" "$WORK/many"
}

part_big() { # one BIG_GIB GiB clip on a loop-mounted exFAT image: MiB/s, peak RSS, right hash
  if [ "$IS_ROOT" != 1 ] || [ ! -e /dev/fuse ] || ! command -v mount.exfat-fuse >/dev/null; then
    printf '\n%s GiB file skipped: needs root, /dev/fuse and exfat-fuse\n' "$BIG_GIB" | tee -a "$REPORT"; return 0
  fi
  echo "making one $BIG_GIB GiB clip on an exFAT image"
  mkdir -p "$WORK/big/DCIM/100MEDIA"; printf 'serial=BENCH03\nbadge=000777\n' > "$WORK/big/DEVICE.ID"
  head -c "$((BIG_GIB << 30))" /dev/urandom | tee "$WORK/big/DCIM/100MEDIA/MOV_0001.MP4" | sha256sum | cut -d' ' -f1 > "$WORK/big.sha"
  fill_image "$WORK/big" "$WORK/big.img" exfat BIGCAM; rm -rf "$WORK/big"
  local loop mnt="$WORK/bigmnt" out="$WORK/out-big"; loop=$(losetup -f --show -r "$WORK/big.img"); mkdir -p "$mnt" "$out"
  mount.exfat-fuse -o ro "$loop" "$mnt" >/dev/null 2>&1
  timeit cp bash -c "cp -r '$mnt' '$out/cp' && sync"; rm -rf "$out/cp"
  echo "ingesting the $BIG_GIB GiB clip"
  evidock_ingest "$out" "$mnt"
  local want ok=NO; want=$(cat "$WORK/big.sha")
  [ -f "$out/evidock-data/store/sha256/${want:0:2}/${want:2:2}/$want" ] && ok=yes
  target_row rss-big "$RSS_MB" 200 le %.0f
  target_row cpu-big "$(echo "$CPU_S / $BIG_GIB" | bc -l)" 999 le
  {
    printf '\none %s GiB clip on exFAT (exfat-fuse, loop image)\n' "$BIG_GIB"
    printf '  evidock stored: %.1f MiB/s; verified: %.1f MiB/s; cp -r + sync: %.1f MiB/s; peak RSS %.1f MB (target <= 200); CPU %.2f s/GiB; stored under its SHA-256: %s\n' \
      "$(echo "$BIG_GIB * 1024 / ${T[stored]}" | bc -l)" "$(echo "$BIG_GIB * 1024 / ${T[verified]}" | bc -l)" "$(echo "$BIG_GIB * 1024 / ${T[cp]}" | bc -l)" \
      "$RSS_MB" "$(echo "$CPU_S / $BIG_GIB" | bc -l)" "$ok"
  } >> "$REPORT"
  fusermount -u "$mnt"; losetup -d "$loop"; rm -rf "$WORK/big.img" "$out"
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
  local ncams; ncams=$(echo "$DOCK_COUNTS" | tr ' ' '\n' | sort -n | tail -1)
  echo "making $ncams $DOCK_FS camera images of $DOCK_LARGE x $DOCK_LARGE_MIB MiB + $DOCK_SMALL small files, and $LAT_DOCKS small ones"
  : > "$WORK/cams.json"; : > "$WORK/lat.json"
  for i in $(seq 1 "$ncams"); do entry "$WORK/cams.json" "cam$i" "$(printf 'BNCHC%02d' "$i")" "BENCHCAM$i" "$DOCK_LARGE" "$DOCK_LARGE_MIB" "$DOCK_SMALL"; done
  for i in $(seq 1 "$LAT_DOCKS"); do entry "$WORK/lat.json" "lat$i" "$(printf 'BNCHL%02d' "$i")" "BENCHLAT$i" 1 4 20; done
  cat > "$WORK/manifest.json" <<EOF
{"evidock":"$EVIDOCK","work":"$WORK","dockDir":"$dock","fs":"$DOCK_FS","repeat":$DOCK_REPEAT,"isRoot":true,"counts":[$(echo "$DOCK_COUNTS" | tr -s ' ' ',')],
 "pidFile":"$WORK/daemon.pid","out":"$WORK/docks.json","cams":[$(cat "$WORK/cams.json")],"latency":[$(cat "$WORK/lat.json")]}
EOF
  echo "docking into evidock daemon (progress on stderr)"
  node "$ROOT/scripts/bench/docks.mjs" "$WORK/manifest.json" >> "$REPORT" &
  HARNESS_PID=$!
  wait "$HARNESS_PID"; HARNESS_PID=""
  [ -z "${BENCH_KEEP_JSON:-}" ] || cp "$WORK/docks.json" "$BENCH_KEEP_JSON"
  # The dock rows of the targets table, from the harness's raw figures (medians over runs).
  local k v
  while IFS='=' read -r k v; do
    case $k in
      agg-cp-*) target_row "$k" "$v" 0.5 ge ;;
      agg-one-*) target_row "$k" "$v" 0.9 ge ;;
      last-started-*|first-byte) target_row "$k" "$v" 2 le ;;
      rss-docks-*) target_row "$k" "$v" 200 le %.0f ;;
      cpu-docks-*) target_row "$k" "$v" 999 le ;;
    esac
  done < <(node "$ROOT/scripts/bench/dock-targets.mjs" "$WORK/docks.json")
}

command -v bc >/dev/null || { [ "$IS_ROOT" = 1 ] && apt-get install -y -q bc >/dev/null; }
START=$(now)
case "$PARTS" in *" volume "*) part_volume ;; esac
case "$PARTS" in *" many "*) part_many ;; esac
case "$PARTS" in *" big "*) part_big ;; esac
case "$PARTS" in *" docks "*) part_docks ;; esac
printf '\n===== evidock ingest benchmark: %s, %s cores (%s), %s GiB RAM, node %s, %.0f s in all; load average at the end %s =====\n' \
  "$(uname -r)" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)" \
  "$(node -v)" "$(echo "$(now) - $START" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
cat "$REPORT"
# Every row of issue 8's targets, from this run (— : the part was not run).
printf '\ntargets (issue 8), this run:\n  %-62s %10s %10s  %s\n' measure value target ''
for row in \
  "stored-untimed-names|stored / (cp -r + sync), 1 GiB volume, untimed names" \
  "stored-timed-names|stored / (cp -r + sync), 1 GiB volume, timed names" \
  "verified-untimed-names|verified / (cp -r + sync + cold sha256sum), untimed names" \
  "verified-timed-names|verified / (cp -r + sync + cold sha256sum), timed names" \
  "dcfldd-untimed-names|stored / dcfldd hash=sha256, untimed names" \
  "many|files/s, $MANY x 64 KiB untimed names" \
  "agg-cp-4|4 cameras: aggregate / (cp -r + sync of the same at once)" \
  "agg-cp-16|16 cameras: aggregate / (cp -r + sync of the same at once)" \
  "agg-one-16|16 cameras: aggregate / one camera" \
  "last-started-16|last of 16 docked together: dock to ingest started (s)" \
  "first-byte|one camera docked: dock to first byte, pollMs 200 (s)" \
  "rss-docks-16|peak RSS MB, 16 cameras" \
  "rss-big|peak RSS MB, one $BIG_GIB GiB file" \
  "rss-many|peak RSS MB, one camera of $MANY files" \
  "rss-untimed-names|peak RSS MB, one 1 GiB camera (untimed names)" \
  "cpu-untimed-names|CPU s per GiB, 1 GiB volume (untimed names; incl. disk proof)" \
  "cpu-big|CPU s per GiB, one $BIG_GIB GiB file (incl. disk proof)" \
  "cpu-docks-16|CPU s per GiB, 16 cameras (daemon, incl. disk proof)" \
  "cpu-many|CPU ms per file, $MANY x 64 KiB"; do
  key=${row%%|*}; name=${row#*|}
  IFS='|' read -r v t met <<< "${SUM[$key]:-—|—|not run}"
  [ "$t" = '<= 999' ] && { t=''; met=''; }
  printf '  %-62s %10s %10s  %s\n' "$name" "$v" "$t" "$met"
done
