// The dock's view of a ZFY camera: library resolution, the probe's options from the profile, and
// real probe runs against the simulated libraries (reached through the profile's zfy.env).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readZfyCamera, readingFromResults, syncZfyClock, zfyLibrary, zfyProbeBase } from '../../src/profiles/zfy.js';
import { INSTALL_ROOT, ZFY_PROFILE } from '../../src/profiles/builtin.js';
import type { Profile } from '../../src/config/schema.js';
import { SIM_LIB, SIM_LIB_89, SIM_LIB_BC, SIM_LIB_NOTIME, buildProbes, makeCamera, readState } from '../probes/zfy-sim.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
beforeAll(() => buildProbes());

const withLib = (lib: string, over: Partial<NonNullable<Profile['zfy']>> = {}): Profile =>
  ({ ...ZFY_PROFILE, zfy: { library: lib, password: '000000', infoLayout: 94, ...over } });

/** A simulated ZFY camera (its state dir) and a profile whose zfy.env points the library at it. */
function camera(state: Record<string, string | number> = {}, lib = SIM_LIB, over: Partial<NonNullable<Profile['zfy']>> = {}) {
  const dir = makeCamera(state);
  dirs.push(dir);
  return { state: dir, profile: withLib(lib, { env: { ZFY_SIM_DIR: dir }, ...over }) };
}

describe('library and camera lookup', () => {
  it('EVIDOCK_ZFY_LIBRARY wins; a bare name is left to the loader; a relative path is from the install dir', () => {
    expect(zfyLibrary(ZFY_PROFILE, {})).toBe('libzfy.so');
    expect(zfyLibrary(ZFY_PROFILE, { EVIDOCK_ZFY_LIBRARY: '/opt/v/libx.so' })).toBe('/opt/v/libx.so');
    expect(zfyLibrary(withLib('native-probes/build/libzfy-sim.so'), {})).toBe(path.join(INSTALL_ROOT, 'native-probes/build/libzfy-sim.so'));
  });

  it('takes every probe option from the profile: library, password, layout, environment', () => {
    const p = withLib('/opt/v/libzfy.so', { password: '135790', infoLayout: 89, env: { VENDOR_LOG: '0' }, timeoutMs: 900 });
    expect(zfyProbeBase(p, '+08:00')).toEqual({
      lib: '/opt/v/libzfy.so', password: '135790', infoLayout: 89, timezone: '+08:00', timeoutMs: 900, env: { VENDOR_LOG: '0' },
    });
    expect(zfyProbeBase(ZFY_PROFILE, 'local')).toMatchObject({ infoLayout: 94, env: {} });
  });
});

describe('readingFromResults (pure)', () => {
  it('maps answers and failures, reading the camera time in the camera zone', () => {
    const r = readingFromResults([
      { cmd: 'info', ok: true, flag: 3, layout: 94, serial: 'ABC1234', badge: '000123', userName: '张三', unitNo: 'U', unitName: 'N' },
      { cmd: 'battery', ok: true, flag: 3, percent: 42 },
      { cmd: 'time', ok: true, flag: 3, getter: 'GetDevTime', cameraTime: '2026-11-26 08:00:00', hostTime: '2026-11-26T01:00:00Z', offsetSeconds: 3600 },
      { cmd: 'resolution', ok: false, flag: 4, error: 'password failed' },
    ], '+08:00');
    expect(r).toEqual({
      info: { serial: 'ABC1234', badge: '000123', userName: '张三', unitNo: 'U', unitName: 'N' }, batteryPct: 42,
      clock: { cameraTime: new Date('2026-11-26T00:00:00Z'), offsetS: 3600 },
      failures: [{ cmd: 'resolution', flag: 4, error: 'password failed' }],
    });
  });
});

describe('probe runs against the simulated libraries', () => {
  it('reads identity, battery, resolution and clock in one run', async () => {
    const cam = camera({ clockOffset: -120, battery: 55, name: '王五' });
    const r = await readZfyCamera(cam.profile, '+08:00');
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ info: { serial: 'ABC1234', badge: '000123', userName: '王五' }, batteryPct: 55, resolution: { width: 1920, height: 1080 } });
    expect(Math.abs(r.clock!.offsetS + 120)).toBeLessThanOrEqual(1);
    expect(Math.abs(r.clock!.cameraTime.getTime() - (Date.now() - 120_000))).toBeLessThan(3000);
  });

  it('a wrong password, a camera the library cannot reach and a missing library are failures, not exceptions', async () => {
    const cam = camera({ password: '123456' });
    expect((await readZfyCamera(cam.profile, 'local')).failures.map((f) => [f.cmd, f.flag]))
      .toEqual([['info', 4], ['battery', 4], ['resolution', 4], ['time', 4]]);
    const unreachable = withLib(SIM_LIB, { env: { ZFY_SIM_DIR: path.join(cam.state, 'absent') } });
    expect((await readZfyCamera(unreachable, 'local')).failures[0]).toMatchObject({ cmd: 'info', flag: 2 });
    const noLib = await readZfyCamera(withLib('/nonexistent/libzfy.so'), 'local');
    expect(noLib.failures).toEqual([{ cmd: 'probe', error: expect.stringMatching(/nonexistent/) }]);
  });

  it('a library without a clock getter leaves the clock unread', async () => {
    const r = await readZfyCamera(camera({}, SIM_LIB_NOTIME).profile, 'local');
    expect(r.clock).toBeUndefined();
    expect(r.failures).toEqual([{ cmd: 'time', error: 'unsupported' }]);
    expect(r.info?.serial).toBe('ABC1234');
  });

  it('reads the clock through BC_GetDevTime where that is what the library has', async () => {
    const r = await readZfyCamera(camera({ clockOffset: 600 }, SIM_LIB_BC).profile, 'local');
    expect(r.failures).toEqual([]);
    expect(Math.abs(r.clock!.offsetS - 600)).toBeLessThanOrEqual(1);
  });

  it('the 89-byte layout reads with zfy.infoLayout 89; a mismatch is a layout error naming the profile key', async () => {
    const ok = await readZfyCamera(camera({ name: '赵六' }, SIM_LIB_89, { infoLayout: 89 }).profile, 'local');
    expect(ok.info).toMatchObject({ serial: 'ABC1234', userName: '赵六' });
    expect(ok.layoutError).toBeUndefined();
    const bad = await readZfyCamera(camera({}, SIM_LIB_89).profile, 'local');
    expect(bad.info).toBeUndefined();
    expect(bad.layoutError).toMatch(/^zfy-layout: GetZFYInfo's answer does not fit the 94-byte ZFY_INFO: .*; profile zfy-generic: zfy\.infoLayout is 94, set it to 89 /);
    expect(bad.failures.map((f) => f.cmd)).toEqual(['time']); // the layout error is not also a probe failure
    expect(bad.batteryPct).toBe(87);
  });

  it('syncs the clock and reads it back', async () => {
    const cam = camera({ clockOffset: 5000 });
    const r = await syncZfyClock(cam.profile, 'local');
    expect(r).toMatchObject({ ok: true, flag: 5 });
    expect(Math.abs(r.offsetAfterS!)).toBeLessThanOrEqual(1);
    expect(readState(cam.state).clockOffset).toBe('0');
    const wrong = camera({ clockOffset: 5000, password: '999999' });
    expect(await syncZfyClock(wrong.profile, 'local')).toEqual({ ok: false, flag: 4, error: 'password failed' });
    expect(readState(wrong.state).clockOffset).toBe('5000');
  });
});
