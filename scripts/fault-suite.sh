#!/usr/bin/env bash
# The fault suite (issue 7): runs every test that prints a FAULT-SUMMARY line (SIGKILL during
# copies, camera pulled, store EIO, disk full in the unit project; power loss in the QEMU test bed)
# and prints the collected summaries as one line per fault kind (rounds, faults that landed
# mid-copy, lost, duplicated; several lines of one kind are added up). Exit 1 when a test failed,
# a kind lost or duplicated anything, or a fault test printed no summary.
#   bash scripts/fault-suite.sh            # unit fault tests, then the usb ones where QEMU runs
#   EVIDOCK_FAULTS_NO_USB=1 bash scripts/fault-suite.sh   # unit fault tests only
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log="$(mktemp "${TMPDIR:-/tmp}/evidock-faults-XXXXXX.log")"
trap 'rm -f "$log"' EXIT

mapfile -t files < <(grep -rlE 'faultSummary\(|FAULT-SUMMARY ' test --include='*.test.ts' | sort)
unit=(); usb=()
for f in "${files[@]}"; do case "$f" in test/usb/*) usb+=("$f") ;; *) unit+=("$f") ;; esac; done
echo "[faults] unit: ${unit[*]:-none}" >&2
echo "[faults] usb:  ${usb[*]:-none}" >&2

rc=0
if [ ${#unit[@]} -gt 0 ]; then
  bash scripts/env.sh vitest run --project unit "${unit[@]}" 2>&1 | tee -a "$log" || rc=1
fi
if [ ${#usb[@]} -gt 0 ] && [ "${EVIDOCK_FAULTS_NO_USB:-}" != 1 ]; then
  bash scripts/env.sh vitest run --project usb "${usb[@]}" 2>&1 | tee -a "$log" || rc=1
fi

echo
echo "fault suite summary (one line per kind):"
EVIDOCK_SKIP_BOOTSTRAP=1 bash scripts/env.sh node - "$log" <<'JS' || rc=1
const fs = require('node:fs');
const lines = fs.readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '').split('\n');
const kinds = new Map();
for (const l of lines) {
  const m = /^FAULT-SUMMARY (\{.*\})\s*$/.exec(l.trim());
  if (!m) continue;
  const s = JSON.parse(m[1]);
  const k = kinds.get(s.kind) ?? { kind: s.kind, rounds: 0, landedMidCopy: 0, lost: 0, duplicated: 0 };
  for (const f of ['rounds', 'landedMidCopy', 'lost', 'duplicated']) k[f] += Number(s[f]) || 0;
  kinds.set(s.kind, k);
}
for (const k of kinds.values()) console.log(`FAULT-SUMMARY ${JSON.stringify(k)}`);
if (kinds.size === 0) { console.log('no FAULT-SUMMARY line was printed'); process.exit(1); }
if ([...kinds.values()].some((k) => k.lost > 0 || k.duplicated > 0)) process.exit(1);
JS
exit $rc
