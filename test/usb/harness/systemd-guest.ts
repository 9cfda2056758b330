// The systemd variant of the test bed (scripts/usb-testbed/build-systemd.sh): same kernel and
// project disk, a root file system made from Debian packages with systemd as PID 1. Booted with
// the same harness (agent, QMP) plus its root disk, opened snapshot=on so the cached image stays clean.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, type TestbedArtefacts } from './build.js';
import { startGuest, type Guest, type StartGuestOptions } from './guest.js';

export const SYSTEMD_BUILD_SCRIPT = path.join(REPO_ROOT, 'scripts/usb-testbed/build-systemd.sh');

export interface SystemdArtefacts extends TestbedArtefacts {
  rootImage: string;
  append: string;
  systemdKey: string;
  systemdCached: boolean;
}

let inFlight: Promise<SystemdArtefacts> | undefined;

/** Builds (or finds cached) the systemd guest; one build per process. */
export function buildSystemdTestbed(extraBins: string[] = []): Promise<SystemdArtefacts> {
  inFlight ??= new Promise<SystemdArtefacts>((resolve, reject) => {
    const env = { ...process.env, ...(extraBins.length ? { EVIDOCK_TESTBED_EXTRA_BINS: extraBins.join(' ') } : {}) };
    const child = spawn('bash', [SYSTEMD_BUILD_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`systemd test-bed build failed (exit ${code}):\n${err.split('\n').slice(-25).join('\n')}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as SystemdArtefacts);
      } catch {
        reject(new Error(`build-systemd.sh printed no JSON last line:\n${out.slice(-2000)}`));
      }
    });
  });
  inFlight.catch(() => { inFlight = undefined; });
  return inFlight;
}

/** Boots the systemd guest; resolves once the agent (a systemd service) answers and udev settled. */
export async function startSystemdGuest(opts: StartGuestOptions = {}): Promise<Guest> {
  const artefacts = await buildSystemdTestbed(opts.extraBins);
  const esc = (p: string) => p.replaceAll(',', ',,');
  return startGuest({
    memoryMiB: 1536,
    bootTimeoutMs: 300_000,
    ...opts,
    artefacts,
    extraQemuArgs: [
      '-drive', `if=none,id=root,file=${esc(artefacts.rootImage)},format=raw,snapshot=on`,
      '-device', 'virtio-blk-pci,drive=root,serial=evidock-root',
      ...(opts.extraQemuArgs ?? []),
    ],
  });
}
