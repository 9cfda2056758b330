// Runs jobs with at most `concurrency` at once and at most one per key (one camera is never
// ingested twice at the same time). Jobs start in arrival order among the keys that are free.
export interface QueueJob<T> { key: string; run: () => Promise<T> }

export class KeyedQueue {
  private readonly waiting: { key: string; start: () => void }[] = [];
  private readonly activeKeys = new Set<string>();
  private idleResolvers: (() => void)[] = [];

  constructor(private readonly concurrency: number) {
    if (!(concurrency >= 1)) throw new Error('concurrency must be ≥ 1');
  }

  get active(): number { return this.activeKeys.size; }
  get pending(): number { return this.waiting.length; }
  isBusy(key: string): boolean { return this.activeKeys.has(key) || this.waiting.some((w) => w.key === key); }

  push<T>(job: QueueJob<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        key: job.key,
        start: () => {
          job.run().then(resolve, reject).finally(() => {
            this.activeKeys.delete(job.key);
            this.pump();
          });
        },
      });
      this.pump();
    });
  }

  /** Resolves when nothing is running or waiting. */
  onIdle(): Promise<void> {
    if (this.active === 0 && this.pending === 0) return Promise.resolve();
    return new Promise((r) => this.idleResolvers.push(r));
  }

  private pump(): void {
    while (this.activeKeys.size < this.concurrency) {
      const i = this.waiting.findIndex((w) => !this.activeKeys.has(w.key));
      if (i < 0) break;
      const [next] = this.waiting.splice(i, 1);
      if (!next) break;
      this.activeKeys.add(next.key);
      next.start();
    }
    if (this.activeKeys.size === 0 && this.waiting.length === 0) {
      const rs = this.idleResolvers;
      this.idleResolvers = [];
      for (const r of rs) r();
    }
  }
}
