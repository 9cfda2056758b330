// The workstation daemon: dock detectors → per-camera ingest queue → summaries in the log.
// Stops on SIGTERM/SIGINT: the current file of each ingest is abandoned cleanly (its temp file
// removed, nothing committed), sessions end as interrupted, logs are flushed.
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { LoadedConfig } from '../config/load.js';
import { openCustody } from '../custody/index.js';
import { ObjectStore } from '../store/index.js';
import { createLogger, flushLogger } from '../util/logger.js';
import { watchMountRoots, type VolumeEvent } from '../dock/mountwatch.js';
import { profileForVolume } from '../profiles/identity.js';
import { ingestVolume } from '../ingest/ingest-volume.js';
import type { IngestSummary } from '../ingest/types.js';
import { KeyedQueue } from './queue.js';
import { writeState, clearState, type DaemonState } from './state.js';

export interface DaemonHandle {
  events: EventEmitter; // 'ingested' (summary), 'error' (err), 'ready'
  stop(): Promise<void>;
  done: Promise<void>;
}

export async function startDaemon(loaded: LoadedConfig, opts: { console?: boolean } = {}): Promise<DaemonHandle> {
  const { config, profiles } = loaded;
  const logger = createLogger({ dataDir: config.dataDir, level: config.log.level, console: opts.console, component: 'daemon' });
  const custody = openCustody(config.dataDir);
  const store = new ObjectStore(path.join(config.dataDir, 'store'));
  const queue = new KeyedQueue(config.ingest.concurrency);
  const abort = new AbortController();
  const events = new EventEmitter();
  const roots = config.dock.roots.map((r) => path.resolve(r));
  const state: DaemonState = {
    pid: process.pid, startedAt: new Date().toISOString(), updatedAt: '', roots, docked: [], ingesting: [], completed: 0,
  };
  const publish = () => { try { writeState(config.dataDir, state); } catch (err) { logger.warn(`cannot write daemon state: ${(err as Error).message}`); } };

  store.cleanStaleTemps();
  custody.markInterruptedSessions();
  logger.info(`evidock daemon started (pid ${process.pid}), data in ${config.dataDir}, config ${loaded.source}`);
  if (roots.length === 0) logger.warn('dock.roots is empty: no mount roots are watched');

  const handled = new Set<string>(); // volumes ingested during this docking; cleared when they go away

  const onVolume = async (root: string) => {
    if (handled.has(root) || queue.isBusy(root)) return;
    const profile = await profileForVolume(root, profiles);
    if (!profile) { logger.warn(`volume ${root} matches no profile marker; ignored`); return; }
    handled.add(root);
    state.docked.push({ root, since: new Date().toISOString() });
    publish();
    logger.info(`camera volume docked: ${root} (profile ${profile.name})`);
    const slot: DaemonState['ingesting'][number] = { root };
    queue.push({
      key: root,
      run: async () => {
        state.ingesting.push(slot);
        publish();
        try {
          return await ingestVolume({
            root, profile, config, signal: abort.signal,
            onProgress: (p) => { slot.file = p.file; slot.index = p.index; slot.total = p.total; },
          }, { custody, store, logger });
        } finally {
          state.ingesting = state.ingesting.filter((s) => s !== slot);
          publish();
        }
      },
    }).then((summary: IngestSummary) => {
      state.completed += 1;
      const d = state.docked.find((x) => x.root === root);
      if (d) d.device = summary.device;
      publish();
      events.emit('ingested', summary);
    }, (err: Error) => {
      handled.delete(root);
      logger.error(`ingest of ${root} failed: ${err.message}`);
      events.emit('ingest-error', { root, error: err });
    });
  };

  const watcher = watchMountRoots(roots, {
    isCamera: async (dir) => (await profileForVolume(dir, profiles)) !== undefined,
    settleMs: config.dock.settleMs,
  });
  watcher.on('volume', (ev: VolumeEvent) => { void onVolume(ev.dir); });
  watcher.on('gone', ({ dir }: VolumeEvent) => {
    handled.delete(dir);
    state.docked = state.docked.filter((d) => d.root !== dir);
    publish();
    logger.info(`camera volume removed: ${dir}`);
  });
  watcher.on('error', (err: Error) => logger.error(`mount watcher: ${err.message}`));
  publish();

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => { resolveDone = r; });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info(`stopping (${queue.active} ingest(s) running: the file being copied is abandoned, the session ends as interrupted)`);
      abort.abort();
      await watcher.close();
      await queue.onIdle();
      custody.close();
      clearState(config.dataDir);
      logger.info('evidock daemon stopped');
      await flushLogger(logger);
      resolveDone();
    })();
    return stopping;
  };
  setImmediate(() => events.emit('ready'));
  return { events, stop, done };
}
