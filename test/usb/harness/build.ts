// Runs scripts/usb-testbed/build.sh (cached: seconds when nothing changed) and returns its artefacts.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUILD_SCRIPT = path.join(REPO_ROOT, 'scripts/usb-testbed/build.sh');

export interface TestbedArtefacts {
  kernel: string;
  initrd: string;
  projectImage: string;
  info: {
    kernelPackage: string;
    kernelPackageVersion: string;
    kernelRelease: string;
    udev: string;
    kmod: string;
    node: string;
  };
  guestKey: string;
  projectKey: string;
  guestCached: boolean;
  projectCached: boolean;
  /** Time build.sh reported for itself. */
  ms: number;
  /** Kernel command line, when the guest variant needs its own (default: the busybox guest's). */
  append?: string;
}

export interface BuildOptions {
  /** Host programs copied with their libraries onto the project disk (/evidock/.testbed/bin). */
  extraBins?: string[];
  force?: boolean;
  env?: NodeJS.ProcessEnv;
}

const inFlight = new Map<string, Promise<TestbedArtefacts>>();

/** One build per option set per process; concurrent callers share it. */
export function buildTestbed(opts: BuildOptions = {}): Promise<TestbedArtefacts> {
  const key = JSON.stringify([opts.extraBins ?? [], !!opts.force, opts.env ?? {}]);
  let p = inFlight.get(key);
  if (!p) {
    p = runBuild(opts);
    inFlight.set(key, p);
    p.catch(() => inFlight.delete(key));
  }
  return p;
}

function runBuild(opts: BuildOptions): Promise<TestbedArtefacts> {
  const env = { ...process.env, ...opts.env };
  if (opts.extraBins?.length) env.EVIDOCK_TESTBED_EXTRA_BINS = opts.extraBins.join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT, ...(opts.force ? ['--force'] : [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`usb test-bed build failed (exit ${code}):\n${err.split('\n').slice(-25).join('\n')}`));
        return;
      }
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as TestbedArtefacts);
      } catch {
        reject(new Error(`usb test-bed build printed no JSON last line:\n${out.slice(-2000)}`));
      }
    });
  });
}
