// Identity taken on evidence (issue 7, defect 14): oversized identity files and invalid serials
// are reported (identity-invalid) and never stored raw; a serial docked twice at once, or back with
// files that contradict what custody recorded at the same paths, raises identity-conflict.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDockSession } from '../../src/session/dock-session.js';
import { directoryVolume } from '../../src/ingest/directory-volume.js';
import { makeRandomVolume } from '../helpers/volumes.js';
import { ctxOf, station, type Station } from '../ingest/dock-helpers.js';

const stations: Station[] = [];
afterEach(() => { for (const s of stations.splice(0)) s.close(); });
const open = (cfg: Record<string, unknown> = {}) => { const s = station(cfg); stations.push(s); return s; };

function camera(s: Station, name: string, serial: string, idFile?: string) {
  const cam = path.join(s.dir, name);
  const rels = makeRandomVolume(cam, { serial, sizes: [1000, 2000] });
  if (idFile !== undefined) fs.writeFileSync(path.join(cam, 'DEVICE.ID'), idFile);
  return { cam, rels };
}

const kinds = (alerts: { kind: string }[]) => alerts.map((a) => a.kind);

describe('identity values from the camera', () => {
  it('an identity file over 64 KiB is reported, not silently skipped; the serial then comes from the file names', async () => {
    const s = open();
    const { cam } = camera(s, 'big', 'IDB0001', `serial=IDB0001\nbadge=000123\n${'#'.repeat(70 * 1024)}\n`);
    const r = await runDockSession(await directoryVolume(cam), ctxOf(s), s);
    expect(r.device).toBe('IDB0001');
    const a = r.alerts.find((x) => x.kind === 'identity-invalid');
    expect(a?.message).toMatch(/identity file DEVICE\.ID is \d+ bytes \(an identity file is at most 65536\); not read/);
  });

  it.each([
    ['60 KB long', `${'S'.repeat(60_000)}`, /is 60000 characters long/],
    ['with shell metacharacters', 'ABC1234;rm -rf /', /holds characters a device id cannot have/],
    ['with terminal escape codes', 'ABC\u001b[2J\u001b]0;owned\u0007', /holds characters/],
  ])('a serial %s: identity-invalid, not stored; the file names name the camera', async (_n, bad, why) => {
    const s = open();
    const { cam } = camera(s, 'bad', 'IDV0001', `serial=${bad}\nbadge=000123\n`);
    const r = await runDockSession(await directoryVolume(cam), ctxOf(s), s);
    expect(r.device).toBe('IDV0001');
    const a = r.alerts.find((x) => x.kind === 'identity-invalid');
    expect(a?.message).toMatch(why);
    expect(a!.message.length).toBeLessThan(400);
    expect(a!.message).not.toMatch(/[\u0000-\u001f]/);
    expect(s.custody.listDevices().map((d) => d.serial)).toEqual(['IDV0001']);
  });

  it('a badge that is not a badge number is dropped with identity-invalid', async () => {
    const s = open();
    const { cam } = camera(s, 'badge', 'IDG0001', 'serial=IDG0001\nbadge=000123\u001b[31m\n');
    const r = await runDockSession(await directoryVolume(cam), ctxOf(s), s);
    expect(r.alerts.find((x) => x.kind === 'identity-invalid')?.message).toMatch(/badge "000123\\e\[31m" .*not a badge number/);
    expect(s.custody.listRecordings().every((x) => x.badge === '000123' || x.badge === null)).toBe(true);
  });
});

describe('identity conflicts', () => {
  it('one serial docked twice at once', async () => {
    const s = open();
    const a = camera(s, 'a', 'IDC0001');
    s.custody.upsertDevice({ serial: 'IDC0001', profile: 'generic', inRoster: false });
    const other = s.custody.startSession({ deviceSerial: 'IDC0001', profile: 'generic', sourcePath: '/media/other' }); // still running
    const r = await runDockSession(await directoryVolume(a.cam), ctxOf(s), s);
    const c = r.alerts.find((x) => x.kind === 'identity-conflict');
    expect(c).toMatchObject({ severity: 'critical' });
    expect(c!.message).toMatch(new RegExp(`IDC0001 is docked twice at once: .* and /media/other \\(session ${other}\\)`));
  });

  it('a re-dock whose file at a recorded path has other content', async () => {
    const s = open();
    const first = camera(s, 'one', 'IDC0002');
    expect(kinds((await runDockSession(await directoryVolume(first.cam), ctxOf(s), s)).alerts)).not.toContain('identity-conflict');
    // Another volume claiming the serial, same file names, other sizes.
    const second = path.join(s.dir, 'two');
    makeRandomVolume(second, { serial: 'IDC0002', sizes: [1500, 2500] });
    const r = await runDockSession(await directoryVolume(second), ctxOf(s), s);
    const c = r.alerts.find((x) => x.kind === 'identity-conflict');
    expect(c?.message).toMatch(/IDC0002 docked with 2 file\(s\) whose path custody recorded before with other content/);
    expect(c?.message).toContain(`${first.rels[0]} (recorded 1000 B`);
    expect(r.stored).toBe(2);
    // The same camera docked again unchanged: no conflict.
    const again = await runDockSession(await directoryVolume(second), ctxOf(s), s);
    expect(kinds(again.alerts)).not.toContain('identity-conflict');
  });
});
