#!/usr/bin/env bash
# Disc archive benchmark: `evidock archive build` (BagIt staging, signed checkpoint, xorriso write with
# -md5 on, the re-verification from the image) and `evidock archive verify` of the image, for an
# archive of BENCH_ARCHIVE_MIB (1024) MiB of major recordings (BENCH_CLIP_MIB (128) MiB clips, real MP4
# heads with random bodies). Wall seconds and MiB/s; cold caches before each timed step when root.
# BENCH_DIR (/var/tmp) holds the work dir.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/setup.sh
. "$ROOT/scripts/bench/setup.sh"
MIB=${BENCH_ARCHIVE_MIB:-1024}; CLIP=${BENCH_CLIP_MIB:-128}
WORK="$(mktemp -d "${BENCH_DIR:-/var/tmp}/evidock-bench-archive.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

secs() { local t0 t1; t0=$(date +%s.%N); "$@" > "$WORK/out.json"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }

printf 'dataDir: %s/data\nunit: {code: "330100000001", name: "bench"}\narchive: {media: bd50}\n' "$WORK" > "$WORK/evidock.yaml"
ev() { "$EVIDOCK" --config "$WORK/evidock.yaml" "$@"; }
make_volume "$WORK/cam" BENCHARC1 000001 $((MIB / CLIP)) "$CLIP" 0
ev ingest "$WORK/cam" --json > /dev/null
ids=$(ev recordings list --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).map(r=>r.id).join(" ")))')
# shellcheck disable=SC2086
ev classify $ids --category major > /dev/null

cold; build=$(secs ev archive build --json)
image=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"))[0].image)' "$WORK/out.json")
bytes=$(stat -c %s "$image")
cold; verify=$(secs ev archive verify "$image" --json)
node -e 'const v=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); if(!v.ok){console.error(v);process.exit(1)}' "$WORK/out.json"
mib=$(echo "$bytes / 1048576" | bc -l)
printf 'archive of %s MiB (%d recordings, image %.0f MiB), cold caches: %s\n' "$MIB" "$(echo $ids | wc -w)" "$mib" "$([ "$IS_ROOT" = 1 ] && echo yes || echo no)"
printf '  archive build : %6.1f s  (%5.1f MiB/s of image; staging, xorriso -md5 on, re-verify from the image)\n' "$build" "$(echo "$mib / $build" | bc -l)"
printf '  archive verify: %6.1f s  (%5.1f MiB/s; xorriso -check_media/-check_md5_r, re-hash against the manifests, signature)\n' "$verify" "$(echo "$mib / $verify" | bc -l)"
