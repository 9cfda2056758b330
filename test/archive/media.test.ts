import { describe, expect, it } from 'vitest';
import { blocks, discLabel, FIXED_RESERVE, mediaBytes, payloadName, PER_FILE_RESERVE, planVolumes, type ArchiveItem } from '../../src/archive/media.js';
import { bagInfoTxt, manifestTxt, parseBagInfo, parseManifest } from '../../src/archive/bag.js';

describe('media and volumes', () => {
  it.each([
    ['dvd', 4_700_372_992], ['BD25', 25_025_314_816], ['bd50', 50_050_629_632], ['700M', 700 * 1024 ** 2], ['4G', 4 * 1024 ** 3], ['20000000', 20_000_000],
  ])('mediaBytes(%s) = %i', (m, n) => expect(mediaBytes(m)).toBe(n));
  it.each(['floppy', '1M', '-5', ''])('mediaBytes(%j) is a usage error', (m) => expect(() => mediaBytes(m)).toThrow(expect.objectContaining({ exitCode: 2 })));

  const item = (id: number, size: number, t = `2026-11-0${id}T00:00:00Z`): ArchiveItem => ({ recordingId: id, sha256: 'a'.repeat(64), size, recordedStart: t, name: `${id}-x` });
  const cap = FIXED_RESERVE + 3 * (blocks(5 * 1024 ** 2) + PER_FILE_RESERVE);
  it('fills volumes in recording order up to the disc size less the reserve', () => {
    const v = planVolumes([item(4, 5 * 1024 ** 2), item(1, 5 * 1024 ** 2), item(2, 5 * 1024 ** 2), item(3, 5 * 1024 ** 2), item(5, 1)], cap);
    expect(v.map((x) => x.items.map((i) => i.recordingId))).toEqual([[1, 2, 3], [4, 5]]);
    expect(planVolumes([], cap)).toEqual([]);
  });
  it('refuses a recording larger than a disc, naming it', () => {
    expect(() => planVolumes([item(7, cap)], cap)).toThrow(/recording 7 .* does not fit/);
  });

  it.each([
    [12, 'DCIM/100MEDIA/20261126_083000_ABC1234_000123_0001.MP4', '12-20261126_083000_ABC1234_000123_0001.MP4'],
    [3, 'DCIM/执法/录像 1.MP4', '3-___1.MP4'], // the original name stays in data/custody/recordings.json
    [4, '../..', '4-recording'],
    [5, `${'x'.repeat(100)}.MP4`, `5-${'x'.repeat(54)}.MP4`],
  ])('payloadName(%i, %s) = %s', (id, src, want) => {
    const n = payloadName(id, src);
    expect(n).toBe(want);
    expect(n.length).toBeLessThanOrEqual(60);
  });

  it('labels count up per day and stay within the ISO 9660 volume id', () => {
    const at = new Date('2026-12-01T05:00:00Z');
    expect(discLabel('EVIDOCK', at, [])).toBe('EVIDOCK_20261201_01');
    expect(discLabel('EVIDOCK', at, ['EVIDOCK_20261201_01', 'EVIDOCK_20261201_02'])).toBe('EVIDOCK_20261201_03');
    expect(discLabel('A'.repeat(16), at, []).length).toBeLessThanOrEqual(32);
  });
});

describe('bag text', () => {
  it('manifests round-trip, sorted, in sha256sum format', () => {
    const text = manifestTxt([{ path: 'data/b', sha256: 'b'.repeat(64) }, { path: 'data/a b', sha256: 'a'.repeat(64) }]);
    expect(text).toBe(`${'a'.repeat(64)}  data/a b\n${'b'.repeat(64)}  data/b\n`);
    expect(parseManifest(text)).toEqual([{ path: 'data/a b', sha256: 'a'.repeat(64) }, { path: 'data/b', sha256: 'b'.repeat(64) }]);
    expect(() => parseManifest('nonsense\n')).toThrow(/not understood/);
  });
  it('bag-info keeps every value on one line and carries Payload-Oxum, station, unit and checkpoint', () => {
    const info = bagInfoTxt({ label: 'EVIDOCK_20261201_01', unitCode: '3301', unitName: 'Bureau\nInjected: yes', station: 's1', baggingDate: '2026-12-01T05:00:00.000Z',
      payloadBytes: 1234, payloadFiles: 5, volume: 1, volumes: 2, recordings: 3, checkpoint: { station: 'st\n1', seq: 9, hash: 'c'.repeat(64), keyFingerprint: 'd'.repeat(64) } });
    const m = parseBagInfo(info);
    expect(m.get('Payload-Oxum')).toBe('1234.5');
    expect(m.get('Source-Organization')).toBe('Bureau Injected: yes');
    expect(m.has('Injected')).toBe(false);
    expect(m.get('Bag-Count')).toBe('1 of 2');
    expect(m.get('Evidock-Station')).toBe('s1');
    expect(m.get('Evidock-Audit-Checkpoint')).toBe(`station st 1 seq 9 hash ${'c'.repeat(64)}`);
    expect(m.get('Evidock-Station-Key-SHA256')).toBe('d'.repeat(64));
  });
});
