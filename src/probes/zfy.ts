// Runs native-probes/build/zfy-probe (the C bridge to a ZFY vendor library) and validates its answers.
// The probe bounds itself with a watchdog; the outer timer here only catches a probe that broke that promise.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  ZfyProbeError, checkZfyResults, parseZfyOutput,
  type ZfyCommand, type ZfyResult,
} from './zfy-schema.js';

export * from './zfy-schema.js';

/** Built by `make -C native-probes` (scripts/bootstrap.sh); same relative place from src/ and dist/. */
export const ZFY_PROBE_PATH = fileURLToPath(new URL('../../native-probes/build/zfy-probe', import.meta.url));

export interface ZfyWriteInfo { serial?: string; badge?: string; userName?: string; unitNo?: string; unitName?: string }

export interface ZfyProbeOptions {
  /** Path of the vendor library (profile `zfy.library`). */
  lib: string;
  commands: readonly ZfyCommand[];
  password?: string;
  /** The probe's own watchdog, for the whole run (default 5000). */
  timeoutMs?: number;
  /** Merged over process.env (e.g. ZFY_SIM_DIR for the simulated library). */
  env?: NodeJS.ProcessEnv;
  /** Fields for `write-info` (UTF-8; omitted ones keep the camera's value). */
  writeInfo?: ZfyWriteInfo;
  /** ZFY_INFO layout of the library's header (profile `zfy.infoLayout`, default 94). */
  infoLayout?: 89 | 94;
  /** Config `timezone` ("local" or "+08:00"): the zone the camera's wall clock is read in. */
  timezone?: string;
  probePath?: string;
  /** Extra time past timeoutMs before the probe is killed from outside (default 2000). */
  graceMs?: number;
}

const WRITE_INFO_FLAGS: Record<keyof ZfyWriteInfo, string> = {
  serial: '--serial', badge: '--badge', userName: '--user-name', unitNo: '--unit-no', unitName: '--unit-name',
};
const MAX_STDOUT = 1 << 20;

/** "+08:00" → POSIX TZ "UTC-08:00" (POSIX counts west-positive); "local" → undefined. */
export function posixTz(timezone: string | undefined): string | undefined {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(timezone ?? '');
  if (!m) return undefined;
  return `UTC${m[1] === '+' ? '-' : '+'}${m[2]}:${m[3]}`;
}

/** The probe's argv for these options (pure). */
export function zfyProbeArgs(opts: ZfyProbeOptions): string[] {
  const args = ['--lib', opts.lib, '--timeout-ms', String(opts.timeoutMs ?? 5000)];
  if (opts.password !== undefined) args.push('--password', opts.password);
  if (opts.infoLayout !== undefined) args.push('--info-layout', String(opts.infoLayout));
  for (const [k, flag] of Object.entries(WRITE_INFO_FLAGS) as [keyof ZfyWriteInfo, string][]) {
    const v = opts.writeInfo?.[k];
    if (v !== undefined) args.push(flag, v);
  }
  return [...args, ...opts.commands];
}

/**
 * Runs the commands against the camera behind `lib`. Resolves with one result per command
 * (exit 0/1), or the answers before a hang plus the watchdog's timeout result (exit 124).
 * Rejects with ZfyProbeError on usage/dlopen/dlsym errors (exitCode 2), crashes and bad output.
 */
export function runZfyProbe(opts: ZfyProbeOptions): Promise<ZfyResult[]> {
  const probe = opts.probePath ?? ZFY_PROBE_PATH;
  const limitMs = (opts.timeoutMs ?? 5000) + (opts.graceMs ?? 2000);
  const tz = posixTz(opts.timezone);
  const env = { ...process.env, ...opts.env, ...(tz ? { TZ: tz } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(probe, zfyProbeArgs(opts), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let killedWhy: string | undefined;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const kill = (why: string) => {
      killedWhy ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill(`did not exit within ${limitMs} ms despite its watchdog`), limitMs);
    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > MAX_STDOUT) kill(`printed more than ${MAX_STDOUT} bytes`);
      else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => { stderr = (stderr + b.toString('utf8')).slice(-4096); });
    child.on('error', (err) => settle(() => reject(new ZfyProbeError(
      `zfy-probe could not be started (${probe}): ${err.message}; build it with make -C native-probes`))));
    child.on('close', (code, signal) => settle(() => {
      const tail = stderr.trim() ? `; stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
      if (killedWhy) return reject(new ZfyProbeError(`zfy-probe ${killedWhy}; killed${tail}`));
      if (signal || code === null) return reject(new ZfyProbeError(`zfy-probe died of ${signal}${tail}`));
      try {
        const results = parseZfyOutput(Buffer.concat(out).toString('utf8'));
        if (code === 2) {
          const why = results.find((r) => !r.ok);
          const msg = why && !why.ok ? why.error : `exit 2 without an error line${tail}`;
          return reject(new ZfyProbeError(`zfy-probe: ${msg}`, { exitCode: 2, probeExit: 2 }));
        }
        if (code !== 0 && code !== 1 && code !== 124) {
          return reject(new ZfyProbeError(`zfy-probe exited with ${code}${tail}`, { probeExit: code }));
        }
        checkZfyResults(opts.commands, results, code);
        resolve(results);
      } catch (err) {
        reject(err);
      }
    }));
  });
}
