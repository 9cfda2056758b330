// Every report of the `report` group against hand-computed expectations over the seeded database
// (test/ledger/seed.ts), in every format and both languages: JSON rows compared whole; the CSV
// (BOM first) parsed back by a CSV parser; the xlsx read back by exceljs (header, frozen row,
// widths, the same cells as the CSV, numbers as numbers); the table's header and row count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { tempDir } from '../custody/helpers.js';
import { seed, type Seeded } from './seed.js';
import { REPORTS, renderAny } from '../../src/ledger/catalog.js';
import { DEFAULT_RULES } from '../../src/compliance/rules.js';
import type { ReportScope } from '../../src/compliance/reports.js';
import type { Lang } from '../../src/compliance/format.js';

let tmp: ReturnType<typeof tempDir>;
let s: Seeded;
beforeAll(() => { tmp = tempDir(); s = seed(tmp.dir); });
afterAll(() => { s.custody.close(); tmp.cleanup(); });

const scope = (over: Partial<ReportScope> = {}): ReportScope => ({
  custody: s.custody, rules: DEFAULT_RULES, timezone: '+08:00', stationUnit: 'STN', from: null, to: null,
  seesOfficer: () => true, seesUnit: () => true, now: new Date('2026-11-21T00:00:00Z'), ...over,
});
const def = (name: string) => REPORTS.find((r) => r.name === name)!;
const rows = (name: string, over: Partial<ReportScope> = {}, arg?: string) => def(name).rows(scope(over), arg);
const Z = (t: string) => `${t}:00.000Z`;

