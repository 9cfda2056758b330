// Free space on the store's file system. Below `storage.minFreeGiB`, or after ENOSPC, writing
// pauses for every camera (one gate per store, shared by all ingests of the process) and resumes
// by itself once enough space is back. Nothing half-stored: a file that hit ENOSPC is dropped
// (its temp removed) and copied again after the pause.
import { statfs } from 'node:fs/promises';
import { AbortError } from './errors.js';

export interface SpaceOptions {
  /** Keep at least this many bytes free on the store's file system. */
  minFreeBytes: number;
  /** How often a paused gate looks again. */
  pollMs?: number;
}

/** Pure rule: may a file of `need` bytes be written when `free` bytes are available? */
export function roomFor(free: number, need: number, minFreeBytes: number): boolean {
  return free - need >= minFreeBytes;
}

export class SpaceGate {
  private minFree = 0;
  private pollMs = 2000;
  private fullSince: Date | undefined;
  private told = false;

  constructor(private readonly dir: () => string) {}

  configure(opts: SpaceOptions): void {
    this.minFree = Math.max(0, opts.minFreeBytes);
    if (opts.pollMs !== undefined) this.pollMs = opts.pollMs;
  }

  async freeBytes(): Promise<number> {
    const s = await statfs(this.dir());
    return Number(s.bavail) * Number(s.bsize);
  }

  /** The store said ENOSPC: pause every writer until there is room again. */
  markFull(): void { this.fullSince ??= new Date(); }

  get paused(): boolean { return this.fullSince !== undefined; }

  /**
   * Wait until a file of `need` bytes fits above the minimum. `onPause` is called once per pause
   * (whichever ingest notices first), `onResume` once when the pause ends, by the one that ends it.
   */
  async waitForRoom(need: number, hooks: { signal?: AbortSignal | undefined; onPause?: (free: number) => void; onResume?: () => void } = {}): Promise<void> {
    const me = { need };
    this.waiting.add(me);
    try {
      await this.waitLoop(me, hooks);
    } finally {
      this.waiting.delete(me);
    }
  }

  private readonly waiting = new Set<{ need: number }>();

  private async waitLoop(me: { need: number }, hooks: { signal?: AbortSignal | undefined; onPause?: (free: number) => void; onResume?: () => void }): Promise<void> {
    for (;;) {
      if (hooks.signal?.aborted) throw new AbortError({ cause: hooks.signal.reason });
      const free = await this.freeBytes().catch(() => Number.POSITIVE_INFINITY); // no statfs: let ENOSPC tell
      // While paused, the pause ends only when every waiting file fits (no flapping on and off);
      // after an ENOSPC the file itself must fit, whatever the minimum says.
      const need = this.fullSince ? Math.max(...[...this.waiting].map((w) => w.need)) : me.need;
      if (roomFor(free, need, this.minFree) && (!this.fullSince || free > need)) {
        if (this.fullSince) {
          this.fullSince = undefined;
          if (this.told) { this.told = false; hooks.onResume?.(); }
        }
        return;
      }
      this.markFull();
      if (!this.told) { this.told = true; hooks.onPause?.(free); }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.pollMs);
        hooks.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
    }
  }
}
