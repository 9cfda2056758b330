// The compliance story through the real CLI: a camera whose footage is two days old with an
// interruption → one late-upload and one interruption alert; the gap explained (written report with
// an attachment in the store) and refused for review by its own author (exit 4), approved by another
// head; the reports agree. Root acts for each officer with --as (audited as such; root is not
// bound by roles, so the role refusals are in test/access/roles.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actingCli } from '../helpers/cli.js';

const isRoot = process.geteuid?.() === 0;
if (!isRoot) console.log('SKIP test/compliance/cli.test.ts: --as (acting for each officer) needs root');

let dir = '';
let cfg = '';
const { cli, json } = actingCli(() => cfg);

describe.skipIf(!isRoot)('compliance through the CLI', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evidock-compliance-'));
    cfg = path.join(dir, 'evidock.yaml');
    writeFileSync(cfg, [
      `dataDir: ${path.join(dir, 'data')}`, 'timezone: "+08:00"', 'unit: {code: "330100000000", name: "Test unit"}',
      'officers:', '  - {badge: "A00001", name: "Li Wei", roles: [officer]}', '  - {badge: "H00001", name: "Zhang", roles: [head]}',
      '  - {badge: "H00002", name: "Wang", roles: [head]}', 'devices:', '  - {serial: "CAM0001", badge: "A00001"}', '',
    ].join('\n'));
    const start = new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const sim = cli(null, 'sim', 'camera', path.join(dir, 'cam'), '--clips', '3', '--seconds', '2', '--photos', '0', '--audio', '0',
      '--start', start, '--gap-after', '1:60', '--serial', 'CAM0001', '--badge', 'A00001');
    expect(sim.code, sim.stderr).toBe(0);
    const ing = cli(null, 'ingest', path.join(dir, 'cam'));
    expect(ing.code, ing.stderr).toBe(0);
  }, 120_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('shows each problem once, in the documented shape', () => {
    // A second look (and a second ingest of the same camera) adds nothing.
    expect(cli(null, 'ingest', path.join(dir, 'cam')).code).toBe(0);
    const alerts = json<Record<string, unknown>[]>('H00001', 'alerts', 'list', '--json');
    const kinds = alerts.map((a) => a.kind).sort();
    expect(kinds.filter((k) => k === 'late-upload')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'interruption')).toHaveLength(1);
    for (const a of alerts) {
      expect(Object.keys(a).sort()).toEqual(['ackedAt', 'ackedBy', 'count', 'firstSeen', 'id', 'kind', 'lastSeen', 'message', 'severity', 'subject'].sort());
    }
    expect(alerts.find((a) => a.kind === 'late-upload')?.message).toMatch(/camera CAM0001 \(officer A00001\) brought 3 file\(s\) later than 24 h/);
  });

  it('a gap explained with an attachment, refused for review by its own author (exit 4), approved by another head', () => {
    const [gap, ...more] = json<Record<string, unknown>[]>('A00001', 'gap', 'list', '--json');
    expect(more).toEqual([]);
    expect(gap).toMatchObject({ device: 'CAM0001', badge: 'A00001', gapSeconds: 60, status: 'open', explanation: null, reviewedBy: null });
    const id = String(gap!.id);
    // The voice note must start within rules.voiceExplanationSeconds after the gap: the recording before it does not.
    const bad = cli('A00001', 'gap', 'explain', id, '--recording', String(gap!.beforeRecording));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/before the gap ends/);
    // Only an explained gap is reviewed.
    expect(cli('H00002', 'gap', 'review', id, '--approve').code).toBe(2);

    const report = path.join(dir, 'report.txt');
    writeFileSync(report, 'battery swapped at 10:02\n');
    const ex = json<Record<string, unknown>>('H00001', 'gap', 'explain', id, '--text', 'battery swap', '--attach', report, '--json');
    expect(ex).toMatchObject({ status: 'explained', explainedBy: 'H00001' });
    const sha = createHash('sha256').update('battery swapped at 10:02\n').digest('hex');
    expect(ex.explanation).toContain(sha.slice(0, 12));

    const own = cli('H00001', 'gap', 'review', id, '--approve');
    expect(own.code).toBe(4);
    expect(own.stderr).toMatch(/not permitted: gap review \d+: H00001 explained gap \d+: someone else reviews it/);
    const audit = json<{ event: string; payload: Record<string, unknown> }[]>(null, 'audit', 'log', '--json');
    expect(audit.some((e) => e.event === 'access.refused' && e.payload.action === 'gap.review')).toBe(true);
    expect(audit.some((e) => e.event === 'gap.attachment' && e.payload.sha256 === sha)).toBe(true);

    expect(json<Record<string, unknown>>('H00002', 'gap', 'review', id, '--approve', '--json')).toMatchObject({ status: 'approved', reviewedBy: 'H00002' });
    expect(json<unknown[]>('H00002', 'gap', 'list', '--open', '--json')).toEqual([]);
    expect(cli('H00002', 'gap', 'review', id, '--reject', '--reason', 'x').code).toBe(2); // already approved
  });

  it('alerts ack records who and the note', () => {
    const late = json<{ id: number }[]>('H00001', 'alerts', 'list', '--kind', 'late-upload', '--json')[0]!;
    const acked = json<Record<string, unknown>>('H00001', 'alerts', 'ack', String(late.id), '--note', 'talked to the officer', '--json');
    expect(acked).toMatchObject({ ackedBy: 'H00001', ackNote: 'talked to the officer', changed: true });
    expect(json<{ id: number }[]>('H00001', 'alerts', 'list', '--open', '--kind', 'late-upload', '--json')).toEqual([]);
  });

  it('report late, gaps and performance agree with the story, in json, csv and zh', () => {
    const late = json<{ rows: Record<string, unknown>[]; report: string; generatedBy: string }>('H00001', 'report', 'late', '--format', 'json');
    expect(late.report).toBe('late');
    expect(late.generatedBy).toBe('H00001');
    expect(late.rows).toEqual([
      expect.objectContaining({ level: 'officer', badge: 'A00001', name: 'Li Wei', recordings: 3, late: 3, latePercent: 100 }),
      expect.objectContaining({ level: 'unit', unit: '330100000000', recordings: 3, late: 3 }),
    ]);
    expect(late.rows[0]!.worstDelayHours).toBeGreaterThanOrEqual(47.9);
    const csv = cli('H00001', 'report', 'gaps', '--format', 'csv', '--lang', 'zh');
    expect(csv.stdout.startsWith('\uFEFF编号,记录仪,警号')).toBe(true);
    expect(csv.stdout).toMatch(/,approved,battery swap .*,H00001,H00002\r\n$/);
    expect(csv.stdout).toMatch(/\+08:00/);
    const perf = json<{ rows: Record<string, unknown>[] }>('H00001', 'report', 'performance', '--format', 'json');
    expect(perf.rows.find((r) => r.badge === 'A00001')).toMatchObject({
      recordings: 3, daysOnDuty: 1, docks: 1, onTimePercent: 0, interruptions: 1, explained: 1, approved: 1, openAlerts: 0,
    });
  });
});