const EXPECTED: Record<string, { arg?: string; rows: Record<string, unknown>[]; cells: [number, string, string, string?][] }> = {
  ledger: {
    rows: [
      { serial: 'CAM0001', model: 'DSJ-V9', unit: 'STN', status: 'retired', price: 1280, holder: null,
        holders: [{ badge: 'A00001', from: null, to: Z('2026-11-10T00:00') }, { badge: 'A00002', from: Z('2026-11-10T00:00'), to: Z('2026-11-20T05:00') }],
        docks: 1, lastDock: Z('2026-11-10T12:00'), files: 3, megabytes: 6, hours: 0.22,
        statusChanges: [
          { at: Z('2026-10-01T00:00'), kind: 'registered', to: 'inService', by: 'C00001', note: 'from the YAML roster' },
          { at: Z('2026-11-19T04:00'), kind: 'damaged', to: 'damaged', by: 'C00001', note: 'dropped from a motorbike' },
          { at: Z('2026-11-20T05:00'), kind: 'retired', to: 'retired', by: 'C00001', note: null },
        ], lentNoHolder: 0, lentOtherBadge: 1, dockedAway: 0 },
      { serial: 'CAM0002', model: 'DSJ-X1', unit: 'STN', status: 'inService', price: 999.5, holder: null, holders: [],
        docks: 1, lastDock: Z('2026-11-12T12:00'), files: 1, megabytes: 4, hours: 0.5,
        statusChanges: [
          { at: Z('2026-10-01T00:00'), kind: 'registered', to: 'inService', by: 'C00001', note: null },
          { at: Z('2026-11-14T01:00'), kind: 'fault', to: 'faulty', by: 'C00001', note: 'lens cracked' },
          { at: Z('2026-11-14T02:00'), kind: 'repair-sent', to: 'inRepair', by: 'C00001', note: null },
          { at: Z('2026-11-18T03:00'), kind: 'repair-back', to: 'inService', by: 'C00001', note: 'lens replaced' },
        ], lentNoHolder: 1, lentOtherBadge: 0, dockedAway: 0 },
      { serial: 'CAM0003', model: 'DSJ-X1', unit: 'OTH', status: 'inService', price: 1000, holder: 'A00003',
        holders: [{ badge: 'A00003', from: Z('2026-11-01T00:00'), to: null }], docks: 1, lastDock: Z('2026-11-13T01:00'), files: 1, megabytes: 5, hours: 0.08,
        statusChanges: [{ at: Z('2026-10-01T00:00'), kind: 'registered', to: 'inService', by: 'C00001', note: null }],
        lentNoHolder: 0, lentOtherBadge: 0, dockedAway: 1 },
    ],
    cells: [
      [0, 'holders', 'A00001 roster → 2026-11-10 08:00; A00002 2026-11-10 08:00 → 2026-11-20 13:00', 'A00001 名册 → 2026-11-10 08:00; A00002 2026-11-10 08:00 → 2026-11-20 13:00'],
      [0, 'statusChanges', '2026-10-01 08:00 registered → inService (C00001: from the YAML roster); 2026-11-19 12:00 damaged → damaged (C00001: dropped from a motorbike); 2026-11-20 13:00 retired → retired (C00001)'],
      [0, 'lastDock', '2026-11-10 20:00:00 +08:00'], [1, 'price', '999.50'], [0, 'hours', '0.22'],
      [2, 'holders', 'A00003 2026-11-01 08:00 → now', 'A00003 2026-11-01 08:00 → 至今'], [2, 'dockedAway', '1'],
    ],
  },
  allocation: {
    rows: [
      { unit: 'OTH', unitName: 'Other unit', officers: 0, equipped: 0, ratePercent: null, unequipped: '' },
      { unit: 'STN', unitName: 'Station unit', officers: 2, equipped: 0, ratePercent: 0, unequipped: 'A00001 Li Wei, A00002 Chen Jing' },
      { unit: 'SUB', unitName: 'Sub unit', officers: 1, equipped: 1, ratePercent: 100, unequipped: '' },
    ],
    cells: [[0, 'ratePercent', ''], [2, 'ratePercent', '100'], [1, 'unequipped', 'A00001 Li Wei, A00002 Chen Jing']],
  },
  faults: {
    rows: [
      { at: Z('2026-11-14T01:00'), serial: 'CAM0002', model: 'DSJ-X1', unit: 'STN', event: 'fault', fromStatus: 'inService', toStatus: 'faulty', by: 'C00001', note: 'lens cracked', liable: null, liableName: null, amount: null },
      { at: Z('2026-11-14T02:00'), serial: 'CAM0002', model: 'DSJ-X1', unit: 'STN', event: 'repair-sent', fromStatus: 'faulty', toStatus: 'inRepair', by: 'C00001', note: null, liable: null, liableName: null, amount: null },
      { at: Z('2026-11-18T03:00'), serial: 'CAM0002', model: 'DSJ-X1', unit: 'STN', event: 'repair-back', fromStatus: 'inRepair', toStatus: 'inService', by: 'C00001', note: 'lens replaced', liable: null, liableName: null, amount: null },
      { at: Z('2026-11-19T04:00'), serial: 'CAM0001', model: 'DSJ-V9', unit: 'STN', event: 'damaged', fromStatus: 'inService', toStatus: 'damaged', by: 'C00001', note: 'dropped from a motorbike', liable: 'A00002', liableName: 'Chen Jing', amount: 1280 },
      { at: Z('2026-11-20T05:00'), serial: 'CAM0001', model: 'DSJ-V9', unit: 'STN', event: 'retired', fromStatus: 'damaged', toStatus: 'retired', by: 'C00001', note: null, liable: null, liableName: null, amount: null },
      { at: null, serial: '', model: null, unit: null, event: 'total', fromStatus: null, toStatus: null, by: null, note: '5', liable: null, liableName: null, amount: 1280 },
    ],
    cells: [[0, 'at', '2026-11-14 09:00:00 +08:00'], [3, 'amount', '1280'], [5, 'event', 'total'], [5, 'amount', '1280']],
  },
  officer: {
    arg: 'A00001',
    rows: [
      { section: 'camera', camera: 'CAM0001', from: null, to: Z('2026-11-10T00:00'), day: null, recordings: null, hours: null, late: null, interruptions: null, status: 'returned' },
      { section: 'day', camera: 'CAM0001', from: null, to: null, day: '2026-11-10', recordings: 2, hours: 0.18, late: 0, interruptions: 1, status: null },
      { section: 'interruption', camera: 'CAM0001', from: Z('2026-11-10T00:00'), to: '2026-11-10T00:00:40.000Z', day: null, recordings: null, hours: null, late: null, interruptions: null, status: 'open' },
    ],
    cells: [[0, 'to', '2026-11-10 08:00:00 +08:00'], [0, 'from', ''], [1, 'day', '2026-11-10'], [1, 'hours', '0.18'], [2, 'to', '2026-11-10 08:00:40 +08:00']],
  },
  late: {
    rows: [
      { level: 'officer', unit: 'STN', badge: '(none)', name: '', recordings: 1, late: 1, latePercent: 100, worstDelayHours: 25.5 },
      { level: 'officer', unit: 'STN', badge: 'A00001', name: 'Li Wei', recordings: 2, late: 0, latePercent: 0, worstDelayHours: null },
      { level: 'officer', unit: 'STN', badge: 'A00002', name: 'Chen Jing', recordings: 1, late: 0, latePercent: 0, worstDelayHours: null },
      { level: 'officer', unit: 'SUB', badge: 'A00003', name: 'Wang Fang', recordings: 1, late: 0, latePercent: 0, worstDelayHours: null },
      { level: 'unit', unit: 'STN', badge: '', name: '', recordings: 4, late: 1, latePercent: 25, worstDelayHours: 25.5 },
      { level: 'unit', unit: 'SUB', badge: '', name: '', recordings: 1, late: 0, latePercent: 0, worstDelayHours: null },
    ],
    cells: [[0, 'worstDelayHours', '25.50'], [4, 'latePercent', '25']],
  },
  gaps: {
    rows: [{ id: 1, device: 'CAM0001', badge: 'A00001', unit: 'STN', gapStart: Z('2026-11-10T00:00'), gapEnd: '2026-11-10T00:00:40.000Z', gapSeconds: 40,
      status: 'open', explanation: null, explainedBy: null, reviewedBy: null }],
    cells: [[0, 'gapStart', '2026-11-10 08:00:00 +08:00'], [0, 'badge', 'A00001']],
  },
  performance: {
    rows: [
      { badge: 'A00001', name: 'Li Wei', unit: 'STN', daysOnDuty: 1, recordings: 2, hours: 0.18, docks: 1, onTimePercent: 100, interruptions: 1, explained: 0, approved: 0, openAlerts: 0 },
      { badge: 'A00002', name: 'Chen Jing', unit: 'STN', daysOnDuty: 1, recordings: 1, hours: 0.03, docks: 1, onTimePercent: 100, interruptions: 0, explained: 0, approved: 0, openAlerts: 0 },
      { badge: 'A00003', name: 'Wang Fang', unit: 'SUB', daysOnDuty: 1, recordings: 1, hours: 0.08, docks: 1, onTimePercent: 100, interruptions: 0, explained: 0, approved: 0, openAlerts: 0 },
      { badge: 'C00001', name: 'Zhao Custodian', unit: 'STN', daysOnDuty: 0, recordings: 0, hours: 0, docks: 0, onTimePercent: null, interruptions: 0, explained: 0, approved: 0, openAlerts: 0 },
      { badge: 'H00001', name: 'Zhang Head', unit: 'STN', daysOnDuty: 0, recordings: 0, hours: 0, docks: 0, onTimePercent: null, interruptions: 0, explained: 0, approved: 0, openAlerts: 0 },
    ],
    cells: [[0, 'hours', '0.18'], [3, 'onTimePercent', '']],
  },
};

