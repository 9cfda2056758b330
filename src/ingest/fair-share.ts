// Copy slots shared by every camera of the process (issue 8: many cameras at once). Each file copy
// takes a slot; when slots are short they go round-robin between the cameras that wait, so a
// 64 GB camera does not starve a 2 GB one, and the number of copies in flight (and so their
// buffers, i.e. memory) stays bounded however many cameras are docked.
export class FairShare {
  private free: number;
  private readonly queues = new Map<string, (() => void)[]>();
  private order: string[] = []; // cameras with waiters, in turn order

  constructor(readonly slots: number) { this.free = slots; }

  /** Wait for a slot for camera `key`; call the returned function to give it back. */
  async acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    if (this.free > 0 && this.order.length === 0) { this.free -= 1; return this.releaser(); }
    await new Promise<void>((resolve, reject) => {
      const q = this.queues.get(key) ?? [];
      if (q.length === 0) this.order.push(key);
      this.queues.set(key, q);
      const grant = () => { signal?.removeEventListener('abort', onAbort); resolve(); };
      q.push(grant);
      const onAbort = () => {
        const i = q.indexOf(grant);
        if (i >= 0) q.splice(i, 1);
        if (q.length === 0) { this.queues.delete(key); this.order = this.order.filter((k) => k !== key); }
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.releaser();
  }

  /** Cameras waiting now, in the order they will be served (for tests and status). */
  waiting(): string[] { return [...this.order]; }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.free += 1;
      this.dispatch();
    };
  }

  private dispatch(): void {
    while (this.free > 0 && this.order.length > 0) {
      const key = this.order.shift()!;
      const q = this.queues.get(key)!;
      const next = q.shift()!;
      if (q.length > 0) this.order.push(key); // to the back of the round
      else this.queues.delete(key);
      this.free -= 1;
      next();
    }
  }
}

/** Process-wide copy slots: enough to keep a disk busy, bounded memory (at most 8 MiB of buffers each). */
export const COPY_SLOTS = new FairShare(8);
