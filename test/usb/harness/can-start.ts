// Whether QEMU can run a guest here: the binary exists and its TCG CPU emulator executes code.
// KVM is irrelevant (the test bed always uses TCG). Tests skip, printing the reason, only when not.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const QEMU = process.env.EVIDOCK_TESTBED_QEMU ?? 'qemu-system-x86_64';

export interface CanStart { ok: boolean; reason: string }

let cached: CanStart | null = null;

export function canStartQemu(): CanStart {
  cached ??= probe();
  return cached;
}

// A boot sector that writes 0x31 to the isa-debug-exit port: QEMU then exits with (0x31 << 1) | 1.
const EXPECTED_EXIT = (0x31 << 1) | 1;
function bootSector(): Buffer {
  const b = Buffer.alloc(512);
  Buffer.from([0xb0, 0x31, 0xe6, 0xf4, 0xfa, 0xf4, 0xeb, 0xfe]).copy(b); // mov al,0x31; out 0xf4,al; cli; hlt; jmp $
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

function probe(): CanStart {
  if (process.env.EVIDOCK_SKIP_USB_TESTS === '1') return { ok: false, reason: 'EVIDOCK_SKIP_USB_TESTS=1' };
  if (process.platform !== 'linux' || process.arch !== 'x64') return { ok: false, reason: `needs linux/x64, this is ${process.platform}/${process.arch}` };
  const v = spawnSync(QEMU, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (v.error || v.status !== 0) {
    return { ok: false, reason: `${QEMU} not runnable (${v.error?.message ?? v.stderr.trim()}); apt-get install qemu-system-x86` };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-qemu-probe-'));
  try {
    const disk = path.join(dir, 'boot.img');
    fs.writeFileSync(disk, bootSector());
    const r = spawnSync(QEMU, [
      '-accel', 'tcg,thread=multi', '-M', 'pc', '-m', '16', '-nodefaults', '-no-user-config', '-display', 'none',
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-drive', `file=${disk},format=raw,if=ide`,
    ], { encoding: 'utf8', timeout: 30_000 });
    if (r.error) return { ok: false, reason: `QEMU TCG probe failed: ${r.error.message}` };
    if (r.status !== EXPECTED_EXIT) {
      return { ok: false, reason: `QEMU TCG probe exited ${r.status ?? r.signal} (want ${EXPECTED_EXIT}): ${r.stderr.trim().slice(0, 300)}` };
    }
    return { ok: true, reason: `${v.stdout.split('\n')[0]} (TCG)` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