describe('reports over the seeded database', () => {
  it('covers every report of the group', () => expect(Object.keys(EXPECTED).sort()).toEqual(REPORTS.map((r) => r.name).sort()));

  for (const [name, e] of Object.entries(EXPECTED)) {
    describe(name, () => {
      it('rows as computed by hand', () => expect(rows(name, {}, e.arg)).toEqual(e.rows));

      for (const lang of ['en', 'zh'] as Lang[]) {
        it(`json, csv, xlsx and table in ${lang}`, async () => {
          const d = def(name);
          const report = { report: name, generatedAt: '2026-11-21T00:00:00.000Z', generatedBy: 'C00001', params: { from: null, to: null }, rows: rows(name, {}, e.arg) };
          const opts = { lang, timezone: '+08:00' };
          const json = JSON.parse(String(await renderAny(report, d.columns, { ...opts, format: 'json' }))) as Record<string, unknown>;
          expect(Object.keys(json)).toEqual(['report', 'generatedAt', 'generatedBy', 'params', 'rows']);
          expect(json.rows).toEqual(e.rows);

          const csvText = String(await renderAny(report, d.columns, { ...opts, format: 'csv' }));
          expect(csvText.startsWith('\uFEFF')).toBe(true);
          const csv = parse(csvText, { bom: true }) as string[][];
          const head = d.columns.map((c) => (lang === 'zh' ? c.zh : c.en));
          expect(csv[0]).toEqual(head);
          expect(csv).toHaveLength(e.rows.length + 1);
          for (const [row, key, en, zh] of e.cells) expect(csv[row + 1]![d.columns.findIndex((c) => c.key === key)], `${name} row ${row} ${key}`).toBe(lang === 'zh' ? zh ?? en : en);
          expect(csvText).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/); // never a bare UTC time in a table

          const buf = await renderAny(report, d.columns, { ...opts, format: 'xlsx' });
          const wb = new ExcelJS.Workbook();
          await wb.xlsx.load(buf as Buffer);
          const ws = wb.worksheets[0]!;
          expect(ws.name).toBe(name);
          expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
          expect(ws.getRow(1).font?.bold).toBe(true);
          expect(ws.rowCount).toBe(e.rows.length + 1);
          d.columns.forEach((_, i) => {
            expect(ws.getRow(1).getCell(i + 1).value).toBe(head[i]);
            // exceljs leaves its default width (9) implicit
            expect(ws.getColumn(i + 1).width ?? 9, `${name} column ${i}`).toBeGreaterThanOrEqual(Math.min(80, [...head[i]!].length));
          });
          // The same cells as the CSV; numbers stay numbers.
          for (let r = 0; r < e.rows.length; r++) {
            d.columns.forEach((c, i) => {
              const v = ws.getRow(r + 2).getCell(i + 1).value;
              const want = csv[r + 1]![i]!;
              if (typeof e.rows[r]![c.key] === 'number' && !c.time && !c.text) expect(v, `${name} ${r} ${c.key}`).toBe(e.rows[r]![c.key]);
              else expect(v === null ? '' : String(v), `${name} ${r} ${c.key}`).toBe(want);
            });
          }
          expect(wb.worksheets[1]!.getRow(3).getCell(2).value).toBe('C00001');

          const table = String(await renderAny(report, d.columns, { ...opts, format: 'table' }));
          for (const h of head) expect(table).toContain(h);
          expect(table).toContain(lang === 'zh' ? `${e.rows.length} 行` : `${e.rows.length} row(s)`);
        });
      }
    });
  }
});

