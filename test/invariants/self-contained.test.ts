// The repository stands on its own: no committed file points at a document or path outside it
// (a design brief one level up, a developer machine's /work tree). The patterns are assembled at
// run time so this file does not match itself.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';

const OUTSIDE = [
  ['..', '/shared/'].join(''),
  ['/', 'work/'].join(''),
  ['DESIGN', '.md'].join(''),
  ['USB-TESTBED', '.md'].join(''),
  ['DESIGN', ' §'].join(''),
];

describe('the repository is self-contained', () => {
  it('no tracked text file points outside the repository', () => {
    const ls = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
    expect(ls.status, ls.stderr).toBe(0);
    const files = ls.stdout.split('\0').filter(Boolean).filter((f) => !/\.(png|jpg|img|so|o|gz|xz|zst)$/i.test(f));
    expect(files.length).toBeGreaterThan(50);
    const hits: string[] = [];
    for (const f of files) {
      const abs = path.join(ROOT, f);
      if (!fs.existsSync(abs) || fs.statSync(abs).size > 2_000_000) continue;
      const text = fs.readFileSync(abs, 'utf8');
      text.split('\n').forEach((line, i) => {
        for (const p of OUTSIDE) if (line.includes(p)) hits.push(`${f}:${i + 1}: ${p}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('the README links the architecture document, which exists', () => {
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain('docs/ARCHITECTURE.md');
    expect(fs.existsSync(path.join(ROOT, 'docs/ARCHITECTURE.md'))).toBe(true);
  });
});
