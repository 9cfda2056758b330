// The daemon's catalog worker: replicate, wait, repeat. A failure (server down, network, a refused
// batch) closes the connection and waits with a capped exponential backoff before the next try; it
// never stops trying, since rows must not be lost, and never blocks docking (all waits are async,
// each SQLite read is one small batch). catalog-late is raised, deduplicated and at most hourly,
// while the oldest unsent change is older than upstream.alertAfterHours.
import type { Logger } from '../../util/logger.js';
import * as repo from '../../custody/catalog.js';
import { Catalog, redactDsn } from './pg.js';
import { replicateOnce, type ReplicateEnv, type ReplicateResult } from './replicate.js';
import { backoffMs, isLate, DEFAULT_BACKOFF, type Backoff } from './backoff.js';

export interface CatalogWorkerOptions { intervalMs?: number; batch?: number; backoff?: Backoff; logger?: Logger | undefined }
export interface CatalogWorker {
  /** Replicate now instead of at the next interval. */
  kick(): void;
  stop(): Promise<void>;
  /** Resolves after the next pass that ended (ok or failed). */
  nextPass(): Promise<{ ok: boolean; result?: ReplicateResult; error?: string }>;
}

const ALERT_EVERY_MS = 3_600_000;

export function connectFor(env: ReplicateEnv): Promise<Catalog> {
  const u = env.config.upstream;
  if (!u?.catalog) throw new Error('upstream.catalog is not configured');
  return Catalog.connect({ dsn: u.catalog, passwordFile: u.catalogPasswordFile });
}

export function startCatalogWorker(env: ReplicateEnv, opts: CatalogWorkerOptions = {}): CatalogWorker {
  const interval = opts.intervalMs ?? 30_000;
  const logger = opts.logger;
  const dsn = redactDsn(env.config.upstream?.catalog ?? '');
  let catalog: Catalog | undefined;
  let stopped = false;
  let failures = 0;
  let lastAlert = 0;
  let wake: (() => void) | undefined;
  let retryIn = 0;
  let kicked = false; // a kick during a pass: go again at once rather than after the interval
  let timer: NodeJS.Timeout | undefined;
  const waiters: ((p: { ok: boolean; result?: ReplicateResult; error?: string }) => void)[] = [];
  const ctx = () => env.custody.ctx();

  const checkLate = () => {
    const b = repo.backlog(ctx());
    const hours = env.config.upstream?.alertAfterHours ?? 24;
    if (!isLate(b.oldestAt, env.custody.now(), hours) || Date.now() - lastAlert < ALERT_EVERY_MS) return;
    lastAlert = Date.now();
    env.custody.raiseAlert({
      kind: 'catalog-late', severity: 'warning', subject: 'catalog',
      message: `${b.rows} row change(s) and ${b.auditEntries} audit entr${b.auditEntries === 1 ? 'y' : 'ies'} not yet in the catalog ${dsn}; `
        + `the oldest since ${b.oldestAt} (more than ${hours} h)`,
    });
  };

  const pass = async (): Promise<{ ok: boolean; result?: ReplicateResult; error?: string }> => {
    try {
      if (catalog?.broken) { await catalog.close(); catalog = undefined; }
      catalog ??= await connectFor(env);
      const result = await replicateOnce(env, catalog, { batch: opts.batch, stop: () => stopped });
      if (failures > 0) logger?.info(`catalog ${dsn} reachable again after ${failures} failed tr${failures === 1 ? 'y' : 'ies'}`);
      failures = 0;
      if (result.auditEntries || result.rows || result.deleted) {
        logger?.info('catalog replicated', { ...result, ms: Math.round(result.ms) });
      }
      return { ok: true, result };
    } catch (err) {
      const msg = (err as Error).message;
      failures++;
      await catalog?.close();
      catalog = undefined;
      if (stopped) return { ok: false, error: msg };
      try { repo.recordOutcome(ctx(), msg); } catch { /* custody closing */ }
      retryIn = backoffMs(failures, opts.backoff ?? DEFAULT_BACKOFF);
      logger?.warn(`catalog ${dsn}: ${msg} (try ${failures}, next in ${Math.round(retryIn / 100) / 10} s)`);
      return { ok: false, error: msg };
    } finally {
      try { if (!stopped) checkLate(); } catch (err) { logger?.warn(`catalog-late check: ${(err as Error).message}`); }
    }
  };

  const loop = (async () => {
    while (!stopped) {
      const outcome = await pass();
      for (const w of waiters.splice(0)) w(outcome);
      if (stopped) break;
      const wait = failures > 0 ? retryIn : kicked ? 0 : interval;
      kicked = false;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, wait);
      });
      wake = undefined;
    }
    await catalog?.close();
  })();

  return {
    kick: () => {
      if (!wake) { kicked = true; return; }
      if (failures > 0) return; // backing off: a dock does not shorten the wait for a server that is down
      if (timer) clearTimeout(timer);
      wake();
    },
    nextPass: () => new Promise((resolve) => waiters.push(resolve)),
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
