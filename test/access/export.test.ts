// An approved copy grant exported for real: watermarked copies whose hashes the manifest states,
// originals untouched, the band really burnt into the picture, and a receipt that verifies with
// the openssl command line. Then a view with a configured player, and the access report.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrameRgb, watermarkLayout, type RgbFrame } from '../../src/media/index.js';
import { objectPath, sha256File } from '../helpers/volumes.js';
import { runCli } from '../helpers/cli.js';
import { makeStation, ok, request, type Station } from './fixture.js';

let st: Station;
let out: string;
let id: number;
let result: { request: number; files: { recordingId: number; original: string; copy: string; copySha256: string; watermark: string }[]; manifest: string; receipt: string; signature: string };
const seen = () => path.join(st.dir, 'seen');

beforeAll(() => {
  st = makeStation('access-export', {
    // The player copies what it was given (the file is appended as $0) so the test can look at it.
    extra: `access:\n  player: [sh, -c, 'cp "$0" ${path.join('SEEN', 'copy')} && echo "$0" > ${path.join('SEEN', 'path')}']\n`.replaceAll('SEEN', '__SEEN__'),
  });
  fs.mkdirSync(seen());
  fs.writeFileSync(st.config, fs.readFileSync(st.config, 'utf8').replaceAll('__SEEN__', seen()));
  out = path.join(st.dir, 'export');
  id = request(st, '000123', st.recs.map((r) => r.id), 'copy', ['--hours', '8']);
  ok(st.as('000790', ['access', 'approve', String(id)]));
  result = JSON.parse(ok(st.as('000123', ['export', String(id), '--to', out, '--json'])).stdout);
});
afterAll(() => st.cleanup());

