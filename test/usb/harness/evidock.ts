// evidock itself inside the test-bed guest: a YAML config, the daemon as a background process
// (root, through the command channel), the CLI, and the daemon's JSON log read back.
import type { ExecResult } from './agent.js';
import type { Guest } from './guest.js';
import type { GuestProcess, ProcessState } from './process.js';

export const GUEST_EVIDOCK = '/evidock/bin/evidock';

export interface LogEntry {
  level: string;
  message: string;
  timestamp: string;
  component?: string;
  session?: number;
  device?: string;
  profile?: string;
  [key: string]: unknown;
}

export interface MountEntry { source: string; target: string; fstype: string; options: string[] }

export interface SessionLog { started: LogEntry; ended: LogEntry; session: number }

const SESSION_END = /^ingest (complete|interrupted)\b/;

export class GuestEvidock {
  /**
   * V8's code cache on the guest's tmpfs: the CLI loads in ~3.5 s instead of ~6 s under TCG.
   * It changes no behaviour (same sources, compiled once).
   */
  readonly env: Record<string, string> = { NODE_COMPILE_CACHE: '/tmp/evidock-node-cache' };
  daemon: GuestProcess | null = null;
  /** Time spent in CLI runs, by subcommand: [runs, ms]. */
  readonly cliTime = new Map<string, [number, number]>();
  private daemonFinal: ProcessState | null = null;

  constructor(readonly guest: Guest, readonly configPath: string, readonly dataDir: string) {}

  static async install(guest: Guest, configYaml: string, opts: { configPath?: string; dataDir: string }): Promise<GuestEvidock> {
    const configPath = opts.configPath ?? '/data/evidock.yaml';
    await guest.writeFile(configPath, configYaml);
    const ev = new GuestEvidock(guest, configPath, opts.dataDir);
    const check = await ev.cli(['config', 'check']);
    if (check.code !== 0) throw new Error(`evidock config check in the guest failed (exit ${check.code}):\n${check.stdout}${check.stderr}`);
    return ev;
  }

  get logFile(): string { return `${this.dataDir}/logs/evidock.log`; }
  get mountBase(): string { return `${this.dataDir}/run/mnt`; }

  async cli(args: string[], timeoutMs = 120_000): Promise<ExecResult> {
    const t0 = Date.now();
    try {
      return await this.guest.exec([GUEST_EVIDOCK, '--config', this.configPath, ...args], { timeoutMs, env: this.env });
    } finally {
      const key = args.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ');
      const [n, ms] = this.cliTime.get(key) ?? [0, 0];
      this.cliTime.set(key, [n + 1, ms + Date.now() - t0]);
    }
  }

  /** `evidock <args> --json`, parsed; throws unless the exit code is one of `codes`. */
  async json<T>(args: string[], opts: { codes?: number[]; timeoutMs?: number } = {}): Promise<{ code: number | null; value: T }> {
    const r = await this.cli([...args, '--json'], opts.timeoutMs);
    if (!(opts.codes ?? [0]).includes(r.code ?? -1)) {
      throw new Error(`evidock ${args.join(' ')} --json: exit ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''}\n${r.stderr}${r.stdout}`.trim());
    }
    try {
      return { code: r.code, value: JSON.parse(r.stdout) as T };
    } catch {
      throw new Error(`evidock ${args.join(' ')} --json printed no JSON:\n${r.stdout.slice(0, 2000)}\n${r.stderr.slice(0, 2000)}`);
    }
  }

  /** Starts `evidock daemon` in the background and waits until its USB hotplug watcher is on. */
  async startDaemon(timeoutMs = 60_000): Promise<void> {
    if (this.daemon) throw new Error('the daemon is already running');
    this.daemonFinal = null;
    this.daemon = await this.guest.spawn([GUEST_EVIDOCK, '--config', this.configPath, 'daemon'], { env: this.env });
    await this.guest.waitFor(async () => {
      await this.assertDaemonAlive();
      return (await this.log()).some((e) => /^USB hotplug (detection on|unavailable)/.test(e.message) || /^no USB on this host/.test(e.message));
    }, { timeoutMs, intervalMs: 200, what: 'the daemon to start watching' });
  }

  /** Fails with the daemon's stderr when it has exited. */
  async assertDaemonAlive(): Promise<void> {
    if (!this.daemon) throw new Error('the daemon is not running');
    const s = await this.daemon.output();
    if (s.done) {
      this.daemonFinal = s;
      this.daemon = null;
      throw new Error(`the evidock daemon exited (${s.code ?? s.signal}):\n${s.stderr.slice(-4000)}`);
    }
  }

