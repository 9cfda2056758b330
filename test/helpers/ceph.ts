// A real single-node Ceph RGW for the upstream tests (scripts/upstream/ceph-start.sh): started once
// per test file, stopped (and its directory removed) at the end; stop()/restart() for outage tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.js';
import { missingTools } from './require.js';
import { tempDir } from './volumes.js';

export interface CephServer { endpoint: string; bucket: string; credentialsFile: string; dir: string; startSeconds: number }

export const cephMissing = (): string | undefined => missingTools(['ceph-mon', 'ceph-osd', 'radosgw', 'ceph-authtool', 'monmaptool']);

function script(name: string, args: string[]): string {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/upstream', name), ...args], {
    encoding: 'utf8', env: { ...process.env, NODE: process.execPath }, timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`${name} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

export function startCeph(dir = tempDir('ceph'), bucket = 'evidence'): CephServer {
  const t0 = Date.now();
  const out = script('ceph-start.sh', [dir, bucket]).trim().split('\n').pop()!;
  return { ...(JSON.parse(out) as Omit<CephServer, 'startSeconds'>), startSeconds: (Date.now() - t0) / 1000 };
}

/** Stops the daemons, keeping the data (restartCeph brings the same cluster back). */
export function stopCeph(s: CephServer): void { script('ceph-stop.sh', [s.dir]); }
export function restartCeph(s: CephServer): number {
  const t0 = Date.now();
  script('ceph-start.sh', [s.dir, s.bucket]);
  return (Date.now() - t0) / 1000;
}
export function destroyCeph(s: CephServer | undefined): void {
  if (!s) return;
  script('ceph-stop.sh', [s.dir, '--purge']);
  fs.rmSync(s.dir, { recursive: true, force: true });
}