describe('ranges, units and scope', () => {
  it('--from/--to select recordings by their clock-corrected start', () => {
    // r2's camera said 00:00:30 on 11-10, corrected 23:59:30 on 11-09: inside a range ending at midnight.
    const late = rows('late', { from: '2026-11-09T00:00:00.000Z', to: '2026-11-10T00:00:00.000Z' });
    expect(late.filter((r) => r.level === 'officer')).toEqual([expect.objectContaining({ badge: 'A00001', recordings: 2 })]);
    const ledger = rows('ledger', { from: '2026-11-09T00:00:00.000Z', to: '2026-11-10T00:00:00.000Z' });
    expect(ledger.find((r) => r.serial === 'CAM0001')).toMatchObject({ files: 2, holders: [{ badge: 'A00001' }], statusChanges: [] });
    expect(rows('faults', { from: '2026-11-19T00:00:00.000Z' }).map((r) => r.event)).toEqual(['damaged', 'retired', 'total']);
  });

  it('--unit and what the acting person may see', () => {
    expect(rows('ledger', { unit: 'OTH' }).map((r) => r.serial)).toEqual(['CAM0003']);
    expect(rows('allocation', { unit: 'SUB' })).toEqual([expect.objectContaining({ unit: 'SUB', ratePercent: 100 })]);
    expect(rows('performance', { seesOfficer: (b) => b === 'A00002' }).map((r) => r.badge)).toEqual(['A00002']);
    // Unit rows add up what is visible only.
    expect(rows('late', { seesOfficer: (b) => b === 'A00001' })).toEqual([
      expect.objectContaining({ level: 'officer', badge: 'A00001' }), expect.objectContaining({ level: 'unit', unit: 'STN', recordings: 2, late: 0 }),
    ]);
    expect(rows('ledger', { seesUnit: (u) => u === 'STN' }).map((r) => r.serial)).toEqual(['CAM0001', 'CAM0002']);
  });
});
