// Group commit: recordings that finish close together are committed in one transaction, so
// many small files do not each pay a WAL sync. A file still counts as ingested only when its
// batch has committed; its object was made durable by the store before it got here.
import type { Custody } from '../custody/index.js';

type Input = Parameters<Custody['commitRecording']>[0];
type Result = ReturnType<Custody['commitRecording']>;

export class CommitBatcher {
  private pending: { input: Input; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly custody: Custody, private readonly maxBatch = 64, private readonly maxWaitMs = 15) {}

  commit(input: Input): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      const results = this.custody.commitRecordings(batch.map((b) => b.input));
      batch.forEach((b, i) => b.resolve(results[i] as Result));
    } catch {
      // One bad row must not sink its neighbours: retry each alone to find it.
      for (const b of batch) {
        try { b.resolve(this.custody.commitRecording(b.input)); } catch (err) { b.reject(err); }
      }
    }
  }
}
