// The daemon's object upstream loop: a pass every intervalMs (sooner when kicked after an ingest),
// local pruning after each pass when upstream.pruneLocal is on. Never throws into the daemon: a
// problem is logged, and a configuration problem (credentials) raised as an alert once.
import type { Custody } from '../../custody/index.js';
import type { Config } from '../../config/schema.js';
import type { ObjectStore } from '../../store/index.js';
import type { Logger } from '../../util/logger.js';
import { stationName } from '../station.js';
import { bucketFor } from './index.js';
import { ObjectUpstream } from './worker.js';
import { pruneLocal } from './prune.js';

const PRUNE_EVERY_MS = 3_600_000;

export interface UpstreamLoop { kick(): void; stop(): Promise<void> }

export function startObjectUpstream(env: { custody: Custody; store: ObjectStore; config: Config; logger: Logger }, intervalMs = 30_000): UpstreamLoop | undefined {
  const { config, logger, custody } = env;
  if (config.upstream?.endpoint === undefined) return undefined;
  let bucket;
  try {
    bucket = bucketFor(config)!;
  } catch (err) {
    logger.error(`upstream objects off: ${(err as Error).message}`);
    custody.raiseAlert({ kind: 'upstream-config', severity: 'critical', subject: 'upstream', message: `objects are not sent to the backend server: ${(err as Error).message}` });
    return undefined;
  }
  const worker = new ObjectUpstream({ custody, store: env.store, config: { ...config, upstream: config.upstream }, bucket, station: stationName(config), logger });
  const abort = new AbortController();
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let again = false;
  let busy = false;
  let lastPrune = 0;
  const run = () => {
    if (abort.signal.aborted) return;
    if (busy) { again = true; return; }
    busy = true;
    if (timer) clearTimeout(timer);
    running = (async () => {
      try {
        const r = await worker.pass(abort.signal);
        if (r.stored || r.reused || r.locked || r.failed) {
          logger.info(`upstream: ${r.stored} object(s) stored, ${r.reused} already there, ${r.locked} lock(s) updated, ${r.failed} failed`);
        }
        // Pruning HEADs every object still local (and reads back the eligible ones): hourly is enough.
        if (config.upstream!.pruneLocal && r.outage === null && Date.now() - lastPrune >= PRUNE_EVERY_MS) {
          lastPrune = Date.now();
          const p = await pruneLocal(worker.env, { signal: abort.signal });
          if (p.pruned.length) logger.info(`upstream: ${p.pruned.length} local cop(ies) pruned (${p.bytesFreed} bytes), kept in the bucket`);
        }
      } catch (err) {
        if (!abort.signal.aborted) logger.warn(`upstream pass: ${(err as Error).message}`);
      } finally {
        busy = false;
        if (!abort.signal.aborted) {
          const pause = worker.pausedUntil - Date.now();
          // Objects still in their disk proof become due soon: look again in a few seconds, not a full interval.
          const proving = custody.proofBacklog().objects > 0;
          const wait = again ? 0 : pause > 0 ? Math.min(intervalMs, pause) : proving ? Math.min(intervalMs, 3_000) : intervalMs;
          again = false;
          timer = setTimeout(run, wait);
          timer.unref();
        }
      }
    })();
  };
  timer = setTimeout(run, 0);
  timer.unref();
  return {
    kick: run,
    stop: async () => {
      abort.abort();
      if (timer) clearTimeout(timer);
      await running;
      bucket.close();
    },
  };
}
