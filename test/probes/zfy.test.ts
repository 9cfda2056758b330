// zfy-probe against the simulated vendor library (real dlopen, real GBK, real state files).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ZfyProbeError, runZfyProbe, type ZfyResult } from '../../src/probes/zfy.js';
import { PROBE, SIM_LIB, SIM_LIB_NOTIME, buildProbes, makeCamera, readState } from './zfy-sim.js';
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
      { cmd: 'info', ok: true, flag: 3, serial: 'ABC1234', badge: '000123', userName: '张三',
        unitNo: '330100000001', unitName: '某某县市场监督管理局' },
    ]);
  });

  it('turns bytes that are not GBK into U+FFFD and never reads past an unterminated field', async () => {
    // cSerial filled to all 8 bytes without a NUL; userName: 张 then a lone lead byte 0xD5.
    const raw = Buffer.alloc(94);
    raw.write('ABCDEFGH', 0, 'latin1');
    raw.write('000123', 8, 'latin1');
    Buffer.from([0xd5, 0xc5, 0xd5]).copy(raw, 15);
    const dir = camera({ infoHex: raw.toString('hex') });
    const info = only(await run(dir, ['info']), 'info');
    expect(info).toMatchObject({ ok: true, serial: 'ABCDEFGH', badge: '000123', userName: '张\ufffd' });
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
    expect(before).toMatchObject({ cmd: 'time', ok: true, flag: 3 });
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
    const dirs2 = [camera(), camera({ infoHex: raw.toString('hex') })];
    for (const dir of dirs2) {
      const r = spawnSync('valgrind', ['-q', '--error-exitcode=99', '--leak-check=full', '--errors-for-leak-kinds=definite',
        PROBE, '--lib', SIM_LIB, 'init', 'info'], { encoding: 'utf8', env: { ...process.env, ZFY_SIM_DIR: dir }, timeout: 60_000 });
      expect(r.stderr).not.toMatch(/Invalid read|uninitialised|Invalid write/);
      expect(r.status).toBe(0);
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
