#!/usr/bin/env bash
# Regenerates test/fixtures/usb-guest/ (lsblk JSON, udev monitor and udevadm info output) from a
# real QEMU guest: runs the USB test-bed test with EVIDOCK_RECORD_USB_FIXTURES=1 (about a minute).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export EVIDOCK_RECORD_USB_FIXTURES=1
exec bash scripts/env.sh vitest run --project usb test/usb/testbed.test.ts "$@"