  /**
   * SIGTERM to the daemon's own pid (as systemd's stop would), then waits. `exited` false: it was
   * still running after `timeoutMs` and has been SIGKILLed.
   */
  async stopDaemon(timeoutMs = 20_000): Promise<{ exited: boolean; state: ProcessState | null; ms: number }> {
    const d = this.daemon;
    if (!d) return { exited: true, state: this.daemonFinal, ms: 0 };
    const t0 = Date.now();
    await this.guest.exec(['kill', '-TERM', String(d.pid)]);
    let s = await d.wait(timeoutMs);
    const exited = s.done;
    const ms = Date.now() - t0;
    if (!s.done) s = await d.stop('SIGKILL', 10_000);
    this.daemon = null;
    this.daemonFinal = s;
    return { exited, state: s, ms };
  }

  /** The daemon's JSON log (every line; a torn last line is skipped). */
  async log(): Promise<LogEntry[]> {
    let text: string;
    try {
      text = (await this.guest.readFile(this.logFile)).toString('utf8');
    } catch {
      return [];
    }
    const out: LogEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try { out.push(JSON.parse(line) as LogEntry); } catch { /* being written */ }
    }
    return out;
  }

  /** Polls the log until `pred` holds for an entry (at index `since` or later); returns it. */
  async waitLog(pred: (e: LogEntry) => boolean, what: string, opts: { timeoutMs?: number; since?: number } = {}): Promise<LogEntry> {
    const { timeoutMs = 90_000, since = 0 } = opts;
    return this.guest.waitFor(async () => {
      const hit = (await this.log()).slice(since).find(pred);
      if (!hit) await this.assertDaemonAlive();
      return hit;
    }, { timeoutMs, intervalMs: 250, what: `daemon log: ${what}` }).catch(async (e: Error) => {
      const tail = (await this.log().catch(() => [])).slice(-25).map((l) => `${l.level} ${l.message}`).join('\n');
      throw new Error(`${e.message}\n--- daemon log tail ---\n${tail}`);
    });
  }

  /** The next dock session of `device` (session id above `after`), once it has ended. */
  async waitSession(device: string, opts: { after?: number; timeoutMs?: number } = {}): Promise<SessionLog> {
    const after = opts.after ?? 0;
    const started = await this.waitLog((e) => e.device === device && (e.session ?? 0) > after && e.message.startsWith('ingest started'),
      `ingest of ${device} started`, opts);
    return this.waitSessionEnd(started, opts);
  }

  /** The end of the session `started` (an "ingest started" entry) began. */
  async waitSessionEnd(started: LogEntry, opts: { timeoutMs?: number } = {}): Promise<SessionLog> {
    const session = started.session!;
    const ended = await this.waitLog((e) => e.session === session && SESSION_END.test(e.message), `session ${session} ended`, opts);
    return { started, ended, session };
  }

  /** /proc/mounts entries at or under evidock's own mount base. */
  async mounts(): Promise<MountEntry[]> {
    const text = (await this.guest.readFile('/proc/mounts')).toString('utf8');
    return text.split('\n').filter(Boolean).map((l) => {
      const [source = '', target = '', fstype = '', options = ''] = l.split(' ');
      return { source, target, fstype, options: options.split(',') };
    }).filter((m) => m.target === this.mountBase || m.target.startsWith(`${this.mountBase}/`));
  }

  /** Waits until evidock has a device of this disk (sda: sda or sda1 …) mounted. */
  async waitMountOf(disk: string, timeoutMs = 60_000): Promise<MountEntry> {
    return this.guest.waitFor(async () => (await this.mounts()).find((m) => new RegExp(`^/dev/${disk}\\d*$`).test(m.source)),
      { timeoutMs, intervalMs: 50, what: `evidock mounting /dev/${disk}` });
  }

  async waitNoMounts(timeoutMs = 30_000): Promise<void> {
    await this.guest.waitFor(async () => (await this.mounts()).length === 0, { timeoutMs, what: `no mounts under ${this.mountBase}` });
  }

  /** Entries of <dataDir>/store/tmp (copies in flight, or left behind). */
  async storeTemps(): Promise<{ name: string; size: number }[]> {
    const r = await this.guest.sh(`cd '${this.dataDir}/store/tmp' 2>/dev/null || exit 0; for f in * .[!.]*; do [ -e "$f" ] && echo "$(stat -c %s "$f") $f"; done; true`);
    return r.stdout.split('\n').filter(Boolean).map((l) => {
      const i = l.indexOf(' ');
      return { size: Number(l.slice(0, i)), name: l.slice(i + 1) };
    });
  }
}
