// The workstation daemon: dock detectors (mount roots, block devices, USB hotplug) → one dock
// event per camera → per-camera ingest queue → summaries in the log and the custody database.
// Stops on SIGTERM/SIGINT: the current file of each ingest is abandoned cleanly (its temp file
// removed, nothing committed), sessions end as interrupted, mounts are released, logs flushed.
import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { EventEmitter } from 'node:events';
import type { LoadedConfig } from '../config/load.js';
import { openCustody } from '../custody/index.js';
import { storePipelineHealthy } from '../store/index.js';
import { proveBacklog } from '../ingest/proof-stage.js';
import { ObjectStore } from '../store/index.js';
import { createLogger, flushLogger, loggerEnded } from '../util/logger.js';
import { watchMountRoots, type VolumeEvent } from '../dock/mountwatch.js';
import { watchBlockDevices, releaseStaleMounts, type BlockDock, type DockFailure } from '../dock/blockwatch.js';
import { watchUsb, type UsbArrival } from '../dock/usbwatch.js';
import type { DockedVolume } from '../dock/volume.js';
import { KeyedQueue } from './queue.js';
import { writeState, clearState, type DaemonState } from './state.js';
import { runDockSession, type DockSessionResult } from '../session/dock-session.js';
import { mountedDevice } from '../dock/mounted-device.js';
import { createNotifier, startWatchdog } from './notify.js';
import { escapeControl } from '../util/escape.js';
import { acquireDaemonLock } from './lock.js';
import { startCheckpointTimers } from '../audit/timers.js';
import { syncRoster } from '../access/roster-sync.js';
import { secureDataDir } from '../access/datadir.js';
import { retentionJobs } from '../retention/schedule.js';
import { startScheduler } from '../schedule/scheduler.js';
import { complianceJobs } from '../compliance/jobs.js';
import { startAlertDelivery } from '../compliance/delivery-loop.js';
import { startObjectUpstream } from '../upstream/objects/loop.js';
import { startCatalogWorker } from '../upstream/catalog/worker.js';
import { dropOutboxUnconfigured } from '../custody/catalog.js';

async function hasEntries(dir: string): Promise<boolean> {
  try { return (await readdir(dir)).length > 0; } catch { return false; }
}

export interface DaemonHandle {
  events: EventEmitter; // 'ingested' (summary, volume), 'ingest-error', 'dock-failed', 'ready'
  stop(): Promise<void>;
  done: Promise<void>;
}

/** A health check: undefined when fine, else what is wrong (e.g. the store pipeline is wedged). */
export type HealthCheck = () => string | undefined;

