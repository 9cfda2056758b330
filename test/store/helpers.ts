// Shared fixtures for the store tests: real files in a fresh os.tmpdir() directory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStore } from '../../src/store/index.js';

export interface Sandbox {
  dir: string;
  store: ObjectStore;
  /** Write `size` random bytes (or the given content) to a file in the sandbox; returns its path. */
  file(name: string, content: number | Buffer | string): string;
  tempFiles(): string[];
  cleanup(): void;
}

export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'evidock-store-'));
  const store = ObjectStore.forDataDir(join(dir, 'data'));
  return {
    dir,
    store,
    file(name, content) {
      const p = join(dir, name);
      writeFileSync(p, typeof content === 'number' ? randomBytes(content) : content);
      return p;
    },
    tempFiles() {
      try {
        return readdirSync(store.tmpDir);
      } catch {
        return [];
      }
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function allHashes(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const h of store.listObjectHashes()) out.push(h);
  return out;
}
