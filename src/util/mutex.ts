/** A minimal async mutex: `const release = await m.lock(); try { … } finally { release(); }`. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => { release = r; });
    const prev = this.tail;
    this.tail = prev.then(() => next);
    return prev.then(() => release);
  }
}

/** At most `n` holders at a time, served in arrival order. */
export class Semaphore {
  private readonly waiting: (() => void)[] = [];
  private held = 0;

  constructor(private readonly n: number) {}

  async acquire(): Promise<() => void> {
    if (this.held >= this.n) await new Promise<void>((r) => this.waiting.push(r));
    else this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(); else this.held -= 1;
    };
  }
}
