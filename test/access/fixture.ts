// A station with a roster across two units and one camera of officer 000123 ingested for real
// (ffmpeg-made video, photo and audio), driven through the compiled CLI.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/volumes.js';
import { openCustody, type AuditEntryLite } from '../../src/custody/index.js';

export const UNIT_A = '350100000000';
export const UNIT_B = '350200000000';

export const ROSTER = `unit: {code: "${UNIT_A}", name: 示例执法大队}
units:
  - {code: "${UNIT_B}", name: 邻区执法大队}
officers:
  - {badge: "000123", name: 张伟, roles: [officer]}
  - {badge: "000124", name: 赵敏, roles: [officer]}
  - {badge: "000456", name: 李娜, roles: [officer, custodian]}
  - {badge: "000789", name: 王强, roles: [head]}
  - {badge: "000790", name: 陈静, roles: [admin]}
  - {badge: "000555", name: 刘洋, roles: [head], unit: "${UNIT_B}"}
`;

export interface Rec { id: number; sha256: string; mediaKind: 'video' | 'photo' | 'audio' | 'other'; sourcePath: string }

export interface Station {
  dir: string;
  config: string;
  dataDir: string;
  recs: Rec[];
  byKind(kind: Rec['mediaKind']): Rec;
  as(badge: string, args: string[], input?: string): CliResult;
  /** access.* audit entries, oldest first. */
  accessAudit(): AuditEntryLite[];
  cleanup(): void;
}

export function makeStation(prefix: string, opts: { clips?: number; photos?: number; audio?: number; extra?: string } = {}): Station {
  const dir = tempDir(prefix);
  const cfg = writeConfig(dir, ROSTER + (opts.extra ?? ''));
  const cam = path.join(dir, 'cam');
  const sim = runCli(['sim', 'camera', cam, '--badge', '000123', '--clips', String(opts.clips ?? 1), '--seconds', '2',
    '--photos', String(opts.photos ?? 1), '--audio', String(opts.audio ?? 1), '--json']);
  expect(sim.code, sim.stderr).toBe(0);
  const ing = runCli(['--config', cfg.file, 'ingest', cam, '--json']);
  expect(ing.code, ing.stderr).toBe(0);
  const recs = JSON.parse(runCli(['--config', cfg.file, 'recordings', 'list', '--json']).stdout) as Rec[];
  return {
    dir, config: cfg.file, dataDir: cfg.dataDir, recs,
    byKind: (kind) => {
      const r = recs.find((x) => x.mediaKind === kind);
      if (!r) throw new Error(`no ${kind} recording`);
      return r;
    },
    as: (badge, args, input) => runCli(['--config', cfg.file, '--as', badge, ...args], { input: input ?? '' }),
    accessAudit: () => {
      const c = openCustody(cfg.dataDir);
      try { return c.listAccessAudit(); } finally { c.close(); }
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** `access request ... --json` → the new request's id. */
export function request(st: Station, badge: string, recordings: number[], kind: 'view' | 'copy', extra: string[] = []): number {
  const r = st.as(badge, ['access', 'request', '--recordings', recordings.join(','), '--purpose', '行政复议 review', '--kind', kind, '--json', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { id: number; status: string };
  expect(out.status).toBe('pending');
  return out.id;
}

export function ok(r: CliResult): CliResult {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}
