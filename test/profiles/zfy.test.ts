// The dock's view of a ZFY camera: library resolution, how the simulated camera is found from its
// volume, and real probe runs against libzfy-sim.so.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ZFY_SIM_POINTER, readZfyCamera, readingFromResults, syncZfyClock, zfyLibrary, zfySimDir,
} from '../../src/profiles/zfy.js';
import { INSTALL_ROOT, ZFY_PROFILE } from '../../src/profiles/builtin.js';
import type { Profile } from '../../src/config/schema.js';
import { SIM_LIB, SIM_LIB_NOTIME, buildProbes, makeCamera, readState } from '../probes/zfy-sim.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
beforeAll(() => buildProbes());

const withLib = (lib: string, over: Partial<NonNullable<Profile['zfy']>> = {}): Profile => ({ ...ZFY_PROFILE, zfy: { library: lib, password: '000000', ...over } });

/** A simulated ZFY camera: state dir plus a volume whose pointer names it. */
function camera(state: Record<string, string | number> = {}): { state: string; volume: string } {
  const stateDir = makeCamera(state);
  const volume = `${stateDir}-vol`;
  fs.mkdirSync(volume);
  fs.writeFileSync(path.join(volume, ZFY_SIM_POINTER), `${stateDir}\n`);
  dirs.push(stateDir, volume);
  return { state: stateDir, volume };
}

describe('library and camera lookup', () => {
  it('EVIDOCK_ZFY_LIBRARY wins; a bare name is left to the loader; a relative path is from the install dir', () => {
    expect(zfyLibrary(ZFY_PROFILE, {})).toBe('libzfy.so');
    expect(zfyLibrary(ZFY_PROFILE, { EVIDOCK_ZFY_LIBRARY: '/opt/v/libx.so' })).toBe('/opt/v/libx.so');
    expect(zfyLibrary(withLib('native-probes/build/libzfy-sim.so'), {})).toBe(path.join(INSTALL_ROOT, 'native-probes/build/libzfy-sim.so'));
  });

  it('follows the volume\'s pointer only to an absolute directory holding zfy-state.ini', async () => {
    const cam = camera();
    expect(await zfySimDir(cam.volume)).toBe(cam.state);
    const bad = path.join(cam.volume, 'x');
    fs.mkdirSync(bad);
    for (const text of ['relative/dir\n', `${bad}\n`, '', '\n/etc\n']) {
      fs.writeFileSync(path.join(bad, ZFY_SIM_POINTER), text);
      expect(await zfySimDir(bad), JSON.stringify(text)).toBeUndefined();
    }
  });
});

describe('readingFromResults (pure)', () => {
  it('maps answers and failures, reading the camera time in the camera zone', () => {
    const r = readingFromResults([
      { cmd: 'info', ok: true, flag: 3, serial: 'ABC1234', badge: '000123', userName: '张三', unitNo: 'U', unitName: 'N' },
      { cmd: 'battery', ok: true, flag: 3, percent: 42 },
      { cmd: 'time', ok: true, flag: 3, cameraTime: '2026-11-26 08:00:00', hostTime: '2026-11-26T01:00:00Z', offsetSeconds: 3600 },
      { cmd: 'resolution', ok: false, flag: 4, error: 'password failed' },
    ], '+08:00');
    expect(r).toEqual({
      info: { serial: 'ABC1234', badge: '000123', userName: '张三', unitNo: 'U', unitName: 'N' }, batteryPct: 42,
      clock: { cameraTime: new Date('2026-11-26T00:00:00Z'), offsetS: 3600 },
      failures: [{ cmd: 'resolution', flag: 4, error: 'password failed' }],
    });
  });
});

describe('probe runs against libzfy-sim.so', () => {
  it('reads identity, battery, resolution and clock in one run', async () => {
    const cam = camera({ clockOffset: -120, battery: 55, name: '王五' });
    const r = await readZfyCamera(withLib(SIM_LIB), cam.volume, '+08:00');
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ info: { serial: 'ABC1234', badge: '000123', userName: '王五' }, batteryPct: 55, resolution: { width: 1920, height: 1080 } });
    expect(Math.abs(r.clock!.offsetS + 120)).toBeLessThanOrEqual(1);
    expect(Math.abs(r.clock!.cameraTime.getTime() - (Date.now() - 120_000))).toBeLessThan(3000);
  });

  it('a wrong password, a missing camera and a missing library are failures, not exceptions', async () => {
    const cam = camera({ password: '123456' });
    expect((await readZfyCamera(withLib(SIM_LIB), cam.volume, 'local')).failures.map((f) => [f.cmd, f.flag]))
      .toEqual([['info', 4], ['battery', 4], ['resolution', 4], ['time', 4]]);
    const noPointer = camera();
    fs.rmSync(path.join(noPointer.volume, ZFY_SIM_POINTER));
    expect((await readZfyCamera(withLib(SIM_LIB), noPointer.volume, 'local')).failures[0]).toMatchObject({ cmd: 'info', flag: 2 });
    const noLib = await readZfyCamera(withLib('/nonexistent/libzfy.so'), cam.volume, 'local');
    expect(noLib.failures).toEqual([{ cmd: 'probe', error: expect.stringMatching(/nonexistent/) }]);
  });

  it('a library without GetDevTime leaves the clock unread', async () => {
    const cam = camera();
    const r = await readZfyCamera(withLib(SIM_LIB_NOTIME), cam.volume, 'local');
    expect(r.clock).toBeUndefined();
    expect(r.failures).toEqual([{ cmd: 'time', error: 'unsupported' }]);
    expect(r.info?.serial).toBe('ABC1234');
  });

  it('syncs the clock and reads it back', async () => {
    const cam = camera({ clockOffset: 5000 });
    const r = await syncZfyClock(withLib(SIM_LIB), cam.volume, 'local');
    expect(r).toMatchObject({ ok: true, flag: 5 });
    expect(Math.abs(r.offsetAfterS!)).toBeLessThanOrEqual(1);
    expect(readState(cam.state).clockOffset).toBe('0');
    const wrong = camera({ clockOffset: 5000, password: '999999' });
    expect(await syncZfyClock(withLib(SIM_LIB), wrong.volume, 'local')).toEqual({ ok: false, flag: 4, error: 'password failed' });
    expect(readState(wrong.state).clockOffset).toBe('5000');
  });
});
