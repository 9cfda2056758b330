// Boots the test-bed guest under QEMU/TCG (scripts/usb-testbed/README.md) and drives it: commands over the
// virtio-serial agent, USB hot-plug over QMP, serial console in <tmpDir>/console.log.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentClient, toExecResult, type ExecResult } from './agent.js';
import { buildTestbed, type TestbedArtefacts } from './build.js';
import { GuestProcess, type SpawnOptions } from './process.js';
import { qemuArgs, spawnQemu, sweepStaleDirs, TMP_PREFIX } from './qemu.js';
import { QmpClient } from './qmp.js';
import { register, unregister, type Stoppable } from './registry.js';
import { UsbBus, type UsbBotScsiSpec, type UsbStorageSpec } from './usb.js';

export interface StartGuestOptions {
  memoryMiB?: number;
  smp?: number;
  bootTimeoutMs?: number;
  /** Host programs for the guest (project disk, /evidock/.testbed/bin), e.g. ['ffprobe']. */
  extraBins?: string[];
  /** A third virtio disk (ext4, this size) mounted at /data instead of a tmpfs. */
  scratchMiB?: number;
  extraQemuArgs?: string[];
  /** Skip build.sh and use these artefacts. */
  artefacts?: TestbedArtefacts;
  /** Keep the temp dir (console log, sockets) after stop; also EVIDOCK_TESTBED_KEEP=1. */
  keepTmp?: boolean;
}

export interface ExecOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  cwd?: string;
  stdin?: Buffer | string;
  /** Throw unless the command exits 0. */
  check?: boolean;
}

export interface WaitOptions { timeoutMs?: number; intervalMs?: number; what?: string }

export interface GuestTimings {
  buildMs: number;
  /** QEMU start to the agent's first answer. */
  bootMs: number;
  /** Guest uptime (s) when /init finished. */
  initDoneUptime: number;
}

export class Guest implements Stoppable {
  readonly usb: UsbBus;
  readonly consoleLog: string;
  exit: { code: number | null; signal: string | null } | null = null;
  timings: GuestTimings = { buildMs: 0, bootMs: 0, initDoneUptime: 0 };
  private qemuStderr = '';
  private stopping: Promise<void> | null = null;
  private readonly exited: Promise<void>;

