// The small-file worker pool (src/store/small-copy.ts) must never keep a finished process alive:
// `evidock ingest` ends when its work is done, not when something kills it. A second worker
// started while the first sat idle was left referenced (its first 'message' listener re-refs the
// port after an early unref), and the CLI hung after "ingest complete" in the SIGKILL fault suite.
// The pool runs under --input-type=module here, so the workers' code must not rely on require.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(() => { sb = sandbox(); });
afterEach(() => sb.cleanup());

const POOL = join(ROOT, 'dist/store/small-copy.js');

/** Runs the pool in a fresh Node process; `pattern`: how many copies go at once, round after round. */
function runPool(pattern: number[]): { status: number | null; signal: string | null; out: string; err: string; srcs: string[] } {
  const objects = join(sb.dir, 'objects');
  const tmp = join(sb.dir, 'tmp');
  mkdirSync(objects);
  mkdirSync(tmp);
  const srcs = pattern.flatMap((n, r) => Array.from({ length: n }, (_, i) => sb.file(`r${r}-${i}.jpg`, randomBytes(1000 + 97 * i + r))));
  const script = `
    import { copySmallFile } from ${JSON.stringify(POOL)};
    const rounds = ${JSON.stringify(pattern)};
    const srcs = ${JSON.stringify(srcs)};
    let k = 0;
    const out = [];
    for (const n of rounds) {
      const jobs = [];
      for (let i = 0; i < n; i++, k++) jobs.push(copySmallFile({ src: srcs[k], tmp: ${JSON.stringify(tmp)} + '/t' + k, objectsDir: ${JSON.stringify(objects)}, chmod: false }));
      for (const a of await Promise.all(jobs)) out.push(a.ok ? a.ok.sha256 + ' ' + a.ok.linked : JSON.stringify(a));
      await new Promise((r) => setTimeout(r, 50)); // every worker idle before the next round
    }
    console.log(out.join('\\n'));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, signal: r.signal, out: r.stdout, err: r.stderr, srcs };
}

describe('small-file worker pool', () => {
  it.each([
    ['one file, then one more while the first worker is idle', [1, 1]],
    ['one, then two at once, then one', [1, 2, 1]],
    ['twelve at once, then one', [12, 1]],
  ])('%s: every file copied right and the process exits by itself', (_name, pattern) => {
    const r = runPool(pattern as number[]);
    // Killed by the timeout (signal set, no status) is the defect: a worker kept the loop alive.
    expect({ status: r.status, signal: r.signal }, r.err).toEqual({ status: 0, signal: null });
    const lines = r.out.trim().split('\n');
    expect(lines).toEqual(r.srcs.map((s) => `${createHash('sha256').update(readFileSync(s)).digest('hex')} true`));
  });

});
