// Temp files of dead writers are removed; a live writer's temps are never touched.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  mkdirSync(sb.store.tmpDir, { recursive: true });
});
afterEach(() => sb.cleanup());

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync('true');
  expect(r.pid).toBeGreaterThan(0);
  return r.pid!;
}

it('removes temps of dead pids, keeps live ones and foreign names', async () => {
  const sleeper = spawn('sleep', ['60']);
  try {
    const dead = `${deadPid()}-0123abcd.part`;
    const live = `${sleeper.pid}-89abcdef.part`;
    const mine = `${process.pid}-00ff00ff.part`;
    for (const n of [dead, live, mine, 'notes.txt']) writeFileSync(join(sb.store.tmpDir, n), 'x');

    expect(sb.store.cleanStaleTemps()).toBe(1);
    expect(readdirSync(sb.store.tmpDir).sort()).toEqual([live, mine, 'notes.txt'].sort());

    // Ingest also cleans first.
    writeFileSync(join(sb.store.tmpDir, dead), 'x');
    await sb.store.ingestFile(sb.file('a.mp4', 1000));
    expect(readdirSync(sb.store.tmpDir).sort()).toEqual([live, mine, 'notes.txt'].sort());
  } finally {
    sleeper.kill('SIGKILL');
  }
});

it('returns 0 when the store does not exist yet', () => {
  rmSync(sb.store.tmpDir, { recursive: true });
  expect(sb.store.cleanStaleTemps()).toBe(0);
});

// A real SIGKILL mid-copy, in a child running the compiled store.
let buildDir: string;
beforeAll(() => {
  const root = resolve(import.meta.dirname, '../..');
  buildDir = join(sandbox().dir, 'build');
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '--ignoreConfig', '--outDir', buildDir, '--rootDir', join(root, 'src'),
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023', '--strict', '--skipLibCheck',
      '--types', 'node', join(root, 'src/store/index.ts')],
    { encoding: 'utf8', cwd: root },
  );
  expect(r.status, r.stdout + r.stderr).toBe(0);
});
afterAll(() => rmSync(resolve(buildDir, '..'), { recursive: true, force: true }));

it('a SIGKILLed ingest leaves a temp that the next start removes', async () => {
  const src = sb.file('big.mp4', 32 * 1024 * 1024);
  // The child reports its first chunk, then blocks its event loop so the copy is mid-way when killed.
  const script = `
    const { ObjectStore } = await import(${JSON.stringify(join(buildDir, 'store/index.js'))});
    const store = new ObjectStore(${JSON.stringify(sb.store.root)});
    let first = true;
    await store.ingestFile(${JSON.stringify(src)}, { onBytes() {
      if (!first) return; first = false;
      process.stdout.write('copying\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000);
    } });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ok, fail) => {
    child.stdout.once('data', () => ok());
    child.once('exit', (code) => fail(new Error(`child exited early (${code})`)));
  });
  const exited = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGKILL');
  await exited;

  expect(readdirSync(sb.store.tmpDir)).toEqual([expect.stringMatching(new RegExp(`^${child.pid}-[0-9a-f]+\\.part$`))]);
  expect(sb.store.cleanStaleTemps()).toBe(1);
  expect(readdirSync(sb.store.tmpDir)).toEqual([]);
  // And the retried ingest completes.
  expect((await sb.store.ingestFile(src)).objectIsNew).toBe(true);
});