/** Mean absolute difference of two frames over rows [y0, y1). */
function mad(a: RgbFrame, b: RgbFrame, y0: number, y1: number): number {
  let sum = 0;
  const row = a.width * 3;
  for (let i = y0 * row; i < y1 * row; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / ((y1 - y0) * row);
}

/** Pixels in rows [y0, y1) bright in every channel: white text on the dark band. */
function whitePixels(f: RgbFrame, y0: number, y1: number): number {
  let n = 0;
  for (let i = y0 * f.width * 3; i < y1 * f.width * 3; i += 3) if (f.data[i]! > 200 && f.data[i + 1]! > 200 && f.data[i + 2]! > 200) n++;
  return n;
}

describe('evidock export', () => {
  it('prints the JSON shape of the issue', () => {
    expect(result).toMatchObject({ request: id, manifest: path.join(out, 'manifest.json'), receipt: path.join(out, 'receipt.json') });
    expect(result.files).toHaveLength(st.recs.length);
    for (const f of result.files) {
      expect(f).toEqual(expect.objectContaining({ recordingId: expect.any(Number), original: expect.any(String), copy: expect.any(String), copySha256: expect.stringMatching(/^[0-9a-f]{64}$/) }));
    }
  });

  it('states in the manifest the SHA-256 of every original and every copy, and they match the files', () => {
    const manifest = JSON.parse(fs.readFileSync(result.manifest, 'utf8')) as {
      request: { id: number; requester: string; decidedBy: string };
      files: { recordingId: number; original: { sha256: string }; copy: { file: string; sha256: string; size: number } }[];
    };
    expect(manifest.request).toMatchObject({ id, requester: '000123', decidedBy: '000790' });
    expect(manifest.files.map((f) => f.recordingId).sort()).toEqual(st.recs.map((r) => r.id).sort());
    for (const f of manifest.files) {
      const rec = st.recs.find((r) => r.id === f.recordingId)!;
      expect(f.original.sha256).toBe(rec.sha256);
      expect(sha256File(objectPath(st.dataDir, rec.sha256))).toBe(rec.sha256); // the original is untouched
      const copy = path.join(out, f.copy.file);
      expect(sha256File(copy)).toBe(f.copy.sha256);
      expect(fs.statSync(copy).size).toBe(f.copy.size);
      expect(f.copy.sha256).not.toBe(rec.sha256); // every copy is marked, none is the original
      expect(result.files.find((x) => x.recordingId === f.recordingId)!.copySha256).toBe(f.copy.sha256);
    }
    const sums = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
  });

  it.each(['video', 'photo'] as const)('burns the watermark into the %s: the band differs, the rest of the picture matches', async (kind) => {
    const rec = st.byKind(kind);
    const copy = result.files.find((f) => f.recordingId === rec.id)!;
    expect(copy.watermark).toBe('drawtext');
    const at = kind === 'video' ? 1 : 0;
    const a = await decodeFrameRgb(objectPath(st.dataDir, rec.sha256), at);
    const b = await decodeFrameRgb(copy.copy, at);
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    const { band } = watermarkLayout(a.height, 2);
    const top = a.height - band;
    expect(mad(a, b, top, a.height)).toBeGreaterThan(40); // the dark band with the text
    expect(whitePixels(b, top, a.height)).toBeGreaterThan(100); // glyphs, white on dark
    expect(whitePixels(a, top, a.height) === whitePixels(b, top, a.height)).toBe(false);
    expect(mad(a, b, 0, top)).toBeLessThan(3); // elsewhere the copy is the original picture
  });

  it('keeps the audio of an audio-only recording and marks the copy in its metadata', () => {
    const rec = st.byKind('audio');
    expect(result.files.find((f) => f.recordingId === rec.id)!.watermark).toBe('metadata-tag');
  });

  it('signs a receipt with the station key that openssl verifies, and a changed receipt does not', () => {
    const pub = path.join(st.dataDir, 'keys', 'station.pub');
    expect(fs.statSync(path.join(st.dataDir, 'keys', 'station.key')).mode & 0o777).toBe(0o600);
    const verify = (file: string) => spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', file, '-sigfile', result.signature], { encoding: 'utf8' });
    const good = verify(result.receipt);
    expect(good.status, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/Signature Verified Successfully/);
    const receipt = JSON.parse(fs.readFileSync(result.receipt, 'utf8')) as { request: number; manifest: { sha256: string }; files: { copySha256: string }[] };
    expect(receipt.request).toBe(id);
    expect(receipt.manifest.sha256).toBe(sha256File(result.manifest));
    expect(receipt.files.map((f) => f.copySha256).sort()).toEqual(result.files.map((f) => f.copySha256).sort());
    const forged = path.join(st.dir, 'forged.json');
    fs.writeFileSync(forged, fs.readFileSync(result.receipt, 'utf8').replace(/"request":\d+/, '"request":999'));
    expect(verify(forged).status).not.toBe(0);
  });

  it('audits the export with every copy hash, and the grant is used', () => {
    const e = st.accessAudit().find((x) => x.event === 'access.export')!;
    expect(e).toMatchObject({ actor: '000123', payload: { request: id, by: '000123' } });
    const files = e.payload.files as { copySha256: string }[];
    expect(files.map((f) => f.copySha256).sort()).toEqual(result.files.map((f) => f.copySha256).sort());
    const list = JSON.parse(ok(st.as('000123', ['access', 'list', '--mine', '--json'])).stdout) as { id: number; status: string; decidedBy: string }[];
    expect(list.find((r) => r.id === id)).toMatchObject({ status: 'used', decidedBy: '000790' });
  });
});

describe('export staging', () => {
  it('leaves nothing in its staging area and removes what a killed export left there', () => {
    const exports = path.join(st.dataDir, 'tmp', 'exports');
    expect(fs.readdirSync(exports)).toEqual([]);
    const stale = path.join(exports, 'export-2147483646-zzzzzz'); // a pid that cannot be alive
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, 'leak.jpg'), 'unreleased copy');
    const photo = st.byKind('photo');
    const again = request(st, '000123', [photo.id], 'copy');
    ok(st.as('000789', ['access', 'approve', String(again)]));
    ok(st.as('000123', ['export', String(again), '--to', path.join(st.dir, 'export-2')]));
    expect(fs.readdirSync(exports)).toEqual([]);
  });

  it('refuses a --to directory that is not empty', () => {
    const photo = st.byKind('photo');
    const again = request(st, '000123', [photo.id], 'copy');
    ok(st.as('000789', ['access', 'approve', String(again)]));
    const r = st.as('000123', ['export', String(again), '--to', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not empty/);
  });
});

