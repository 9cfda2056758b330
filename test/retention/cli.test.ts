// classify, case, hold and retention through the real CLI: JSON shapes and exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeRandomVolume, objectPath, sha256File, tempDir, writeConfig } from '../helpers/volumes.js';

let dir: string;
let cfg: { file: string; dataDir: string };
let ids: number[];
const cli = (...args: string[]) => runCli(['--config', cfg.file, ...args]);
const ok = (r: { code: number; stdout: string; stderr: string }) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
};

beforeAll(() => {
  dir = tempDir('retention-cli');
  cfg = writeConfig(dir, 'timezone: "+08:00"\nretention: {routineMonths: 4, graceDays: 3}\n');
  const cam = path.join(dir, 'cam');
  makeRandomVolume(cam, { sizes: [1000, 2000, 3000] });
  ok(cli('ingest', cam, '--json'));
  ids = (ok(cli('recordings', 'list', '--json')) as { id: number }[]).map((r) => r.id).sort((a, b) => a - b);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('retention CLI', () => {
  it('the YAML cannot shorten a floor', () => {
    fs.mkdirSync(path.join(dir, 'bad'));
    const bad = writeConfig(path.join(dir, 'bad'), 'retention: {routineMonths: 2, caseMinMonths: 5}\n');
    const r = runCli(['--config', bad.file, 'config', 'check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/retention\.routineMonths.*at least 3 months/);
    expect(r.stderr).toMatch(/retention\.caseMinMonths.*at least 6 months/);
  });

  it('classify lengthens, refuses a shortening with exit 4, and a bad category with exit 2', () => {
    const out = ok(cli('classify', String(ids[0]), '--category', 'major', '--importance', '2', '--json')) as { recordingId: number; to: { category: string; keepUntil: null } }[];
    expect(out).toEqual([expect.objectContaining({ recordingId: ids[0], to: expect.objectContaining({ category: 'major', keepUntil: null }) })]);
    const r = cli('classify', String(ids[0]), '--category', 'routine');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`recording ${ids[0]}: major → routine would shorten retention`));
    expect(cli('classify', String(ids[1]), '--category', 'forever').code).toBe(2);
    expect(cli('classify', String(ids[1]), '--category', 'other').code).toBe(2); // needs --until
    expect(cli('classify', 'x', '--category', 'major').code).toBe(2);
  });

  it('cases: open, link by stage, attach a stage document into the store, show by stage, report as CSV', () => {
    ok(cli('case', 'open', 'XZ-2026-0042', '--title', '无照经营', '--json'));
    expect(cli('case', 'open', 'XZ-2026-0042', '--title', 'again').code).toBe(2);
    ok(cli('classify', String(ids[1]), '--category', 'case', '--case', 'XZ-2026-0042', '--json')); // linked, no stage yet
    ok(cli('case', 'link', 'XZ-2026-0042', String(ids[1]), '--stage', '调查', '--json')); // now filed under a stage: listed there only
    expect(cli('case', 'link', 'XZ-2026-0042', String(ids[1]), '--stage', 'investigation').code).toBe(2);
    const doc = path.join(dir, 'hearing-report.pdf');
    fs.writeFileSync(doc, '%PDF-1.4 hearing report\n');
    const [d] = ok(cli('case', 'attach', 'XZ-2026-0042', doc, '--stage', '听证', '--title', '听证报告', '--json')) as { sha256: string }[];
    expect(d!.sha256).toBe(sha256File(doc));
    expect(fs.existsSync(objectPath(cfg.dataDir, d!.sha256))).toBe(true);
    const f = ok(cli('case', 'show', 'XZ-2026-0042', '--json')) as { case: { status: string }; stages: { stage: string; recordings: { recordingId: number }[]; documents: { title: string }[] }[] };
    expect(f.case.status).toBe('open');
    expect(f.stages.map((s) => s.stage)).toEqual(['调查', '听证']);
    expect(f.stages[0]!.recordings.map((r) => r.recordingId)).toEqual([ids[1]]);
    expect(f.stages[1]!.documents.map((x) => x.title)).toEqual(['听证报告']);
    const csv = cli('report', 'case', 'XZ-2026-0042', '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.stdout).toContain('"听证","document"');
    // The document is in custody like footage: verify re-hashes it.
    expect(ok(cli('verify', '--json'))).toMatchObject({ missing: [], mismatched: [] });
    ok(cli('case', 'close', 'XZ-2026-0042', '--json'));
    expect(cli('case', 'close', 'XZ-2026-0042', '--at', '2999-01-01').code).toBe(2);
    ok(cli('case', 'reopen', 'XZ-2026-0042', '--json'));
  });

  it('holds on recordings and on a case, listed and released with a reason', () => {
    const h1 = ok(cli('hold', 'add', '--recordings', String(ids[2]), '--reason', 'complaint', '--json')) as { id: number };
    const h2 = ok(cli('hold', 'add', '--case', 'XZ-2026-0042', '--reason', 'appeal', '--json')) as { id: number };
    expect(cli('hold', 'add', '--reason', 'nothing named').code).toBe(2);
    const plan = ok(cli('retention', 'plan', '--json')) as { recordingId: number; blockedBy: string[] }[];
    expect(plan.find((e) => e.recordingId === ids[1])?.blockedBy).toEqual(expect.arrayContaining([`hold ${h2.id}: appeal`, 'case XZ-2026-0042 open']));
    expect(plan.find((e) => e.recordingId === ids[2])?.blockedBy).toEqual([`hold ${h1.id}: complaint`]);
    ok(cli('hold', 'release', String(h1.id), '--reason', 'complaint withdrawn', '--json'));
    expect((ok(cli('hold', 'list', '--json')) as { id: number }[]).map((h) => h.id)).toEqual([h2.id]);
    expect((ok(cli('hold', 'list', '--all', '--json')) as unknown[]).length).toBe(2);
  });

  it('retention plan and run print the shapes of the issue', () => {
    const plan = ok(cli('retention', 'plan', '--json')) as Record<string, unknown>[];
    expect(plan).toHaveLength(3);
    for (const e of plan) expect(Object.keys(e).sort()).toEqual(['blockedBy', 'category', 'due', 'graceUntil', 'keepUntil', 'recordingId', 'rule', 'sha256']);
    const routine = plan.find((e) => e.recordingId === ids[2])!;
    expect(routine).toMatchObject({ category: 'routine', due: false, rule: 'routine: 4 months from recording' });
    expect(ok(cli('retention', 'run', '--dry-run', '--json'))).toEqual({ graced: 0, purged: 0, bytesFreed: 0, kept: 3 });
    expect(ok(cli('retention', 'run', '--json'))).toEqual({ graced: 0, purged: 0, bytesFreed: 0, kept: 3 });
    const r = cli('retention', 'restore', String(ids[2]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not in the grace period/);
  });
});