export interface DaemonOptions {
  console?: boolean;
  /**
   * Checked before each systemd watchdog ping: while one reports a problem, WATCHDOG=1 is withheld
   * (systemd restarts the daemon) and STATUS says why. The store pipeline's health plugs in here.
   */
  healthChecks?: HealthCheck[];
  /** Environment for sd_notify (NOTIFY_SOCKET, WATCHDOG_USEC); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function startDaemon(loaded: LoadedConfig, opts: DaemonOptions = {}): Promise<DaemonHandle> {
  const { config, profiles } = loaded;
  // First of all: one daemon per dataDir (a second one exits 1 naming the holder's pid).
  const lock = await acquireDaemonLock(config.dataDir);
  const logger = createLogger({ dataDir: config.dataDir, level: config.log.level, console: opts.console, component: 'daemon' });
  const notifier = createNotifier(opts.env ?? process.env, { onError: (e) => logger.warn(`sd_notify: ${e.message}`) });
  const custody = openCustody(config.dataDir);
  const store = new ObjectStore(path.join(config.dataDir, 'store'));
  const queue = new KeyedQueue(config.ingest.concurrency);
  const abort = new AbortController();
  let backlogProof: Promise<void> = Promise.resolve();
  const events = new EventEmitter();
  const roots = config.dock.roots.map((r) => path.resolve(r));
  const state: DaemonState = {
    pid: process.pid, startedAt: new Date().toISOString(), updatedAt: '', roots, docked: [], ingesting: [], completed: 0,
  };
  const publish = () => {
    try { writeState(config.dataDir, state); } catch (err) { logger.warn(`cannot write daemon state: ${(err as Error).message}`); }
    void notifier.status(`${state.docked.length} docked, ${state.ingesting.length} ingesting, ${state.completed} done`);
  };

  // A bug must not kill the daemon silently: record it in the JSON log, then exit non-zero
  // (systemd restarts us; the next start marks the running sessions interrupted and resumes).
  // Once stop() has ended the logger a write would throw again inside this handler (Node then
  // exits 7 and the cause is lost): say it on stderr (the journal) instead.
  const fatal = (err: unknown) => {
    const text = `fatal: ${(err as Error)?.stack ?? String(err)}`;
    if (loggerEnded(logger)) {
      process.stderr.write(`evidock: ${text}\n`);
      process.exit(1);
    }
    logger.error(text);
    void flushLogger(logger).finally(() => process.exit(1));
  };
  process.once('uncaughtException', fatal);
  process.once('unhandledRejection', fatal);

  store.cleanStaleTemps();
  custody.markInterruptedSessions();
  try {
    syncRoster(custody, config, logger); // units, officers, roster devices from the YAML (each change audited)
  } catch (err) {
    logger.error(`roster not synced: ${(err as Error).message}`);
    custody.raiseAlert({ kind: 'roster.sync', severity: 'warning', message: `roster not synced from ${loaded.source}: ${(err as Error).message}` });
  }
  const checkpoints = startCheckpointTimers(custody, config, logger); // station key made here on first start
  try {
    secureDataDir(config.dataDir, config.access.serviceUser); // what root made here goes to the service account
  } catch (err) {
    logger.error(`data directory not handed to ${config.access.serviceUser ?? '?'}: ${(err as Error).message}`);
    custody.raiseAlert({ kind: 'access.datadir', severity: 'critical', message: `dataDir not owned by the service account: ${(err as Error).message}` });
  }
  // Compliance (issue 11): alerts reach people through the configured channels; scheduled jobs.
  const delivery = startAlertDelivery(custody, config, logger);
  // One scheduler for every periodic job: compliance's, and retention's daily run and weekly purge
  // digest (art. 14(2)); missed runs caught up once at start, never two at once.
  const scheduler = startScheduler([...complianceJobs({ custody, store, config }), ...retentionJobs({ custody, store, config })],
    { custody, logger, timezone: config.timezone });
  // Issue 14: verified objects go on to the backend bucket in the background (never in a dock's way).
  const upstream = startObjectUpstream({ custody, store, config, logger });
  // Issue 14: rows and audit entries to the central catalog, in the background (never in a dock's way).
  const catalogWorker = config.upstream?.catalog ? startCatalogWorker({ custody, config }, { logger }) : undefined;
  // Without a catalog the change outbox would only grow: emptied now and daily (all rows are queued again if one is configured).
  const dropOutbox = () => { try { dropOutboxUnconfigured(custody.ctx()); } catch (err) { logger.warn(`catalog outbox: ${(err as Error).message}`); } };
  if (!catalogWorker) dropOutbox();
  const outboxTimer = catalogWorker ? undefined : setInterval(dropOutbox, 86_400_000);
  outboxTimer?.unref();
  logger.info(`evidock daemon started (pid ${process.pid}), data in ${config.dataDir}, config ${loaded.source}`);
  if (roots.length === 0 && !config.dock.blockDevices) logger.warn('no dock.roots and dock.blockDevices off: nothing is watched');

  // A volume is handled once per docking: until its directory or device goes away.
  const handled = new Map<string, string>(); // key → volume root

  let stopRequested = false;
  // What happens after an ingest (unmount, state, alerts): stop() waits for these before it closes
  // the database and the log, else a camera released during stop wrote to both after they closed.
  const settling = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => { settling.add(p); void p.finally(() => settling.delete(p)); };
  const delays = config.dock.retryDelaysMs;
  const retryTimers = new Map<NodeJS.Timeout, () => void>(); // pending retry → what to do instead on stop
  const dockFailed = (what: string, deviceSerial: string | null, error: string, attempts: number) => {
    const message = `camera ${escapeControl(what)} could not be docked after ${attempts} tr${attempts === 1 ? 'y' : 'ies'}: ${escapeControl(error)}; `
      + 'unplug and dock it again to retry';
    logger.error(message);
    try { custody.raiseAlert({ kind: 'dock-failed', severity: 'critical', deviceSerial, message }); } catch (err) {
      logger.error(`cannot raise the dock-failed alert: ${(err as Error).message}`);
    }
  };
  const onVolume = (key: string, volume: DockedVolume, release?: () => Promise<void>) => {
    if (stopRequested || handled.has(key) || queue.isBusy(key)) { void release?.(); return; }
    handled.set(key, volume.root);
    state.docked.push({ root: volume.root, since: new Date().toISOString() });
    publish();
    logger.info(`camera volume docked: ${escapeControl(volume.root)} (${volume.source}${volume.device.path ? ` ${volume.device.path}` : ''})`);
    const unmount = () => release?.().catch((err: Error) => logger.warn(`releasing ${volume.root}: ${err.message}`));
    const slot: DaemonState['ingesting'][number] = { root: volume.root };
    // A failed session is tried again (the volume stays mounted meanwhile) while the camera stays docked;
    // after the last try a dock-failed alert tells someone. The volume is released once, at the end.
    const attempt = (n: number) => track(queue.push({
      key,
      run: async () => {
        state.ingesting.push(slot);
        publish();
        try {
          return await runDockSession(volume, loaded, { custody, store, logger }, {
            signal: abort.signal,
            onProgress: (p) => { slot.file = p.file; slot.index = p.index; slot.total = p.total; },
          });
        } finally {
          state.ingesting = state.ingesting.filter((s) => s !== slot);
          publish();
        }
      },
    }).then(async (summary: DockSessionResult) => {
      // Unmount now: the camera may stay plugged in, but evidock is done with it.
      await unmount();
      state.completed += 1;
      const d = state.docked.findLast((x) => x.root === volume.root);
      if (d) d.device = summary.device;
      publish();
      events.emit('ingested', summary, volume);
      void delivery.kick();
      upstream?.kick();
      catalogWorker?.kick();
    }, async (err: Error) => {
      const wait = delays[n];
      const stillDocked = handled.get(key) === volume.root;
      if (!stopRequested && stillDocked && wait !== undefined) {
        logger.warn(`ingest of ${escapeControl(volume.root)} failed (try ${n + 1}, next in ${Math.round(wait / 100) / 10} s): ${escapeControl(err.message)}`);
        const t = setTimeout(() => {
          retryTimers.delete(t);
          if (!stopRequested && handled.get(key) === volume.root) attempt(n + 1); else void unmount();
        }, wait);
        retryTimers.set(t, () => { track(unmount() ?? Promise.resolve()); });
        return;
      }
      await unmount();
      logger.error(`ingest of ${escapeControl(volume.root)} failed: ${escapeControl(err.message)}`);
      if (!stopRequested && stillDocked) {
        const dev = volume.device;
        dockFailed(`${volume.root}${dev.path ? ` (${dev.path}${dev.label ? ` label ${dev.label}` : ''}${dev.serial ? ` serial ${dev.serial}` : ''})` : ''}`,
          null, err.message, n + 1);
      }
      events.emit('ingest-error', { root: volume.root, error: err });
      void delivery.kick();
    }));
    attempt(0);
  };
  const onGone = (key: string) => {
    const root = handled.get(key);
    if (root === undefined) return;
    handled.delete(key);
    state.docked = state.docked.filter((d) => d.root !== root);
    publish();
    logger.info(`camera undocked: ${root}${key.startsWith('dev:') ? ` (${key.slice(4)})` : ''}`);
  };

  // 1. OS-automounted volumes under the watched roots.
  const mountWatcher = watchMountRoots(roots, {
    // Any mounted volume is a camera to ingest (unknown ones too): wait only until it has content,
    // since a mount over an empty directory raises no file event of its own.
    isCamera: hasEntries,
    settleMs: config.dock.settleMs,
  });
  // The device under an OS mount (when there is one) gives the label and the UUIDs.
  mountWatcher.on('volume', (ev: VolumeEvent) => {
    void mountedDevice(ev.dir).then((device) => onVolume(`dir:${ev.dir}`, { root: ev.dir, source: 'mount-root', device }));
  });
  mountWatcher.on('gone', (ev: VolumeEvent) => onGone(`dir:${ev.dir}`));
  mountWatcher.on('error', (err: Error) => logger.error(`mount watcher: ${err.message}`));

  // 2. Block devices nobody mounted: mounted read-only by us.
  const mountBase = path.join(config.dataDir, 'run', 'mnt');
  if (config.dock.blockDevices) await releaseStaleMounts(mountBase, logger).catch((err: Error) => logger.warn(`stale mounts: ${err.message}`));
  const blockWatcher = config.dock.blockDevices ? watchBlockDevices({
    includeLoopDevices: config.dock.includeLoopDevices,
    loopBackingDir: config.dock.loopBackingDir,
    mountRoots: roots,
    mountBase,
    pollMs: config.dock.pollMs,
    retryDelaysMs: delays,
    log: logger,
  }) : undefined;
  blockWatcher?.on('docked', (d: BlockDock) => onVolume(`dev:${d.volume.device.path}`, d.volume, d.release));
  blockWatcher?.on('undocked', (dev: string) => onGone(`dev:${dev}`));
  blockWatcher?.on('error', (err: Error) => logger.warn(`block devices: ${err.message}`));
  blockWatcher?.on('dock-failed', (f: DockFailure) => {
    dockFailed(`${f.device}${f.label ? ` label ${f.label}` : ''}${f.serial ? ` serial ${f.serial}` : ''}`, null, `mount failed: ${f.error}`, f.attempts);
    events.emit('dock-failed', f);
  });

  // 3. USB hotplug: a camera's USB attach makes the block watcher look at once.
  const usbWatcher = await watchUsb(profiles, logger);
  usbWatcher.on('attach', (a: UsbArrival) => {
    logger.info(`USB device attached: ${a.vid}:${a.pid}${a.serial ? ` serial ${a.serial}` : ''}${a.profile ? ` (USB id listed by profile ${a.profile})` : ''}`);
    // The disk shows up 1–3 s after the USB attach: look a few times.
    for (const ms of [300, 1000, 2000, 3500]) setTimeout(() => blockWatcher?.rescan(), ms).unref();
  });
  usbWatcher.on('detach', (a: UsbArrival) => { logger.info(`USB device detached: ${a.vid}:${a.pid}`); blockWatcher?.rescan(); });
  publish();

  // Runs until stopped, even when nothing is watched (no roots, block devices off).
  const keepAlive = setInterval(() => {}, 1 << 30);

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => { resolveDone = r; });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopRequested = true;
    stopping ??= (async () => {
      stopWatchdog();
      void notifier.stopping(`stopping: ${queue.active} ingest(s) interrupted`);
      logger.info(`stopping (${queue.active} dock(s) in hand: a file being copied is abandoned and its session ends as interrupted)`);
      abort.abort();
      for (const [t, instead] of retryTimers) { clearTimeout(t); instead(); }
      retryTimers.clear();
      await mountWatcher.close();
      await usbWatcher.close();
      await queue.onIdle();
      while (settling.size > 0) await Promise.allSettled([...settling]);
      await blockWatcher?.close();
      await backlogProof;
      scheduler.stop();
      await scheduler.idle();
      await delivery.kick(); // what this stop's last sessions raised
      await delivery.stop();
      checkpoints.stop(); // and a last checkpoint of the head
      await upstream?.stop();
      await catalogWorker?.stop();
      if (outboxTimer) clearInterval(outboxTimer);
      custody.close();
      clearState(config.dataDir);
      logger.info('evidock daemon stopped');
      await flushLogger(logger);
      await lock.release();
      clearInterval(keepAlive);
      resolveDone();
    })();
    return stopping;
  };
  // The store pipeline's own health (a wedged or repeatedly dying hash worker) always counts.
  const storeCheck: HealthCheck = () => (storePipelineHealthy() ? undefined : 'the store pipeline is wedged (hash workers stalled or dying)');
  const healthChecks = [storeCheck, ...(opts.healthChecks ?? [])];
  let lastProblem: string | undefined;
  const stopWatchdog = startWatchdog(notifier, {
    healthy: () => stopping === undefined,
    problem: () => {
      const p = healthChecks.map((check) => check()).find((x) => x !== undefined);
      if (p !== lastProblem) {
        if (p === undefined) logger.info('healthy again: systemd watchdog pings resume');
        else logger.error(`unhealthy, systemd watchdog withheld (systemd will restart evidock): ${p}`);
        lastProblem = p;
      }
      return p;
    },
  });
  // Objects a previous run stored but did not yet prove from the disk are proven now, not at the next dock.
  backlogProof = proveBacklog({ custody, store, logger }, { signal: abort.signal }).then(() => undefined, (err: Error) => {
    logger.error(`disk proof of the backlog failed: ${err.message}`);
  });
  setImmediate(() => { events.emit('ready'); void notifier.ready(`watching ${roots.length} dock root(s) and block devices`); });
  return { events, stop, done };
}
