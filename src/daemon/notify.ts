// sd_notify for the systemd unit (Type=notify): READY, WATCHDOG, STOPPING and STATUS messages.
//
// Sent by spawning systemd-notify(1), not through a socket of our own: Node has no AF_UNIX
// SOCK_DGRAM socket (node:dgram is UDP, node:net is stream-only), a native addon would be a new
// dependency, and systemd-notify is installed wherever systemd sets NOTIFY_SOCKET. Because the
// datagram then comes from a child process:
//  - the unit says NotifyAccess=all (with `main`, systemd drops messages from other pids; v252's
//    systemd-notify forges SCM_CREDENTIALS to its parent's pid, but only with CAP_SYS_ADMIN);
//  - READY carries --pid=<our pid> (MAINPID=), so this process is the main one even if a wrapper
//    forked instead of exec'ing;
//  - no --no-block: systemd-notify waits (BARRIER=1) until the manager has read the message, so
//    the sender is still alive when systemd maps its pid to our unit (an exited sender cannot be
//    attributed: the classic systemd-notify race).
// Messages go out one at a time in call order. Failures are reported, never thrown: losing a
// status line must not take the daemon down (a lost watchdog ping ends in a restart anyway).
import { spawn } from 'node:child_process';

export interface Notifier {
  /** False when NOTIFY_SOCKET is unset (not started by systemd): every call is a no-op. */
  readonly enabled: boolean;
  /** Half of WATCHDOG_USEC when the watchdog is on for this process; ping at least this often. */
  readonly watchdogIntervalMs?: number;
  ready(status?: string): Promise<void>;
  watchdog(): Promise<void>;
  stopping(status?: string): Promise<void>;
  status(text: string): Promise<void>;
}

export interface NotifierOptions {
  /** The systemd-notify executable (default from PATH). */
  command?: string;
  /** Our pid (default process.pid): compared with WATCHDOG_PID and sent as MAINPID. */
  pid?: number;
  /** systemd-notify is killed after this long (default 10 s; its own barrier waits up to 5 s). */
  timeoutMs?: number;
  /** Told about each failed send; default: one line on stderr. */
  onError?: (err: Error) => void;
}

/** Ping interval from the environment systemd gives a service with WatchdogSec=. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number = process.pid): number | undefined {
  const usecText = env.WATCHDOG_USEC?.trim();
  if (!usecText || !/^\d+$/.test(usecText)) return undefined;
  const usec = Number(usecText);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited it must not ping.
  const forPid = env.WATCHDOG_PID?.trim();
  if (forPid && forPid !== String(pid)) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** One line per assignment: a newline inside a status would start a new (bogus) assignment. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

export function createNotifier(env: NodeJS.ProcessEnv = process.env, opts: NotifierOptions = {}): Notifier {
  const socket = env.NOTIFY_SOCKET;
  const pid = opts.pid ?? process.pid;
  const interval = watchdogIntervalMs(env, pid);
  if (!socket) {
    const none = async () => {};
    return { enabled: false, watchdogIntervalMs: interval, ready: none, watchdog: none, stopping: none, status: none };
  }
  const command = opts.command ?? 'systemd-notify';
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const onError = opts.onError ?? ((err: Error) => { process.stderr.write(`evidock: sd_notify: ${err.message}\n`); });
  let missing = false;
  let chain: Promise<void> = Promise.resolve();

  const sendNow = (args: string[]): Promise<void> => new Promise((resolve) => {
    if (missing) { resolve(); return; }
    let stderr = '';
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) onError(err);
      resolve();
    };
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NOTIFY_SOCKET: socket },
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`${command} ${args.join(' ')}: no answer after ${timeoutMs} ms`));
    }, timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        missing = true; // say it once, not every watchdog tick
        finish(new Error(`${command} is not installed; systemd will not hear READY/WATCHDOG (install systemd)`));
      } else {
        finish(err);
      }
    });
    child.on('close', (code, signal) => {
      if (code === 0) finish();
      else finish(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || `exit ${code ?? signal}`}`));
    });
  });

  const send = (args: string[]): Promise<void> => {
    const next = chain.then(() => sendNow(args));
    chain = next;
    return next;
  };
  const withStatus = (assignments: string[], status?: string) =>
    status === undefined ? assignments : [...assignments, `STATUS=${oneLine(status)}`];

  return {
    enabled: true,
    watchdogIntervalMs: interval,
    ready: (status) => send([`--pid=${pid}`, ...withStatus(['READY=1'], status)]),
    watchdog: () => send(['WATCHDOG=1']),
    stopping: (status) => send(withStatus(['STOPPING=1'], status)),
    status: (text) => send([`STATUS=${oneLine(text)}`]),
  };
}

export interface WatchdogOptions {
  /** Checked before each ping; while it says false no ping is sent and systemd restarts us. */
  healthy?: () => boolean;
  /**
   * What is wrong, checked before each ping: while it names a problem no ping is sent (systemd
   * restarts a daemon that can no longer do its job) and STATUS says why, once per change.
   */
  problem?: () => string | undefined;
}

/**
 * Pings WATCHDOG=1 every watchdogIntervalMs while healthy. Returns the function that stops it.
 * A no-op when the watchdog is off. The timer does not keep the process alive.
 */
export function startWatchdog(notifier: Notifier, opts: WatchdogOptions = {}): () => void {
  const every = notifier.watchdogIntervalMs;
  if (!notifier.enabled || every === undefined) return () => {};
  let inFlight = false;
  let told: string | undefined;
  const timer = setInterval(() => {
    if (inFlight || (opts.healthy && !opts.healthy())) return;
    let problem: string | undefined;
    try { problem = opts.problem?.(); } catch (err) { problem = `health check failed: ${(err as Error).message}`; }
    if (problem !== told) {
      void notifier.status(problem === undefined ? 'healthy again' : `unhealthy, watchdog withheld: ${problem}`);
      told = problem;
    }
    if (problem !== undefined) return;
    inFlight = true;
    void notifier.watchdog().finally(() => { inFlight = false; });
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}
