// Temp directories for config tests, removed after each test.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

export function useTmp(): { dir: () => string; write: (rel: string, text: string) => string } {
  let current: string | undefined;
  afterEach(() => {
    if (current) rmSync(current, { recursive: true, force: true });
    current = undefined;
  });
  const dir = () => (current ??= mkdtempSync(path.join(os.tmpdir(), 'evidock-config-')));
  const write = (rel: string, text: string) => {
    const file = path.join(dir(), rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  return { dir, write };
}
