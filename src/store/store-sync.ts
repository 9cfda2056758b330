// Durability of a batch of objects with one syncfs (issue 8): native-probes/build/store-sync,
// started once per store, answers each request after syncfs(2) of the store's file system has
// written back every dirty object and directory entry and flushed the device. Requests made
// while one runs are served together by the next (group durability), so concurrent cameras
// share syncs. Without the helper the store falls back to fdatasync + directory fsyncs.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { StoreError } from './errors.js';

/** Built by `make -C native-probes` (scripts/bootstrap.sh); same relative place from src/ and dist/. */
export const STORE_SYNC_PATH = fileURLToPath(new URL('../../native-probes/build/store-sync', import.meta.url));

/** Pure: one answer line of the helper → undefined (ok) or the error it names. */
export function parseSyncLine(line: string): string | undefined {
  if (line === 'ok') return undefined;
  const m = /^err (\S+) (.*)$/.exec(line);
  return m ? `${m[1]}: ${m[2]}` : `unreadable answer from store-sync: ${JSON.stringify(line)}`;
}

export class StoreSync {
  private child: ChildProcessWithoutNullStreams | undefined;
  private waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private inflight: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly dir: string, private readonly helper = STORE_SYNC_PATH) {}

  /** False when the helper was not built: the caller syncs file by file. */
  get available(): boolean { return existsSync(this.helper); }

  /**
   * Resolves once everything written to the file system before this call is durable. A sync
   * already running may have started before the caller's writes: the caller waits for the next.
   */
  barrier(): Promise<void> {
    if (!this.inflight) {
      const p = this.request().finally(() => { if (this.inflight === p) this.inflight = undefined; });
      this.inflight = p;
      return p;
    }
    this.next ??= this.inflight.catch(() => undefined).then(() => {
      this.next = undefined;
      return this.barrier();
    });
    return this.next;
  }

  /** Stop the helper (tests, shutdown). */
  close(): void {
    this.child?.stdin.end();
    this.child = undefined;
  }

  private request(): Promise<void> {
    const child = this.child ?? this.start();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      refOf(child.stdout)?.ref();
      child.ref();
      child.stdin.write('s\n');
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(this.helper, [this.dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 2048) stderr += d; });
    child.stdin.on('error', () => undefined); // a dead helper is reported on exit, not as EPIPE
    const fail = (why: string) => {
      if (this.child === child) this.child = undefined;
      const w = this.waiting;
      this.waiting = [];
      for (const x of w) x.reject(new StoreError('io', `store-sync ${why}${stderr ? `: ${stderr.trim()}` : ''}; nothing of this batch is committed`));
    };
    child.on('error', (err) => fail(`could not run (${err.message})`));
    child.on('exit', (code, sig) => fail(`exited (${code ?? sig})`));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (this.waiting.length === 0) { refOf(child.stdout)?.unref(); child.unref(); } // idle: never keeps the process alive
      if (!w) return;
      const err = parseSyncLine(line);
      if (err === undefined) w.resolve();
      else w.reject(new StoreError('io', `syncfs of ${this.dir} failed (${err}); nothing of this batch is committed`));
    });
    refOf(child.stdin)?.unref();
    refOf(child.stderr)?.unref();
    refOf(child.stdout)?.unref();
    child.unref();
    return child;
  }
}

/** A child's pipes are sockets: ref/unref decide whether they keep the process alive. */
function refOf(stream: unknown): { ref(): void; unref(): void } | undefined {
  const s = stream as { ref?: () => void; unref?: () => void };
  return typeof s.ref === 'function' && typeof s.unref === 'function' ? (s as { ref(): void; unref(): void }) : undefined;
}
