// QEMU Machine Protocol client: JSON lines on a unix socket. Commands carry an "id" so answers
// match even when events interleave; events are kept and can be awaited with a timeout.
import net from 'node:net';
import { connectUnix, LineReader } from './lines.js';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  constructor(readonly command: string, readonly errorClass: string, readonly desc: string) {
    super(`QMP ${command} failed: ${errorClass}: ${desc}`);
    this.name = 'QmpError';
  }
}

interface Pending { command: string; resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
interface EventWaiter { name: string; match: (e: QmpEvent) => boolean; resolve: (e: QmpEvent) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }

export class QmpClient {
  /** Every event received, in order. */
  readonly events: QmpEvent[] = [];
  greeting: unknown;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly waiters = new Set<EventWaiter>();
  private closedError: Error | null = null;
  private greeted!: Promise<void>;

  private constructor(private readonly sock: net.Socket) {}

  /** Connects (retrying while QEMU creates the socket), reads the greeting, negotiates capabilities. */
  static async connect(socketPath: string, timeoutMs = 15_000): Promise<QmpClient> {
    const sock = await connectUnix(socketPath, timeoutMs);
    const c = new QmpClient(sock);
    c.greeted = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no QMP greeting')), timeoutMs);
      new LineReader(sock, (line) => {
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ('QMP' in msg) { c.greeting = msg.QMP; clearTimeout(timer); resolve(); return; }
        c.dispatch(msg);
      });
      sock.on('close', () => { clearTimeout(timer); reject(new Error('QMP socket closed before greeting')); c.fail(new Error('QMP connection closed')); });
      sock.on('error', (e) => c.fail(e));
    });
    await c.greeted;
    await c.execute('qmp_capabilities');
    return c;
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = `c${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`QMP ${command} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.sock.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n');
    });
  }

  /**
   * Resolves with the next event `name` that `match` accepts. Call it BEFORE the command that
   * causes the event (keep the promise), or pass `since` (an index into `events`) to also accept
   * events that already arrived.
   */
  waitEvent(name: string, match: (e: QmpEvent) => boolean = () => true, timeoutMs = 15_000, since?: number): Promise<QmpEvent> {
    if (since !== undefined) {
      const seen = this.events.slice(since).find((e) => e.event === name && match(e));
      if (seen) return Promise.resolve(seen);
    }
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const w: EventWaiter = {
        name, match, resolve, reject,
        timer: setTimeout(() => { this.waiters.delete(w); reject(new Error(`no QMP event ${name} within ${timeoutMs} ms`)); }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  close(): void {
    this.sock.destroy();
    this.fail(new Error('QMP connection closed'));
  }

  private dispatch(msg: Record<string, unknown>): void {
    if (typeof msg.event === 'string') {
      const ev = msg as unknown as QmpEvent;
      this.events.push(ev);
      for (const w of this.waiters) {
        if (w.name === ev.event && w.match(ev)) {
          this.waiters.delete(w);
          clearTimeout(w.timer);
          w.resolve(ev);
        }
      }
      return;
    }
    const p = typeof msg.id === 'string' ? this.pending.get(msg.id) : undefined;
    if (!p) return; // an answer nobody waits for any more (timed out)
    this.pending.delete(msg.id as string);
    clearTimeout(p.timer);
    const err = msg.error as { class?: string; desc?: string } | undefined;
    if (err) p.reject(new QmpError(p.command, err.class ?? 'GenericError', err.desc ?? JSON.stringify(err)));
    else p.resolve(msg.return);
  }

  private fail(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(e); }
    this.pending.clear();
    for (const w of this.waiters) { clearTimeout(w.timer); w.reject(e); }
    this.waiters.clear();
  }
}
