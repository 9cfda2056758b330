// Identity methods: identity file, vendor interface (its answer passed in), volume label, USB
// serial, and a profile's fallback.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { identifyCamera, identityFromValue } from '../../src/profiles/identity.js';
import { GENERIC_PROFILE, LABELLED_PROFILE, TIMESET_PROFILE, UNKNOWN_CAMERA_PROFILE, ZFY_PROFILE } from '../../src/profiles/builtin.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-identity-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('identityFromValue (label, USB serial)', () => {
  it.each([
    ['ABC1234', undefined, { serial: 'ABC1234' }],
    ['  ABC1234 ', undefined, { serial: 'ABC1234' }],
    ['', undefined, {}],
    [undefined, undefined, {}],
    ['ABC1234', '^(?<serial>[0-9A-Z]{7})$', { serial: 'ABC1234' }],
    ['CAM_ABC1234', '^(?<serial>[0-9A-Z]{7})$', {}],
    ['SNABC1234-000123', '^SN(?<serial>\\w{7})-(?<badge>\\d{6})$', { serial: 'ABC1234', badge: '000123' }],
  ] as const)('%j with %j → %j', (value, pattern, want) => {
    expect(identityFromValue(value, pattern)).toEqual(want);
  });
});

describe('identifyCamera', () => {
  const root = path.join(tmp, 'vol');
  fs.mkdirSync(root);
  const zfy = { serial: 'ZFY0001', badge: '000777', userName: '张三', unitNo: '330100000001' };

  it('zfy: GetZFYInfo gives serial, badge, officer and unit', async () => {
    expect(await identifyCamera(ZFY_PROFILE, { root, zfy })).toEqual({
      identity: { serial: 'ZFY0001', badge: '000777', name: '张三', unit: '330100000001' }, source: 'zfy' });
    expect(await identifyCamera(ZFY_PROFILE, { root })).toEqual({ identity: {}, source: 'none' });
  });

  it('label: the volume label is the device id', async () => {
    expect(await identifyCamera(LABELLED_PROFILE, { root, label: 'LAB0001' })).toEqual({ identity: { serial: 'LAB0001' }, source: 'label' });
    expect(await identifyCamera(LABELLED_PROFILE, { root, label: 'NO NAME' })).toEqual({ identity: {}, source: 'none' });
  });

  it('identity file, and the USB serial when the file is missing (timeset fallback)', async () => {
    expect(await identifyCamera(TIMESET_PROFILE, { root, usbSerial: 'TSC0042' })).toEqual({ identity: { serial: 'TSC0042' }, source: 'usbSerial' });
    fs.writeFileSync(path.join(root, 'DEVINFO.TXT'), 'serial=TSC0001\nbadge=000321\nname=李四\n');
    expect(await identifyCamera(TIMESET_PROFILE, { root, usbSerial: 'TSC0042' }))
      .toEqual({ identity: { serial: 'TSC0001', badge: '000321', name: '李四' }, source: 'identityFile' });
    expect(await identifyCamera(GENERIC_PROFILE, { root })).toEqual({ identity: {}, source: 'none' });
  });

  it('an unknown camera is known by its USB serial at best', async () => {
    expect(await identifyCamera(UNKNOWN_CAMERA_PROFILE, { root, usbSerial: '0123456789AB' }))
      .toEqual({ identity: { serial: '0123456789AB' }, source: 'usbSerial' });
    expect(await identifyCamera(UNKNOWN_CAMERA_PROFILE, { root })).toEqual({ identity: {}, source: 'none' });
  });

  it('ignores an identity file that is a link or huge', async () => {
    const r2 = path.join(tmp, 'vol2');
    fs.mkdirSync(r2);
    fs.symlinkSync(path.join(root, 'DEVINFO.TXT'), path.join(r2, 'DEVINFO.TXT'));
    expect((await identifyCamera(TIMESET_PROFILE, { root: r2 })).identity).toEqual({});
    const r3 = path.join(tmp, 'vol3');
    fs.mkdirSync(r3);
    fs.writeFileSync(path.join(r3, 'DEVICE.ID'), `serial=BIG0001\n${'#'.repeat(100_000)}\n`);
    expect((await identifyCamera(GENERIC_PROFILE, { root: r3 })).identity).toEqual({});
  });
});
