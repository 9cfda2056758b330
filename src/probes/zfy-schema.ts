// What native-probes/build/zfy-probe prints, one JSON object per line, and its pure parser.
// The schemas are strict: probe and parser live in one repo, so any drift is a bug to surface.
import { z } from 'zod';

export const ZFY_COMMANDS = ['init', 'info', 'write-info', 'sync-time', 'msdc', 'battery', 'resolution', 'time'] as const;
export type ZfyCommand = (typeof ZFY_COMMANDS)[number];

/** Result flags of the vendor interface (*iRet). */
export const ZFY_FLAGS: Readonly<Record<number, string>> = {
  1: 'connect ok',
  2: 'connect failed',
  3: 'password ok',
  4: 'password failed',
  5: 'time set ok',
  6: 'time set failed',
  7: 'mass storage ok',
  8: 'mass storage failed',
};

export function zfyFlagName(flag: number): string {
  return ZFY_FLAGS[flag] ?? `unknown flag ${flag}`;
}

const flag = z.number().int();
const ok = z.literal(true);

const successSchema = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('init'), ok, flag, idCode: z.string() }).strict(),
  z.object({
    cmd: z.literal('info'), ok, flag, layout: z.union([z.literal(89), z.literal(94)]),
    serial: z.string(), badge: z.string(), userName: z.string(), unitNo: z.string(), unitName: z.string(),
  }).strict(),
  z.object({ cmd: z.enum(['write-info', 'sync-time', 'msdc']), ok, flag }).strict(),
  z.object({ cmd: z.literal('battery'), ok, flag, percent: z.number().int() }).strict(),
  z.object({ cmd: z.literal('resolution'), ok, flag, width: z.number().int(), height: z.number().int() }).strict(),
  z.object({
    // BC_GetDevTime answers with no result flag
    cmd: z.literal('time'), ok, flag: flag.optional(), getter: z.enum(['GetDevTime', 'BC_GetDevTime']),
    cameraTime: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
    hostTime: z.iso.datetime(),
    // camera clock − host clock, reading the camera's wall time in the probe's TZ
    offsetSeconds: z.number().int(),
  }).strict(),
]);

// cmd is a command name, or "usage"/"load" before any command ran, or "uninit" when the
// optional UnInit_Device hung after all commands.
const failureSchema = z.object({
  cmd: z.string().min(1),
  ok: z.literal(false),
  flag: flag.optional(),
  error: z.string().min(1),
  timeoutMs: z.number().int().optional(),
}).strict();

export type ZfySuccess = z.infer<typeof successSchema>;
export type ZfyFailure = z.infer<typeof failureSchema>;
export type ZfyResult = ZfySuccess | ZfyFailure;

/** A probe that could not be run, answered wrongly, or reported a usage/load error. */
export class ZfyProbeError extends Error {
  /** CLI exit code (src/cli/exit.ts): 2 when the library or arguments are wrong, else 1. */
  readonly exitCode: number;
  readonly probeExit: number | null;
  constructor(message: string, opts: { exitCode?: number; probeExit?: number | null } = {}) {
    super(message);
    this.name = 'ZfyProbeError';
    this.exitCode = opts.exitCode ?? 1;
    this.probeExit = opts.probeExit ?? null;
  }
}

function excerpt(line: string): string {
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line);
}

/** Parses and validates one output line (lineNo counts from 1, for the message). */
export function parseZfyLine(line: string, lineNo = 1): ZfyResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ZfyProbeError(`zfy-probe: output line ${lineNo} is not JSON: ${excerpt(line)}`);
  }
  // Pick the schema by `ok` first so the message names the real problem, not a union's alternatives.
  const okField = (value as { ok?: unknown } | null)?.ok;
  const schema = okField === true ? successSchema : okField === false ? failureSchema : undefined;
  if (!schema) throw new ZfyProbeError(`zfy-probe: output line ${lineNo} has no boolean "ok": ${excerpt(line)}`);
  const r = schema.safeParse(value);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ');
    throw new ZfyProbeError(`zfy-probe: output line ${lineNo} is malformed (${why}): ${excerpt(line)}`);
  }
  return r.data;
}

/** Parses the whole stdout of a probe run: newline-terminated JSON lines. */
export function parseZfyOutput(stdout: string): ZfyResult[] {
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l, i) => parseZfyLine(l, i + 1));
}

/**
 * Checks the answers belong to the commands asked, in order: one each (exit 0/1), or a prefix
 * followed by the watchdog's timeout line (exit 124). Throws ZfyProbeError otherwise.
 */
export function checkZfyResults(commands: readonly ZfyCommand[], results: readonly ZfyResult[], exit: number): void {
  const timedOut = exit === 124;
  const answers = timedOut ? results.slice(0, -1) : results;
  const last = results.at(-1);
  const bad = (why: string) => new ZfyProbeError(`zfy-probe: ${why} (asked ${commands.join(' ')}; exit ${exit})`);
  if (timedOut && (!last || last.ok || last.error !== 'timeout')) throw bad('exit 124 without a timeout line');
  if (timedOut ? answers.length > commands.length : answers.length !== commands.length) {
    throw bad(`${results.length} answers for ${commands.length} commands`);
  }
  answers.forEach((r, i) => {
    if (r.cmd !== commands[i]) throw bad(`answer ${i + 1} is for ${r.cmd}, expected ${commands[i]}`);
  });
  const allOk = results.every((r) => r.ok);
  if (exit === 0 && !allOk) throw bad('exit 0 with a failed command');
  if (exit === 1 && allOk) throw bad('exit 1 with every command ok');
}
