// Group commit: recordings that finish close together are committed in one transaction, so
// many small files do not each pay a WAL sync. Before the transaction, the batch's objects are
// made durable together (`durable`: fdatasync each + fsync their directories), so no database
// row ever names an object that is not on the disk (issue 8). A file counts as ingested only
// when its batch has committed.
import type { Custody } from '../custody/index.js';

type Input = Parameters<Custody['commitRecording']>[0];
type Result = ReturnType<Custody['commitRecording']>;
interface Pending { input: Input; objectPath: string | undefined; resolve: (r: Result) => void; reject: (e: unknown) => void }

export class CommitBatcher {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly custody: Custody,
    private readonly maxBatch = 64,
    private readonly maxWaitMs = 15,
    private readonly durable: (paths: string[]) => Promise<void> = async () => undefined,
  ) {}

  /** `objectPath`: the stored object this recording names; it is made durable before the commit. */
  commit(input: Input, objectPath?: string): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ input, objectPath, resolve, reject });
      if (this.pending.length >= this.maxBatch) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.maxWaitMs);
    });
  }

  /** Commits what is pending; resolves when every batch handed over so far has been dealt with. */
  flush(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) this.chain = this.chain.then(() => this.commitBatch(batch));
    return this.chain;
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    try {
      await this.durable(batch.flatMap((b) => (b.objectPath ? [b.objectPath] : [])));
    } catch (err) {
      for (const b of batch) b.reject(err); // not durable: nothing of this batch is committed
      return;
    }
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
