// Invariant 1 under fire: an ingest killed with SIGKILL at random moments, 20 times, each
// followed by a new ingest. In the end every file is stored exactly once with the right hash,
// the audit chain verifies and no temp file is left.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnCli, runCli } from '../helpers/cli.js';
import { tempDir, makeRandomVolume, sha256File, objectPath, writeConfig, listTemps } from '../helpers/volumes.js';

const dir = tempDir('crash');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SIGKILL during ingest', () => {
  it('20 random kills, then a full ingest: each file exactly once, chain valid, no temp', async () => {
    const cam = path.join(dir, 'cam');
    // ~90 MiB in 40 files: an ingest takes long enough to be killed in every phase.
    const sizes = Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? 8 << 20 : 300_000 + i * 1000));
    const rels = makeRandomVolume(cam, { sizes });
    const cfg = writeConfig(dir);
    let seed = 12345;
    const rand = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    const killedAfter: number[] = [];
    for (let i = 0; i < 20; i++) {
      const child = spawnCli(['--config', cfg.file, 'ingest', cam, '--json']);
      const delay = Math.floor(50 + rand() * 900);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      await exited;
      clearTimeout(timer);
      killedAfter.push(delay);
    }
    const final = runCli(['--config', cfg.file, 'ingest', cam, '--json']);
    expect(final.code, final.stderr).toBe(0);
    expect(JSON.parse(final.stdout)).toMatchObject({ failed: 0 });

    const rows: { sourcePath: string; sha256: string }[] = JSON.parse(runCli(['--config', cfg.file, 'recordings', 'list', '--json']).stdout);
    expect(rows).toHaveLength(rels.length);
    for (const rel of rels) {
      const mine = rows.filter((r) => r.sourcePath === rel);
      expect(mine, rel).toHaveLength(1);
      const sha = sha256File(path.join(cam, rel));
      expect(mine[0]!.sha256).toBe(sha);
      expect(sha256File(objectPath(cfg.dataDir, sha))).toBe(sha);
    }
    const v = runCli(['--config', cfg.file, 'verify', '--json']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).auditChain.ok).toBe(true);
    expect(listTemps(cfg.dataDir)).toEqual([]);
    expect(killedAfter).toHaveLength(20);
  }, 300_000);
});
