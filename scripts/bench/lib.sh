# Shared by the benchmark scripts (sourced, not run): camera volume trees, FAT32/exFAT images,
# cold caches, clean-up of loop devices and mounts under a work directory.
# Expects ROOT, WORK and IS_ROOT to be set by the caller.

# make_volume DIR SERIAL BADGE NLARGE LARGE_MIB NSMALL [NAMES [SMALL_BYTES]]
# A generic-profile camera tree: DEVICE.ID, NLARGE real MP4 clips of LARGE_MIB MiB and NSMALL
# real JPEG photos of 8-56 KiB (or exactly SMALL_BYTES each; bench/camera-photos.mjs). Random content, so no two cameras
# (or runs) deduplicate. NAMES "timed" (default): names carry the recording time
# (20261126_080100_SERIAL_BADGE_0001.MP4); "untimed": MOV_0001.MP4 and IMG_0001.JPG, as many
# cameras write them (evidock then reads the time from the file itself).
make_volume() {
  local d="$1" serial="$2" badge="$3" nlarge="$4" large_mib="$5" nsmall="$6" names="${7:-timed}" small_bytes="${8:-0}" t i
  mkdir -p "$d/DCIM/100MEDIA"
  printf 'serial=%s\nbadge=%s\nmodel=bench\n' "$serial" "$badge" > "$d/DEVICE.ID"
  # clips: real MP4s (one small ffmpeg clip, moov first, then a top-level `free` box of random
  # bytes up to the size: the in-process reader parses them as a camera's; no two alike)
  local mp4="$d.base.mp4" n
  [ "$nlarge" -gt 0 ] && ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:rate=10:duration=2 \
    -c:v libx264 -pix_fmt yuv420p -movflags +faststart -metadata creation_time=2026-11-26T08:01:00Z "$mp4"
  for i in $(seq 1 "$nlarge"); do
    t=$(printf "20261126_08%02d00" "$i")
    local clip="${t}_${serial}_${badge}_$(printf %04d "$i").MP4"
    [ "$names" = untimed ] && clip="MOV_$(printf %04d "$i").MP4"
    n=$(( (large_mib << 20) - $(stat -c %s "$mp4") ))
    { cat "$mp4"; printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24 & 255)) $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))free"
      head -c "$((n - 8))" /dev/urandom; } > "$d/DCIM/100MEDIA/$clip"
  done
  rm -f "$mp4"
  [ "$nsmall" -gt 0 ] || return 0
  # small files: real JPEGs (one ffmpeg JPEG, its own EXIF time and random padding each: all distinct)
  local base="$d.base.jpg"
  ffmpeg -hide_banner -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:rate=1:duration=1 -frames:v 1 \
    -q:v 8 -pix_fmt yuvj420p -f image2 -c:v mjpeg "$base"
  node "$ROOT/scripts/bench/camera-photos.mjs" "$ROOT" "$base" "$d/DCIM/100MEDIA" "$nsmall" "$serial" "$badge" "$names" "$small_bytes"
  rm -f "$base"
}

tree_bytes() { du -sb "$1" | cut -f1; }
tree_files() { find "$1" -type f | wc -l; }

# image_size TREE: content + 15 % + 32 MiB for FATs and slack, whole MiB (a loop device wants
# whole sectors), at least 64 MiB (mkfs.vfat -F 32 needs ~33 MiB).
image_size() {
  local b mib; b=$(tree_bytes "$1"); mib=$(( (b * 115 / 100 + (32 << 20)) >> 20 ))
  [ "$mib" -ge 64 ] || mib=64
  echo $(( mib << 20 ))
}

# fill_image TREE IMG FS LABEL — FS is fat32 (mtools, no mount) or exfat (read-write exfat-fuse
# mount of a loop device of its own: make the image outside any directory a daemon watches).
fill_image() {
  local tree="$1" img="$2" fs="$3" label="$4"
  truncate -s "$(image_size "$tree")" "$img"
  if [ "$fs" = fat32 ]; then
    mkfs.vfat -F 32 -n "$label" "$img" >/dev/null
    (cd "$tree" && MTOOLS_SKIP_CHECK=1 mcopy -s -m -D o -i "$img" ./* ::/)
  else
    mkfs.exfat -L "$label" "$img" >/dev/null
    local loop mnt="$img.mnt"; loop=$(losetup -f --show "$img"); mkdir -p "$mnt"
    mount.exfat-fuse -o rw "$loop" "$mnt" >/dev/null 2>&1
    cp -r --preserve=timestamps "$tree/." "$mnt/"; sync -f "$mnt"
    fusermount -u "$mnt"; losetup -d "$loop" 2>/dev/null || true; rmdir "$mnt"
    # the FUSE daemon closes the loop device after the unmount returns: wait for the detach
    local i; for i in $(seq 1 300); do [ -z "$(losetup -j "$img")" ] && break; sleep 0.05; done
  fi
}

cold() { sync; [ "$IS_ROOT" = 1 ] && echo 3 > /proc/sys/vm/drop_caches || true; }
now() { date +%s.%N; }

# release_under DIR: unmount everything mounted at or below DIR (deepest first) and detach
# every loop device whose backing file lies below DIR. Only ever touches DIR's own things.
release_under() {
  local dir="$1" mp dev back
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  while read -r mp; do
    [ -n "$mp" ] || continue
    fusermount -u -z "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true
  done < <(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  while read -r dev back; do
    case "$back" in "$dir"/*) losetup -d "$dev" 2>/dev/null || true ;; esac
  done < <(losetup -n -O NAME,BACK-FILE 2>/dev/null || true)
}
