// zfy-probe against the simulated vendor library (real dlopen, real GBK, real state files).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ZfyProbeError, runZfyProbe, type ZfyResult } from '../../src/probes/zfy.js';
import {
  PROBE, SIM_LIB, SIM_LIB_89, SIM_LIB_BC, SIM_LIB_IRET16, SIM_LIB_NOTIME, buildProbes, makeCamera, readState,
} from './zfy-sim.js';
import { skipUnless } from '../helpers/require.js';

const dirs: string[] = [];
function camera(overrides: Record<string, string | number> = {}): string {
  const dir = makeCamera(overrides);
  dirs.push(dir);
  return dir;
}
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
beforeAll(() => buildProbes());

const run = (dir: string, commands: Parameters<typeof runZfyProbe>[0]['commands'], extra: Partial<Parameters<typeof runZfyProbe>[0]> = {}) =>
  runZfyProbe({ lib: SIM_LIB, commands, env: { ZFY_SIM_DIR: dir }, ...extra });

function only<C extends ZfyResult['cmd']>(results: ZfyResult[], cmd: C) {
  const r = results.find((x) => x.cmd === cmd);
  if (!r) throw new Error(`no ${cmd} result`);
  return r;
}

describe('zfy-probe with libzfy-sim', () => {
  it('reads the officer and unit in Chinese: GBK on the wire, UTF-8 out', async () => {
    const dir = camera({ name: '张三', unitName: '某某县市场监督管理局' });
    const results = await run(dir, ['init', 'info']);
    expect(results).toEqual([
      { cmd: 'init', ok: true, flag: 1, idCode: 'ABC1234' },
      { cmd: 'info', ok: true, flag: 3, layout: 94, serial: 'ABC1234', badge: '000123', userName: '张三',
        unitNo: '330100000001', unitName: '某某县市场监督管理局' },
    ]);
  });

  // Each answer is checked against the layout before anything in it is believed.
  const raw94 = (edit: (b: Buffer) => void) => {
    const b = Buffer.alloc(94);
    b.write('ABC1234', 0, 'latin1');
    b.write('000123', 8, 'latin1');
    edit(b);
    return b.toString('hex');
  };
  it.each([
    ['a field filled to the last byte (no terminator)', raw94((b) => b.write('ABCDEFGH', 0, 'latin1')), /serial \(bytes 0-7\) has no terminator within 8 bytes/],
    ['a lone GBK lead byte', raw94((b) => Buffer.from([0xd5, 0xc5, 0xd5]).copy(b, 15)), /userName \(bytes 15-47\) is not GBK text/],
    ['bytes after a terminator', raw94((b) => { b[16] = 0x41; }), /userName \(bytes 15-47\) has bytes after its terminator/],
  ])('refuses an answer with %s: a zfy-layout error, nothing decoded', async (_what, infoHex, why) => {
    const info = only(await run(camera({ infoHex }), ['info']), 'info');
    expect(info).toMatchObject({ ok: false, flag: 3 });
    if (info.ok) throw new Error('unreachable');
    expect(info.error).toMatch(/^zfy-layout: GetZFYInfo's answer does not fit the 94-byte ZFY_INFO: /);
    expect(info.error).toMatch(why);
  });

  it('write-info stores UTF-8 names that read back through GBK', async () => {
    const dir = camera();
    const results = await run(dir, ['write-info', 'info'], { writeInfo: { userName: '李四', badge: '000456' } });
    expect(only(results, 'info')).toMatchObject({ ok: true, userName: '李四', badge: '000456', unitName: '某某县市场监督管理局' });
    expect(readState(dir)).toMatchObject({ name: '李四', badge: '000456' });
  });

  it('rejects a wrong password with flag 4 and leaves the camera alone', async () => {
    const dir = camera({ password: '123456', clockOffset: 30 });
    const results = await run(dir, ['info', 'sync-time'], { password: '000000' });
    expect(results).toEqual([
      { cmd: 'info', ok: false, flag: 4, error: 'password failed' },
      { cmd: 'sync-time', ok: false, flag: 4, error: 'password failed' },
    ]);
    expect(readState(dir).clockOffset).toBe('30');
  });

  it('sync-time zeroes the clock offset in the state file; time measures it before and after', async () => {
    const dir = camera({ clockOffset: -3600 });
    const results = await run(dir, ['time', 'sync-time', 'time']);
    const [before, sync, after] = results;
    expect(before).toMatchObject({ cmd: 'time', ok: true, flag: 3, getter: 'GetDevTime' });
    expect(sync).toEqual({ cmd: 'sync-time', ok: true, flag: 5 });
    expect(after).toMatchObject({ cmd: 'time', ok: true, flag: 3 });
    if (!before?.ok || before.cmd !== 'time' || !after?.ok || after.cmd !== 'time') throw new Error('unreachable');
    expect(Math.abs(before.offsetSeconds + 3600)).toBeLessThanOrEqual(1);
    expect(Math.abs(after.offsetSeconds)).toBeLessThanOrEqual(1);
    expect(readState(dir)).toMatchObject({ clockOffset: '0', name: '张三' });
    expect(fs.readdirSync(dir)).toEqual(['zfy-state.ini']); // the atomic rewrite left no temp file
  });

  it('reports time as unsupported when the library has no GetDevTime', async () => {
    const dir = camera();
    const results = await run(dir, ['time', 'battery'], { lib: SIM_LIB_NOTIME });
    expect(results).toEqual([
      { cmd: 'time', ok: false, error: 'unsupported' },
      { cmd: 'battery', ok: true, flag: 3, percent: 87 },
    ]);
  });

  it('reads battery and resolution', async () => {
    const dir = camera({ battery: 42, width: 2304, height: 1296 });
    expect(await run(dir, ['battery', 'resolution'])).toEqual([
      { cmd: 'battery', ok: true, flag: 3, percent: 42 },
      { cmd: 'resolution', ok: true, flag: 3, width: 2304, height: 1296 },
    ]);
  });

  it('switches the camera to mass storage', async () => {
    const dir = camera({ msdc: 0 });
    expect(await run(dir, ['msdc'])).toEqual([{ cmd: 'msdc', ok: true, flag: 7 }]);
    expect(readState(dir).msdc).toBe('1');
  });

  it('answers connect failed (flag 2) for every command when the camera is not there', async () => {
    const dir = camera();
    const results = await run(path.join(dir, 'absent'), ['info', 'battery']);
    expect(results).toEqual([
      { cmd: 'info', ok: false, flag: 2, error: 'connect failed' },
      { cmd: 'battery', ok: false, flag: 2, error: 'connect failed' },
    ]);
  });

  it('ends a hung vendor call with a timeout within the limit (probe exit 124)', async () => {
    const dir = camera({ hang: 1 });
    const t0 = Date.now();
    const results = await run(dir, ['info', 'battery'], { timeoutMs: 400 });
    const elapsed = Date.now() - t0;
    expect(results).toEqual([{ cmd: 'info', ok: false, error: 'timeout', timeoutMs: 400 }]);
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(400 + 1500);

    const r = spawnSync(PROBE, ['--lib', SIM_LIB, '--timeout-ms', '300', 'battery'], {
      encoding: 'utf8', env: { ...process.env, ZFY_SIM_DIR: dir }, timeout: 10_000,
    });
    expect(r.status).toBe(124);
    expect(JSON.parse(r.stdout)).toEqual({ cmd: 'battery', ok: false, error: 'timeout', timeoutMs: 300 });
  });

  it('fails with exit 2 and a clear error when the library is missing', async () => {
    const dir = camera();
    const missing = path.join(dir, 'no-such-vendor.so');
    const err = await run(dir, ['info'], { lib: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZfyProbeError);
    expect((err as ZfyProbeError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/^zfy-probe: dlopen failed: .*no-such-vendor\.so: cannot open shared object file/);

    const r = spawnSync(PROBE, ['--lib', missing, 'info'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ cmd: 'load', ok: false, error: expect.stringContaining('dlopen failed') });
  });

  it('fails with exit 2 when the library lacks a vendor function', async () => {
    const err = await run('/nonexistent', ['battery'], { lib: 'libc.so.6' }).catch((e: unknown) => e);
    expect((err as ZfyProbeError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/dlsym Init_Device failed/);
  });

  it('refuses a write-info name that does not fit the 32-byte GBK field (usage, exit 2)', async () => {
    const dir = camera();
    const err = await run(dir, ['write-info'], { writeInfo: { userName: '名'.repeat(17) } }).catch((e: unknown) => e);
    expect((err as ZfyProbeError).exitCode).toBe(2);
    expect((err as Error).message).toBe('zfy-probe: --user-name does not fit in 32 bytes of GBK');
    expect(readState(dir).name).toBe('张三');
  });

  const hasValgrind = spawnSync('valgrind', ['--version']).status === 0;
  it.skipIf(skipUnless('zfy-probe under valgrind', !hasValgrind && 'valgrind is not installed'))('has no invalid reads on the info path, even with unterminated, non-GBK fields (valgrind)', () => {
    const raw = Buffer.alloc(94, 0xff); // every field full, no NUL anywhere, none of it GBK
    const runs: [string, string, string, number][] = [
      [camera(), SIM_LIB, '94', 0], [camera({ infoHex: raw.toString('hex') }), SIM_LIB, '94', 1],
      [camera(), SIM_LIB_89, '89', 0], [camera(), SIM_LIB, '89', 1], [camera(), SIM_LIB_89, '94', 1],
    ];
    for (const [dir, lib, layout, status] of runs) {
      const r = spawnSync('valgrind', ['-q', '--error-exitcode=99', '--leak-check=full', '--errors-for-leak-kinds=definite',
        PROBE, '--lib', lib, '--info-layout', layout, 'init', 'info'], { encoding: 'utf8', env: { ...process.env, ZFY_SIM_DIR: dir }, timeout: 60_000 });
      expect(r.stderr).not.toMatch(/Invalid read|uninitialised|Invalid write/);
      expect(r.status, `${lib} read as ${layout}`).toBe(status);
      expect(r.stdout.trim().split('\n')).toHaveLength(2);
    }
  });

  it('kills a probe that outlives its own watchdog', async () => {
    const dir = camera();
    const fake = path.join(dir, 'fake-probe.sh');
    fs.writeFileSync(fake, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    const t0 = Date.now();
    const err = await run(dir, ['info'], { probePath: fake, timeoutMs: 100, graceMs: 200 }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((err as Error).message).toMatch(/did not exit within 300 ms.*killed/);
  });
});

// One simulated library per family of public headers (native-probes/Makefile), the probe the same.
describe('zfy-probe against each header variant', () => {
  const INFO = { serial: 'ABC1234', badge: '000123', userName: '张三', unitNo: '330100000001', unitName: '某某县市场监督管理局' };

  it('89-byte ZFY_INFO: read and written with zfy.infoLayout 89, fields filling their whole width', async () => {
    const dir = camera({ serial: 'ZFY0089', badge: '654321', unitNo: '330100000002' });
    const results = await run(dir, ['info', 'write-info', 'info'], {
      lib: SIM_LIB_89, infoLayout: 89, writeInfo: { userName: '名'.repeat(16), unitName: '单'.repeat(16) },
    });
    expect(results[0]).toEqual({ cmd: 'info', ok: true, flag: 3, layout: 89, ...INFO, serial: 'ZFY0089', badge: '654321', unitNo: '330100000002' });
    expect(results[1]).toEqual({ cmd: 'write-info', ok: true, flag: 3 });
    expect(results[2]).toMatchObject({ ok: true, userName: '名'.repeat(16), unitName: '单'.repeat(16), serial: 'ZFY0089' });
    expect(readState(dir)).toMatchObject({ name: '名'.repeat(16), badge: '654321' });
  });

  it('a layout that does not match the library is a zfy-layout error either way, never wrong fields', async () => {
    const dir = camera();
    const as94 = only(await run(dir, ['info'], { lib: SIM_LIB_89, infoLayout: 94 }), 'info');
    expect(as94).toMatchObject({ ok: false, error: expect.stringMatching(/^zfy-layout: .*94-byte ZFY_INFO: serial \(bytes 0-7\) has no terminator/) });
    const as89 = only(await run(dir, ['info'], { lib: SIM_LIB, infoLayout: 89 }), 'info');
    expect(as89).toMatchObject({ ok: false, error: expect.stringMatching(/^zfy-layout: .*89-byte ZFY_INFO: the library wrote past byte 89/) });
  });

  it('refuses a write-info value longer than the 89-byte layout\'s field', async () => {
    const err = await run(camera(), ['write-info'], { lib: SIM_LIB_89, infoLayout: 89, writeInfo: { badge: '1234567' } }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('zfy-probe: --badge does not fit in 6 bytes of GBK');
  });

  it('16-bit iRet: every flag reads right (connect, password, time set, mass storage)', async () => {
    const dir = camera({ clockOffset: 77 });
    expect(await run(dir, ['init', 'info', 'sync-time', 'msdc', 'battery'], { lib: SIM_LIB_IRET16 })).toEqual([
      { cmd: 'init', ok: true, flag: 1, idCode: 'ABC1234' },
      { cmd: 'info', ok: true, flag: 3, layout: 94, ...INFO },
      { cmd: 'sync-time', ok: true, flag: 5 },
      { cmd: 'msdc', ok: true, flag: 7 },
      { cmd: 'battery', ok: true, flag: 3, percent: 87 },
    ]);
    expect(readState(dir)).toMatchObject({ clockOffset: '0', msdc: '1' });
    const wrong = camera({ password: '999999' });
    expect(await run(wrong, ['info'], { lib: SIM_LIB_IRET16 })).toEqual([{ cmd: 'info', ok: false, flag: 4, error: 'password failed' }]);
    expect(await run(path.join(wrong, 'absent'), ['battery'], { lib: SIM_LIB_IRET16 })).toEqual([{ cmd: 'battery', ok: false, flag: 2, error: 'connect failed' }]);
  });

  it('SyncDevTime takes the password, not a device id: a wrong one leaves the clock alone', async () => {
    for (const lib of [SIM_LIB, SIM_LIB_NOTIME, SIM_LIB_89, SIM_LIB_IRET16, SIM_LIB_BC]) {
      const dir = camera({ clockOffset: 300, password: '246810' });
      expect(await run(dir, ['sync-time'], { lib, password: '000000' }), lib).toEqual([{ cmd: 'sync-time', ok: false, flag: 4, error: 'password failed' }]);
      expect(readState(dir).clockOffset).toBe('300');
      expect(await run(dir, ['sync-time'], { lib, password: '246810' }), lib).toEqual([{ cmd: 'sync-time', ok: true, flag: 5 }]);
      expect(readState(dir).clockOffset).toBe('0');
    }
  });

  it('reads the clock through BC_GetDevTime (YYYYMMDDhhmmss) where the library has that instead', async () => {
    const dir = camera({ clockOffset: -7200 });
    const t = only(await run(dir, ['time'], { lib: SIM_LIB_BC }), 'time');
    expect(t).toMatchObject({ ok: true, getter: 'BC_GetDevTime', cameraTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/) });
    if (!t.ok || t.cmd !== 'time') throw new Error('unreachable');
    expect(Math.abs(t.offsetSeconds + 7200)).toBeLessThanOrEqual(1);
    expect(await run(camera({ password: '1' }), ['time'], { lib: SIM_LIB_BC })).toEqual([
      { cmd: 'time', ok: false, error: 'camera time is not YYYY-MM-DD HH:MM:SS or YYYYMMDDhhmmss' }]);
  });

  it('calls the optional release under either spelling (UnInit_Device, Uninit_Device) once per run', async () => {
    for (const lib of [SIM_LIB, SIM_LIB_89]) {
      const dir = camera({ uninitCount: 0 });
      await run(dir, ['info', 'battery'], { lib, infoLayout: lib === SIM_LIB_89 ? 89 : 94 });
      expect(readState(dir).uninitCount, lib).toBe('1');
    }
  });
});