  constructor(
    readonly tmpDir: string,
    readonly artefacts: TestbedArtefacts,
    private readonly proc: ChildProcess,
    readonly qmp: QmpClient,
    private readonly agent: AgentClient,
    private readonly keepTmp: boolean,
  ) {
    this.consoleLog = path.join(tmpDir, 'console.log');
    this.usb = new UsbBus(qmp);
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  get alive(): boolean {
    return this.exit === null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const reply = await this.agent.request({
      cmd: 'exec', argv, timeoutMs, env: opts.env, cwd: opts.cwd,
      stdin: opts.stdin === undefined ? undefined : Buffer.from(opts.stdin).toString('base64'),
    }, timeoutMs + 15_000);
    const r = toExecResult(reply);
    if (opts.check && r.code !== 0) {
      throw new Error(`guest: ${argv.join(' ')} -> ${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}\n${r.stderr}${r.stdout}`.trim());
    }
    return r;
  }

  /** `sh -c script` in the guest. */
  sh(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(['/bin/sh', '-c', script], opts);
  }

  async spawn(argv: string[], opts: SpawnOptions = {}): Promise<GuestProcess> {
    const r = await this.agent.request({ cmd: 'spawn', argv, env: opts.env, cwd: opts.cwd }, 30_000);
    return new GuestProcess(this.agent, Number(r.handle), Number(r.pid), argv);
  }

  async readFile(file: string): Promise<Buffer> {
    const r = await this.agent.request({ cmd: 'readfile', path: file }, 60_000);
    return Buffer.from(String(r.data), 'base64');
  }

  async writeFile(file: string, data: Buffer | string, mode = 0o644): Promise<void> {
    await this.agent.request({ cmd: 'writefile', path: file, data: Buffer.from(data).toString('base64'), mode }, 60_000);
  }

  /**
   * Polls until `probe` returns a truthy value (returned), or, given argv, until that guest
   * command exits 0 (its result returned). Throws after timeoutMs with the last failure.
   */
  waitFor(argv: string[], opts?: WaitOptions): Promise<ExecResult>;
  waitFor<T>(probe: () => Promise<T | null | undefined | false>, opts?: WaitOptions): Promise<T>;
  async waitFor<T>(probe: string[] | (() => Promise<T | null | undefined | false>), opts: WaitOptions = {}): Promise<T | ExecResult> {
    const { timeoutMs = 30_000, intervalMs = 100 } = opts;
    const what = opts.what ?? (Array.isArray(probe) ? probe.join(' ') : 'condition');
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      if (!this.alive) throw new Error(`guest died while waiting for ${what}\n${this.consoleTail()}`);
      if (Array.isArray(probe)) {
        const r = await this.exec(probe, { timeoutMs: Math.max(1_000, deadline - Date.now()) });
        if (r.code === 0) return r;
        last = `exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`;
      } else {
        const v = await probe();
        if (v) return v;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last: ${last})` : ''}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  plugUsbStorage(spec: UsbStorageSpec): Promise<void> {
    return this.usb.plugUsbStorage(spec);
  }

  plugUsbBotScsi(spec: UsbBotScsiSpec): Promise<void> {
    return this.usb.plugUsbBotScsi(spec);
  }

  unplug(id: string, timeoutMs?: number): Promise<void> {
    return this.usb.unplug(id, timeoutMs);
  }

  consoleText(): string {
    try { return fs.readFileSync(this.consoleLog, 'utf8'); } catch { return ''; }
  }

  consoleTail(lines = 40): string {
    const text = this.consoleText().split('\n').slice(-lines).join('\n');
    return `--- guest console (${this.consoleLog}) ---\n${text}\n--- qemu stderr ---\n${this.qemuStderr.slice(-2000)}`;
  }

  /** QMP quit, then SIGKILL if QEMU lingers; removes the temp dir unless kept. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.alive) {
        await this.qmp.execute('quit', undefined, 5_000).catch(() => {});
        const done = await Promise.race([this.exited.then(() => true), sleep(5_000).then(() => false)]);
        if (!done) { this.proc.kill('SIGKILL'); await Promise.race([this.exited, sleep(5_000)]); }
      }
      this.cleanup();
    })();
    return this.stopping;
  }

  killNow(): void {
    if (this.alive) this.proc.kill('SIGKILL');
    this.cleanup();
  }

  /** @internal */
  noteStderr(s: string): void {
    this.qemuStderr = (this.qemuStderr + s).slice(-16_384);
  }

  private cleanup(): void {
    this.qmp.close();
    this.agent.close();
    unregister(this);
    if (!this.keepTmp) fs.rmSync(this.tmpDir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startGuest(opts: StartGuestOptions = {}): Promise<Guest> {
  const t0 = Date.now();
  const artefacts = opts.artefacts ?? await buildTestbed({ extraBins: opts.extraBins });
  const buildMs = Date.now() - t0;
  sweepStaleDirs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), TMP_PREFIX));
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  const keepTmp = opts.keepTmp ?? process.env.EVIDOCK_TESTBED_KEEP === '1';
  let scratch: string | null = null;
  if (opts.scratchMiB) {
    scratch = path.join(dir, 'scratch.ext4');
    fs.writeFileSync(scratch, '');
    fs.truncateSync(scratch, opts.scratchMiB * 1024 * 1024);
    const mk = spawnSync('mkfs.ext4', ['-q', '-F', '-L', 'scratch', scratch], { encoding: 'utf8' });
    if (mk.status !== 0) throw new Error(`mkfs.ext4 scratch: ${mk.stderr}`);
  }

  const args = qemuArgs(artefacts, dir, opts, scratch);
  const tBoot = Date.now();
  const proc = spawnQemu(args);
  let guest: Guest | null = null;
  let early: Error | null = null;
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); guest?.noteStderr(b.toString()); });
  proc.once('error', (e) => { early = e; });
  proc.once('exit', (code, signal) => {
    early ??= new Error(`QEMU exited (${code ?? signal}) during boot: ${stderr.trim().slice(-1500)}`);
    if (guest) guest.exit = { code, signal };
  });
  const killEarly: Stoppable = {
    stop: async () => { proc.kill('SIGKILL'); },
    killNow: () => { proc.kill('SIGKILL'); if (!keepTmp) fs.rmSync(dir, { recursive: true, force: true }); },
  };
  register(killEarly);
  try {
    const abortable = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, rej) => {
      const iv = setInterval(() => { if (early) { clearInterval(iv); rej(early); } }, 50);
      p.finally(() => clearInterval(iv)).catch(() => {});
    })]);
    const qmp = await abortable(QmpClient.connect(path.join(dir, 'qmp.sock'), 20_000));
    const agent = await abortable(AgentClient.connect(path.join(dir, 'cmd.sock'), 20_000));
    guest = new Guest(dir, artefacts, proc, qmp, agent, keepTmp);
    guest.noteStderr(stderr);
    unregister(killEarly);
    register(guest);
    await agent.waitReady(opts.bootTimeoutMs ?? 120_000, () => early);
    const bootMs = Date.now() - tBoot;
    const ready = await guest.exec(['cat', '/run/evidock-ready'], { timeoutMs: 10_000 });
    guest.timings = { buildMs, bootMs, initDoneUptime: Number(ready.stdout.trim()) };
    return guest;
  } catch (e) {
    // A connection error often races QEMU's exit status, which tells more.
    if (!early) await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(500)]);
    const tail = guest?.consoleTail() ?? `${fs.existsSync(path.join(dir, 'console.log')) ? fs.readFileSync(path.join(dir, 'console.log'), 'utf8').slice(-3000) : ''}\n${stderr}`;
    if (guest) await guest.stop(); else { killEarly.killNow(); unregister(killEarly); }
    throw new Error(`guest failed to start: ${(early ?? e as Error).message}\n${tail}`);
  }
}
