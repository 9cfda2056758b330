// Free space on the store's file system. Below `storage.minFreeGiB`, or after ENOSPC, writing
// pauses for every camera (one gate per store, shared by all ingests of the process) and resumes
// by itself once enough space is back. Nothing half-stored: a file that hit ENOSPC is dropped
// (its temp removed) and copied again after the pause.
// Each admitted copy holds a reservation of the bytes it has still to write, so copies admitted
// together cannot overcommit the free space between two statfs samples. One pause is one
// episode: pausing again within QUIET_MS of a resume raises no second alert.
import { statfs } from 'node:fs/promises';
import { AbortError } from './errors.js';

export interface SpaceOptions {
  /** Keep at least this many bytes free on the store's file system. */
  minFreeBytes: number;
  /** How often a paused gate looks again. */
  pollMs?: number;
}

export interface SpaceHooks {
  signal?: AbortSignal | undefined;
  /** Once per episode, by whichever ingest notices first (e.g. to raise the alert). */
  onPause?: (free: number) => void;
  /** Once when an episode's pause ends, by the ingest that ends it. */
  onResume?: () => void;
}

/** Held while a file is copied: `written(n)` as bytes land, `release()` when done (either way). */
export interface Reservation { written(n: number): void; release(): void }

/** Pure rule: may a file of `need` bytes be written when `free` bytes are available? */
export function roomFor(free: number, need: number, minFreeBytes: number): boolean {
  return free - need >= minFreeBytes;
}

const QUIET_MS = 60_000;
/** A statfs sample stands for this long, less what was written since (a statfs per small file cost more than its copy). */
const SAMPLE_MS = 100;
const SAMPLE_BYTES = 32 * 2 ** 20;

export class SpaceGate {
  private minFree = 0;
  private pollMs = 2000;
  private fullSince: Date | undefined;
  private episode: { resumedAt?: number } | undefined;
  private reserved = 0;
  private readonly waiting = new Set<{ need: number }>();
  private sample: { free: number; at: number; writtenSince: number } | undefined;

  constructor(private readonly dir: () => string) {}

  configure(opts: SpaceOptions): void {
    this.minFree = Math.max(0, opts.minFreeBytes);
    if (opts.pollMs !== undefined) this.pollMs = opts.pollMs;
  }

  async freeBytes(): Promise<number> {
    const s = await statfs(this.dir());
    return Number(s.bavail) * Number(s.bsize);
  }

  /** Free bytes now: a recent statfs less what was written since, or a fresh statfs. */
  private async currentFree(): Promise<number> {
    const s = this.sample;
    if (s && !this.fullSince && Date.now() - s.at < SAMPLE_MS && s.writtenSince < SAMPLE_BYTES) return s.free - s.writtenSince;
    const free = await this.freeBytes();
    this.sample = { free, at: Date.now(), writtenSince: 0 };
    return free;
  }

  /** The store said ENOSPC: pause every writer until there is room again. */
  markFull(): void { this.fullSince ??= new Date(); this.sample = undefined; }

  get paused(): boolean { return this.fullSince !== undefined; }

  /** Wait until a file of `need` bytes fits above the minimum, beside the copies already admitted. */
  async waitForRoom(need: number, hooks: SpaceHooks = {}): Promise<Reservation> {
    const me = { need };
    this.waiting.add(me);
    try {
      await this.waitLoop(me, hooks);
    } finally {
      this.waiting.delete(me);
    }
    let left = need;
    this.reserved += left;
    return {
      written: (n) => {
        const d = Math.min(n, left);
        left -= d;
        this.reserved -= d;
        if (this.sample) this.sample.writtenSince += n;
      },
      release: () => { this.reserved -= left; left = 0; },
    };
  }

  private async waitLoop(me: { need: number }, hooks: SpaceHooks): Promise<void> {
    for (;;) {
      if (hooks.signal?.aborted) throw new AbortError({ cause: hooks.signal.reason });
      const free = (await this.currentFree().catch(() => Number.POSITIVE_INFINITY)) - this.reserved; // no statfs: let ENOSPC tell
      // While paused, the pause ends only when the largest waiting file fits (not on and off for
      // each small one); after an ENOSPC the file itself must fit, whatever the minimum says.
      const need = this.fullSince ? Math.max(...[...this.waiting].map((w) => w.need)) : me.need;
      if (roomFor(free, need, this.minFree) && (!this.fullSince || free > need)) {
        if (this.fullSince) {
          this.fullSince = undefined;
          if (this.episode && this.episode.resumedAt === undefined) { this.episode.resumedAt = Date.now(); hooks.onResume?.(); }
        }
        return;
      }
      this.markFull();
      const ep = this.episode;
      if (!ep || (ep.resumedAt !== undefined && Date.now() - ep.resumedAt > QUIET_MS)) {
        this.episode = {};
        hooks.onPause?.(free);
      } else if (ep.resumedAt !== undefined) {
        ep.resumedAt = undefined; // the same episode goes on: its resume is told once it really ends
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.pollMs);
        hooks.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
    }
  }
}
