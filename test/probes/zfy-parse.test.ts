// The pure side of the ZFY probe runner: line parsing, answer checks, flag names, argv, TZ.
import { describe, expect, it } from 'vitest';
import {
  ZfyProbeError, checkZfyResults, parseZfyLine, parseZfyOutput, posixTz, zfyFlagName, zfyProbeArgs,
  type ZfyResult,
} from '../../src/probes/zfy.js';

describe('parseZfyLine', () => {
  it.each([
    ['{"cmd":"battery","ok":true,"flag":3,"percent":87}', { cmd: 'battery', ok: true, flag: 3, percent: 87 }],
    ['{"cmd":"info","ok":false,"flag":4,"error":"password failed"}', { cmd: 'info', ok: false, flag: 4, error: 'password failed' }],
    ['{"cmd":"load","ok":false,"error":"dlopen failed: x"}', { cmd: 'load', ok: false, error: 'dlopen failed: x' }],
    ['{"cmd":"time","ok":true,"flag":3,"getter":"GetDevTime","cameraTime":"2026-11-26 08:30:00","hostTime":"2026-11-26T00:30:01.250Z","offsetSeconds":-1}',
      { cmd: 'time', ok: true, flag: 3, getter: 'GetDevTime', cameraTime: '2026-11-26 08:30:00', hostTime: '2026-11-26T00:30:01.250Z', offsetSeconds: -1 }],
    // BC_GetDevTime has no result flag
    ['{"cmd":"time","ok":true,"getter":"BC_GetDevTime","cameraTime":"2026-11-26 08:30:00","hostTime":"2026-11-26T00:30:01.250Z","offsetSeconds":0}',
      { cmd: 'time', ok: true, getter: 'BC_GetDevTime', cameraTime: '2026-11-26 08:30:00', hostTime: '2026-11-26T00:30:01.250Z', offsetSeconds: 0 }],
    ['{"cmd":"info","ok":true,"flag":3,"layout":89,"serial":"A","badge":"B","userName":"","unitNo":"","unitName":""}',
      { cmd: 'info', ok: true, flag: 3, layout: 89, serial: 'A', badge: 'B', userName: '', unitNo: '', unitName: '' }],
  ])('accepts %s', (line, want) => {
    expect(parseZfyLine(line)).toEqual(want);
  });

  it.each([
    ['not JSON', 'garbage {', /zfy-probe: output line 3 is not JSON: "garbage \{"/],
    ['no ok', '{"cmd":"info"}', /zfy-probe: output line 3 has no boolean "ok": "\{\\"cmd\\":\\"info\\"\}"/],
    ['missing field', '{"cmd":"battery","ok":true,"flag":3}', /zfy-probe: output line 3 is malformed \(percent: .*\): /],
    ['wrong type', '{"cmd":"resolution","ok":true,"flag":3,"width":"1920","height":1080}', /line 3 is malformed \(width: /],
    ['unknown command', '{"cmd":"reboot","ok":true,"flag":3}', /line 3 is malformed \(cmd: /],
    ['extra key', '{"cmd":"msdc","ok":true,"flag":7,"volume":"/dev/sdb"}', /line 3 is malformed .*volume/],
    ['failure without error', '{"cmd":"info","ok":false,"flag":4}', /line 3 is malformed \(error: /],
    ['bad camera time', '{"cmd":"time","ok":true,"flag":3,"getter":"GetDevTime","cameraTime":"26/11/2026","hostTime":"2026-11-26T00:30:01Z","offsetSeconds":0}', /cameraTime/],
    ['an unknown layout', '{"cmd":"info","ok":true,"flag":3,"layout":90,"serial":"A","badge":"B","userName":"","unitNo":"","unitName":""}', /layout/],
  ])('rejects %s, naming the probe and the line', (_name, line, re) => {
    expect(() => parseZfyLine(line, 3)).toThrow(ZfyProbeError);
    expect(() => parseZfyLine(line, 3)).toThrow(re);
  });

  it('shortens very long bad lines in the message', () => {
    const err = (() => { try { parseZfyLine('x'.repeat(5000)); } catch (e) { return e as Error; } })();
    expect(err?.message.length).toBeLessThan(300);
  });
});

describe('parseZfyOutput', () => {
  it('reads newline-terminated lines and rejects a blank or truncated one', () => {
    const ok = '{"cmd":"msdc","ok":true,"flag":7}\n{"cmd":"sync-time","ok":true,"flag":5}\n';
    expect(parseZfyOutput(ok).map((r) => r.cmd)).toEqual(['msdc', 'sync-time']);
    expect(parseZfyOutput('')).toEqual([]);
    expect(() => parseZfyOutput('{"cmd":"msdc","ok":true,"flag":7}\n\n')).toThrow(/line 2 is not JSON/);
    expect(() => parseZfyOutput('{"cmd":"msdc","ok":true,"fl')).toThrow(/line 1 is not JSON/);
  });
});

describe('checkZfyResults', () => {
  const msdc: ZfyResult = { cmd: 'msdc', ok: true, flag: 7 };
  const bat: ZfyResult = { cmd: 'battery', ok: true, flag: 3, percent: 50 };
  const batFail: ZfyResult = { cmd: 'battery', ok: false, flag: 4, error: 'password failed' };
  const timeout: ZfyResult = { cmd: 'battery', ok: false, error: 'timeout', timeoutMs: 100 };
  it.each([
    ['one answer each, exit 0', [msdc, bat], 0, null],
    ['a failure, exit 1', [msdc, batFail], 1, null],
    ['timeout after a prefix', [msdc, timeout], 124, null],
    ['timeout in load', [{ cmd: 'load', ok: false, error: 'timeout' }], 124, null],
    ['missing answer', [msdc], 1, /1 answers for 2 commands/],
    ['out of order', [bat, msdc], 0, /answer 1 is for battery, expected msdc/],
    ['exit 0 with failure', [msdc, batFail], 0, /exit 0 with a failed command/],
    ['exit 1 all ok', [msdc, bat], 1, /exit 1 with every command ok/],
    ['124 without timeout', [msdc, bat], 124, /exit 124 without a timeout line/],
  ] as const)('%s', (_n, results, exit, err) => {
    const f = () => checkZfyResults(['msdc', 'battery'], results as readonly ZfyResult[], exit);
    if (err) expect(f).toThrow(err); else expect(f).not.toThrow();
  });
});

describe('helpers', () => {
  it.each([[1, 'connect ok'], [2, 'connect failed'], [3, 'password ok'], [4, 'password failed'], [5, 'time set ok'],
    [6, 'time set failed'], [7, 'mass storage ok'], [8, 'mass storage failed'], [0, 'unknown flag 0'], [9, 'unknown flag 9']])(
    'zfyFlagName(%i) = %s', (flag, name) => { expect(zfyFlagName(flag)).toBe(name); });

  it('builds the probe argv', () => {
    expect(zfyProbeArgs({ lib: '/v.so', commands: ['info'], infoLayout: 89 })).toEqual(['--lib', '/v.so', '--timeout-ms', '5000', '--info-layout', '89', 'info']);
    expect(zfyProbeArgs({ lib: '/v.so', commands: ['write-info', 'info'], password: '1', timeoutMs: 900,
      writeInfo: { userName: '张三', badge: '000001' } }))
      .toEqual(['--lib', '/v.so', '--timeout-ms', '900', '--password', '1', '--badge', '000001', '--user-name', '张三', 'write-info', 'info']);
  });

  it.each([['+08:00', 'UTC-08:00'], ['-03:30', 'UTC+03:30'], ['local', undefined], [undefined, undefined]])(
    'posixTz(%s) = %s', (tz, want) => { expect(posixTz(tz)).toBe(want); });
});
