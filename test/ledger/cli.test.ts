// The whole life of a camera through the real CLI: registered, handed over, refused steps (exit 2
// naming the allowed ones), a camera docked whose files carry another officer's
// badge → one lending alert and a flag in the ledger, the reports in xlsx (read back), CSV and JSON,
// an officer's own file. Root acts for each person with --as (root is not bound by roles: the role
// refusals are in test/access/roles.test.ts, the scope of the reports in test/ledger/reports.test.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { spawnSync } from 'node:child_process';
import { actingCli, CLI } from '../helpers/cli.js';
import { firstMissing, missingTools, notRoot, skipUnless } from '../helpers/require.js';

// --as (acting for each person) needs root; `script` gives the xlsx refusal a terminal.
const skip = skipUnless('ledger CLI story', firstMissing(notRoot(), missingTools(['script'])));

let dir = '';
let cfg = '';
const { cli, json } = actingCli(() => cfg);

describe.skipIf(skip)('the equipment ledger through the CLI', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'evidock-ledger-'));
    cfg = path.join(dir, 'evidock.yaml');
    writeFileSync(cfg, [
      `dataDir: ${path.join(dir, 'data')}`, 'timezone: "+08:00"', 'unit: {code: "STN", name: "Station unit"}',
      'units: [{code: "OTH", name: "Other unit"}]',
      'officers:', '  - {badge: "A00001", name: "Li Wei", roles: [officer]}', '  - {badge: "A00002", name: "Chen Jing", roles: [officer]}',
      '  - {badge: "C00001", name: "Zhao", roles: [custodian]}', '  - {badge: "H00001", name: "Zhang", roles: [head]}',
      'devices:', '  - {serial: "CAM0001", model: "DSJ-V9", badge: "A00001", unit: "STN", purchaseDate: "2025-03-18", price: 1280}', '',
    ].join('\n'));
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('registers, hands over and refuses what the rules do not allow', () => {
    expect(json<Record<string, unknown>>('C00001', 'device', 'add', 'CAM0002', '--model', 'DSJ-X1', '--price', '999.5', '--purchased', '2026-01-05', '--json'))
      .toMatchObject({ serial: 'CAM0002', model: 'DSJ-X1', price: 999.5, purchaseDate: '2026-01-05', status: 'inService', holder: null, source: 'cli' });
    expect(json<Record<string, unknown>>('C00001', 'device', 'assign', 'CAM0002', '--to', 'A00002', '--json')).toMatchObject({ serial: 'CAM0002', badge: 'A00002', by: 'C00001' });
    const twice = cli('C00001', 'device', 'assign', 'CAM0002', '--to', 'A00001');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/held by A00002: `device return CAM0002` first/);
    const back = cli('C00001', 'device', 'repair', 'CAM0002', '--back');
    expect(back.code).toBe(2);
    expect(back.stderr).toMatch(/camera CAM0002 is inService: `device repair --back` needs inRepair; allowed now: `device fault`, `device lost`, `device damaged`, `device retire`/);
    expect(cli('C00001', 'device', 'fault', 'CAM0002').code).toBe(2); // --note says what is wrong
    expect(json<Record<string, unknown>[]>('C00001', 'device', 'list', '--json').map((d) => [d.serial, d.holder, d.status])).toEqual([
      ['CAM0001', 'A00001', 'inService'], ['CAM0002', 'A00002', 'inService'],
    ]);
    expect(json<{ serial: string; toStatus: string; amountCents: number }>('C00001', 'device', 'lost', 'CAM0002', '--liable', 'A00002', '--note', 'left on a bus', '--json'))
      .toMatchObject({ serial: 'CAM0002', toStatus: 'lost', amountCents: 99950, liable: 'A00002' });
    expect(json<unknown[]>('C00001', 'device', 'list', '--status', 'lost', '--json')).toEqual([expect.objectContaining({ serial: 'CAM0002', holder: null })]);
    const audit = json<{ event: string; actor: string }[]>(null, 'audit', 'log', '--json').filter((e) => e.event.startsWith('device.'));
    expect(audit.map((e) => e.event)).toEqual(expect.arrayContaining(['device.ledger.register', 'device.assign', 'device.lost', 'device.return']));
    expect(audit.find((e) => e.event === 'device.lost')?.actor).toBe('C00001');
  });

  it('a camera recording under another badge than its holder\'s: one lending alert, flagged in the ledger', () => {
    const start = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const sim = cli(null, 'sim', 'camera', path.join(dir, 'cam'), '--clips', '2', '--seconds', '2', '--photos', '0', '--audio', '0',
      '--start', start, '--serial', 'CAM0001', '--badge', 'A00002');
    expect(sim.code, sim.stderr).toBe(0);
    expect(cli(null, 'ingest', path.join(dir, 'cam')).code).toBe(0);
    expect(cli(null, 'ingest', path.join(dir, 'cam')).code).toBe(0); // a second look adds nothing
    const lending = json<{ subject: string; message: string }[]>('H00001', 'alerts', 'list', '--kind', 'lending', '--json');
    expect(lending).toHaveLength(1);
    expect(lending[0]!.message).toMatch(/camera CAM0001 recorded under another officer's badge than the holder's .*under badge A00002, holder A00001/);
    const ledger = json<{ rows: Record<string, unknown>[] }>('H00001', 'report', 'ledger', '--format', 'json');
    expect(ledger.rows.find((r) => r.serial === 'CAM0001')).toMatchObject({ holder: 'A00001', files: 2, lentOtherBadge: 2, lentNoHolder: 0, docks: 2 });
  });

  it('reports in xlsx (read back), CSV with a BOM, and one officer\'s file', async () => {
    const file = path.join(dir, 'ledger.xlsx');
    const r = cli('C00001', 'report', 'ledger', '--format', 'xlsx', '--lang', 'zh', '--out', file);
    expect(r.code, r.stderr).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(file));
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).getCell(1).value).toBe('记录仪编号');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.getRow(2).getCell(1).value).toBe('CAM0001');
    expect(ws.getRow(2).getCell(5).value).toBe(1280);

    // On a terminal an xlsx without --out is refused (a workbook is no text for a screen).
    const q = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
    const tty = spawnSync('script', ['-qec', [process.execPath, CLI, '--config', cfg, '--as', 'C00001', 'report', 'ledger', '--format', 'xlsx'].map(q).join(' '), '/dev/null'], { encoding: 'utf8' });
    expect(tty.status).toBe(2);
    expect(tty.stdout).toMatch(/--format xlsx writes a binary workbook: give --out FILE\.xlsx/);

    const faults = cli('C00001', 'report', 'faults', '--format', 'csv', '--lang', 'en');
    const rows = parse(faults.stdout, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((x) => [x.camera, x.event, x.liable, x['liability (yuan, original price)']])).toEqual([
      ['CAM0002', 'lost', 'A00002', '999.50'], ['', 'total', '', '999.50'],
    ]);
    expect(rows[0]!.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00$/);

    const alloc = cli('H00001', 'report', 'allocation', '--format', 'csv', '--lang', 'zh');
    expect(alloc.stdout.startsWith('\uFEFF单位,单位名称,执法人员,已配发')).toBe(true);

    expect(json<{ rows: { section: string; camera: string }[] }>('A00001', 'report', 'officer', 'A00001', '--format', 'json').rows)
      .toEqual([expect.objectContaining({ section: 'camera', camera: 'CAM0001' }), expect.objectContaining({ section: 'day', camera: 'CAM0001', recordings: 2 })]);
    expect(cli('C00001', 'report', 'officer', 'NOBODY').code).toBe(2);
  });
});
