#!/usr/bin/env bash
# Starts (or restarts) a single-node Ceph cluster for tests and the demo: one mon, one osd
# (bluestore on a sparse file kept outside the osd directory), one radosgw, all on 127.0.0.1,
# cephx on (with auth off the osd fails with "wrong fsid"). No systemd.
#   ceph-start.sh DIR [BUCKET]
# A fresh DIR is created: cluster, an ordinary S3 user (never the admin keyring for the station:
# the admin tools bypass Object Lock) and BUCKET (default "evidence") with Object Lock enabled.
# A DIR that already holds a cluster is restarted as it was (its data kept).
# Writes DIR/s3.json {endpoint, bucket, credentialsFile, dir} and DIR/credentials.yaml (0600),
# and prints the JSON on stdout. Logs: DIR/log/.
set -euo pipefail
DIR="${1:?usage: ceph-start.sh DIR [BUCKET]}"
BUCKET="${2:-evidence}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log() { echo "[ceph-start] $*" >&2; }
for b in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool; do
  command -v "$b" >/dev/null || { echo "ceph-start: $b not installed (apt-get install ceph-mon ceph-osd radosgw ceph-common)" >&2; exit 3; }
done
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
CONF="$DIR/ceph.conf"
C=(-c "$CONF")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# python3 (in bootstrap's list), not curl: an answer of any HTTP status means the gateway is up.
http_up() { python3 -c 'import sys, urllib.request, urllib.error
try: urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError: pass' "$1"; }

wait_for() { # seconds, description, command...
  local n="$1" what="$2"; shift 2
  for ((i = 0; i < n * 10; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "ceph-start: $what did not come up within ${n}s (logs in $DIR/log)" >&2; exit 1
}

start_daemons() {
  ceph-mon -i a "${C[@]}"
  wait_for 30 "ceph-mon" timeout 5 ceph "${C[@]}" -s
  ceph-osd -i 0 "${C[@]}"
  wait_for 60 "ceph-osd" bash -c "ceph ${C[*]} osd stat -f json | grep -q '\"num_up_osds\":1'"
  radosgw -n client.rgw.a "${C[@]}"
  local ep; ep="$(cat "$DIR/endpoint")"
  wait_for 60 "radosgw" http_up "$ep"
}

if [ -f "$CONF" ]; then
  log "restarting the cluster in $DIR"
  start_daemons
else
  FSID="$(cat /proc/sys/kernel/random/uuid)"
  MON_PORT="$(free_port)"; RGW_PORT="$(free_port)"
  mkdir -p "$DIR"/{run,log,mon,osd/ceph-0,block}
  echo "http://127.0.0.1:$RGW_PORT" > "$DIR/endpoint"
  cat > "$CONF" <<CONF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $DIR/keyring.admin
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
auth allow insecure global id reclaim = false
osd crush chooseleaf type = 0
[mon]
mon data = $DIR/mon/ceph-\$id
[osd]
keyring = $DIR/osd/ceph-\$id/keyring
osd data = $DIR/osd/ceph-\$id
osd objectstore = bluestore
# bluestore's block file lives outside the osd directory (inside it the osd refuses to mkfs).
bluestore block path = $DIR/block/osd-\$id.block
bluestore block create = true
bluestore block size = 8589934592
bluestore block db create = false
bluestore block wal create = false
bluestore cache autotune = false
bluestore cache size = 134217728
osd memory target = 939524096
[client.rgw.a]
keyring = $DIR/keyring.rgw
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $DIR/rgw
CONF
  ceph-authtool --create-keyring "$DIR/keyring.mon" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$DIR/keyring.admin" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$DIR/keyring.mon" --import-keyring "$DIR/keyring.admin" >/dev/null
  monmaptool --create --addv a "[v1:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$DIR/monmap" >/dev/null
  ceph-mon "${C[@]}" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring.mon"
  ceph-mon -i a "${C[@]}"
  wait_for 30 "ceph-mon" timeout 5 ceph "${C[@]}" -s
  OSD_UUID="$(cat /proc/sys/kernel/random/uuid)"
  OSD_KEY="$(ceph-authtool --gen-print-key)"
  echo "{\"cephx_secret\": \"$OSD_KEY\"}" | ceph "${C[@]}" osd new "$OSD_UUID" -i - >/dev/null
  ceph-authtool --create-keyring "$DIR/osd/ceph-0/keyring" --name osd.0 --add-key "$OSD_KEY" >/dev/null
  ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$DIR/log/osd-mkfs.log" 2>&1
  ceph-osd -i 0 "${C[@]}"
  wait_for 60 "ceph-osd" bash -c "ceph ${C[*]} osd stat -f json | grep -q '\"num_up_osds\":1'"
  ceph "${C[@]}" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' -o "$DIR/keyring.rgw"
  radosgw -n client.rgw.a "${C[@]}"
  wait_for 60 "radosgw" http_up "$(cat "$DIR/endpoint")"
  # An ordinary S3 user: the station never gets the admin keyring.
  radosgw-admin "${C[@]}" user create --uid=evidock-station --display-name="evidock station" > "$DIR/user.json"
  python3 - "$DIR" <<'PY'
import json, os, sys
d = sys.argv[1]
k = json.load(open(os.path.join(d, 'user.json')))['keys'][0]
p = os.path.join(d, 'credentials.yaml')
fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, f"accessKeyId: {k['access_key']}\nsecretAccessKey: {k['secret_key']}\n".encode())
os.close(fd)
PY
fi

ENDPOINT="$(cat "$DIR/endpoint")"
printf '{"endpoint":"%s","bucket":"%s","credentialsFile":"%s","dir":"%s"}\n' "$ENDPOINT" "$BUCKET" "$DIR/credentials.yaml" "$DIR" > "$DIR/s3.json"
# The bucket, with Object Lock, made with the station user's own keys (idempotent).
NODE="${NODE:-node}"
"$NODE" "$ROOT/scripts/upstream/make-bucket.mjs" "$DIR/s3.json" >&2
cat "$DIR/s3.json"
