// The one adapter that spawns ffmpeg/ffprobe. Everything in evidock that needs media tools goes
// through runTool so timeouts, error text and the binary names live in one place.
import { spawn } from 'node:child_process';

export type MediaTool = 'ffmpeg' | 'ffprobe';

export interface RunOptions {
  /** Kill the tool after this long; a hung ffprobe on a damaged file must not stall ingest. */
  timeoutMs?: number;
  /** Used in error messages (usually the input file). */
  subject?: string;
}

export interface RunResult { stdout: string; stderr: string }

/** Raised when the tool cannot start, exits non-zero or times out. */
export class MediaToolError extends Error {
  readonly exitCode = 1;
  constructor(message: string, readonly tool: MediaTool, readonly stderr: string) {
    super(message);
    this.name = 'MediaToolError';
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;
// Overridable so a workstation can point at a vendored build; the default is the system one.
const BINARIES: Record<MediaTool, string> = {
  ffmpeg: process.env.EVIDOCK_FFMPEG ?? 'ffmpeg',
  ffprobe: process.env.EVIDOCK_FFPROBE ?? 'ffprobe',
};

const started: Record<MediaTool, number> = { ffmpeg: 0, ffprobe: 0 };

/** How many times each tool has been started by this process (tests and benchmarks count them). */
export function toolRuns(): Readonly<Record<MediaTool, number>> {
  return { ...started };
}

export function runTool(tool: MediaTool, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return spawnTool(tool, args, opts).then((r) => ({ stdout: r.stdout.toString('utf8'), stderr: r.stderr }));
}

/** Like runTool, with stdout as bytes (raw frames). */
export function runToolBinary(tool: MediaTool, args: string[], opts: RunOptions = {}): Promise<{ stdout: Buffer; stderr: string }> {
  return spawnTool(tool, args, opts);
}

function spawnTool(tool: MediaTool, args: string[], opts: RunOptions): Promise<{ stdout: Buffer; stderr: string }> {
  started[tool] += 1;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = opts.subject ? ` on ${opts.subject}` : '';
  return new Promise<{ stdout: Buffer; stderr: string }>((resolve, reject) => {
    const child = spawn(BINARIES[tool], args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new MediaToolError(`cannot run ${tool}${what}: ${e.message}`, tool, ''));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new MediaToolError(`${tool} timed out after ${timeoutMs} ms${what}`, tool, stderr));
      } else if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(new MediaToolError(`${tool} ${how}${what}${tail ? `: ${tail}` : ''}`, tool, stderr));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}
