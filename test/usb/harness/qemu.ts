// QEMU command line and process for the test-bed guest (scripts/usb-testbed/README.md), plus temp-dir hygiene.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestbedArtefacts } from './build.js';
import { QEMU } from './can-start.js';

const hasSetpriv = (() => {
  let v: boolean | undefined;
  return () => (v ??= spawnSync('setpriv', ['--version']).status === 0);
})();

/** Starts QEMU; with setpriv it dies with this process even when that is SIGKILLed and no hook runs. */
export function spawnQemu(args: string[]): ChildProcess {
  return hasSetpriv()
    ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', QEMU, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(QEMU, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export const TMP_PREFIX = 'evidock-usb-';

/** Removes temp dirs of harness processes that died without cleanup (SIGKILL). */
export function sweepStaleDirs(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(TMP_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      const pid = Number(fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8'));
      if (pid > 0) process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

const esc = (p: string) => p.replaceAll(',', ',,'); // QEMU option-value escaping

export interface QemuOptions { smp?: number; memoryMiB?: number; extraQemuArgs?: string[] }

export function qemuArgs(a: TestbedArtefacts, dir: string, o: QemuOptions, scratch: string | null): string[] {
  return [
    '-accel', 'tcg,thread=multi', '-smp', String(o.smp ?? 2), '-m', String(o.memoryMiB ?? 1024),
    '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-no-reboot',
    '-serial', `file:${path.join(dir, 'console.log')}`,
    '-kernel', a.kernel, '-initrd', a.initrd, '-append', a.append ?? 'console=ttyS0 quiet panic=-1',
    '-device', 'qemu-xhci,id=xhci',
    '-qmp', `unix:${path.join(dir, 'qmp.sock')},server=on,wait=off`,
    '-drive', `if=none,id=project,file=${esc(a.projectImage)},format=raw,readonly=on`,
    '-device', 'virtio-blk-pci,drive=project,serial=evidock-project',
    ...(scratch ? ['-drive', `if=none,id=scratch,file=${esc(scratch)},format=raw`, '-device', 'virtio-blk-pci,drive=scratch,serial=evidock-scratch'] : []),
    '-device', 'virtio-serial-pci',
    '-chardev', `socket,id=cmd,path=${path.join(dir, 'cmd.sock')},server=on,wait=off`,
    '-device', 'virtserialport,chardev=cmd,name=evidock.cmd',
    ...(o.extraQemuArgs ?? []),
  ];
}
