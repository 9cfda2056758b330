// Host side of the guest command channel: the virtio-serial port "evidock.cmd", which QEMU
// exposes as a unix socket. Protocol (newline-delimited JSON) in scripts/usb-testbed/guest/agent.mjs.
import type net from 'node:net';
import { connectUnix, LineReader } from './lines.js';

export class AgentError extends Error {
  constructor(readonly cmd: string, message: string) {
    super(`guest agent ${cmd}: ${message}`);
    this.name = 'AgentError';
  }
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
  stderrBytes: Buffer;
  /** Guest-side run time. */
  ms: number;
}

export type AgentReply = Record<string, unknown>;

interface Pending { cmd: string; resolve: (r: AgentReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }

export class AgentClient {
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private closedError: Error | null = null;
  /** Called on every {event:"hello"} (the agent opened the port). */
  onHello: ((msg: AgentReply) => void) | null = null;

  private constructor(private readonly sock: net.Socket) {
    new LineReader(sock, (line) => this.onLine(line));
    sock.on('close', () => this.fail(new Error('guest agent channel closed')));
    sock.on('error', (e) => this.fail(e));
  }

  static async connect(socketPath: string, timeoutMs = 15_000): Promise<AgentClient> {
    return new AgentClient(await connectUnix(socketPath, timeoutMs));
  }

  request(msg: Record<string, unknown> & { cmd: string }, timeoutMs: number): Promise<AgentReply> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AgentError(msg.cmd, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { cmd: msg.cmd, resolve, reject, timer });
      this.sock.write(JSON.stringify({ ...msg, id }) + '\n');
    });
  }

  /** Pings until the agent answers ready (/init has finished), or the deadline. */
  async waitReady(timeoutMs: number, abort: () => Error | null): Promise<AgentReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = abort() ?? this.closedError;
      if (dead) throw dead;
      if (Date.now() > deadline) throw new AgentError('ping', `guest not ready within ${timeoutMs} ms`);
      try {
        const r = await this.request({ cmd: 'ping' }, 1_000);
        if (r.ready !== false) return r;
        await new Promise((res) => setTimeout(res, 100)); // agent up, /init not finished
      } catch (e) {
        if (this.closedError) throw this.closedError;
        if (!(e instanceof AgentError)) throw e;
      }
    }
  }

  close(): void {
    this.sock.destroy();
    this.fail(new Error('guest agent channel closed'));
  }

  private onLine(line: string): void {
    let msg: AgentReply;
    try { msg = JSON.parse(line) as AgentReply; } catch { return; } // stale partial line from an earlier session
    if (msg.event === 'hello') {
      // A (re)started agent never answers what its predecessor had taken: fail those now.
      for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new AgentError(p.cmd, 'agent (re)started before answering')); }
      this.pending.clear();
      this.onHello?.(msg);
      return;
    }
    const p = typeof msg.id === 'string' ? this.pending.get(msg.id) : undefined;
    if (!p) return; // answer to a ping that already timed out
    this.pending.delete(msg.id as string);
    clearTimeout(p.timer);
    if (typeof msg.error === 'string') p.reject(new AgentError(p.cmd, msg.error));
    else p.resolve(msg);
  }

  private fail(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(e); }
    this.pending.clear();
  }
}

export function toExecResult(r: AgentReply): ExecResult {
  const stdoutBytes = Buffer.from(String(r.stdout ?? ''), 'base64');
  const stderrBytes = Buffer.from(String(r.stderr ?? ''), 'base64');
  return {
    code: (r.code as number | null) ?? null,
    signal: (r.signal as string | null) ?? null,
    timedOut: r.timedOut === true,
    stdout: stdoutBytes.toString('utf8'),
    stderr: stderrBytes.toString('utf8'),
    stdoutBytes,
    stderrBytes,
    ms: Number(r.ms ?? 0),
  };
}