describe('evidock view', () => {
  it('plays a watermarked temporary copy with the configured player and removes it afterwards', async () => {
    const video = st.byKind('video');
    const vid = request(st, '000123', [video.id], 'view');
    ok(st.as('000789', ['access', 'approve', String(vid)]));
    const r = ok(st.as('000123', ['view', String(vid), String(video.id), '--json']));
    const shown = fs.readFileSync(path.join(seen(), 'path'), 'utf8').trim();
    expect(fs.existsSync(shown)).toBe(false); // removed after the player closed
    const copy = path.join(seen(), 'copy');
    const a = await decodeFrameRgb(objectPath(st.dataDir, video.sha256), 1);
    const b = await decodeFrameRgb(copy, 1);
    const top = a.height - watermarkLayout(a.height, 2).band;
    expect(mad(a, b, top, a.height)).toBeGreaterThan(40);
    expect(mad(a, b, 0, top)).toBeLessThan(3);
    const v = st.accessAudit().filter((x) => x.event === 'access.view').at(-1)!;
    expect(v.payload).toMatchObject({ request: vid, recordingId: video.id, copySha256: sha256File(copy), by: '000123' });
    expect(JSON.parse(r.stdout)).toMatchObject({ request: vid, recordingId: video.id, removed: true, playerExit: 0 });
  });
});

describe('evidock view without a player', () => {
  it('prints the path of the copy, waits for the end of input, then removes it', () => {
    const noPlayer = path.join(st.dir, 'no-player.yaml');
    fs.writeFileSync(noPlayer, fs.readFileSync(st.config, 'utf8').replace(/^access:\n  player: .*\n/m, ''));
    const photo = st.byKind('photo');
    const vid = request(st, '000123', [photo.id], 'view');
    ok(st.as('000789', ['access', 'approve', String(vid)]));
    const r = runCli(['--config', noPlayer, '--as', '000123', 'view', String(vid), String(photo.id)], { input: '\n' });
    expect(r.code, r.stderr).toBe(0);
    const shown = r.stdout.trim();
    expect(shown).toMatch(/evidock-view-\d+-.*\.jpg$/);
    expect(fs.existsSync(shown)).toBe(false);
    expect(r.stderr).toMatch(/press Enter when done/);
  });
});

describe('evidock report access', () => {
  it('accounts for every request, decision, view and export per person and per recording', () => {
    const r = JSON.parse(ok(st.as('000790', ['report', 'access', '--format', 'json'])).stdout) as {
      byPerson: { badge: string; name: string; requests: number; approved: number; views: number; exports: number }[];
      byRecording: { recordingId: number; views: number; exports: number; viewedBy: string[]; exportedBy: string[] }[];
    };
    expect(r.byPerson.find((p) => p.badge === '000123')).toMatchObject({ name: '张伟', requests: 5, views: 2, exports: 2 });
    expect(r.byPerson.find((p) => p.badge === '000790')).toMatchObject({ approved: 1 });
    expect(r.byPerson.find((p) => p.badge === '000789')).toMatchObject({ approved: 4 });
    const video = r.byRecording.find((x) => x.recordingId === st.byKind('video').id)!;
    expect(video).toMatchObject({ exports: 1, views: 1, viewedBy: ['000123'], exportedBy: ['000123'] });
    const csv = ok(st.as('000789', ['report', 'access', '--format', 'csv'])).stdout.split('\n');
    expect(csv[0]).toBe('scope,key,name,requests,approved,rejected,revoked,views,exports,refused,failed,viewedBy,exportedBy');
    expect(csv).toContain('person,000123,张伟,5,0,0,0,2,2,0,0,,');
  });

  it('is refused to an officer, and the refusal is audited', () => {
    const r = st.as('000123', ['report', 'access']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not a custodian, head or admin/);
    expect(st.accessAudit().at(-1)).toMatchObject({ event: 'access.refused', payload: { action: 'report access', code: 'no-role', by: '000123' } });
  });

  it('filters by unit and period', () => {
    const other = JSON.parse(ok(st.as('000790', ['report', 'access', '--unit', '350200000000', '--format', 'json'])).stdout) as { events: unknown[] };
    expect(other.events).toEqual([]);
    const future = JSON.parse(ok(st.as('000790', ['report', 'access', '--from', '2999-01-01', '--format', 'json'])).stdout) as { events: unknown[] };
    expect(future.events).toEqual([]);
  });
});
