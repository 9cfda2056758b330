// The daemon's alert delivery: every few seconds (and at once when kicked) new alerts are queued per
// channel and what is due is delivered; rounds never overlap. At start, deliveries that gave up in
// the last week are tried again.
import type { Config } from '../config/schema.js';
import type { Custody } from '../custody/index.js';
import type { Logger } from '../util/logger.js';
import { deliverDue, fanOut, type ChannelDeps } from './channels.js';

const ROUND_MS = 5_000;

export function startAlertDelivery(custody: Custody, config: Pick<Config, 'alerts' | 'timezone' | 'unit'>, logger: Logger,
  opts: { roundMs?: number; now?: () => Date } = {}): { kick(): Promise<void>; stop(): Promise<void> } {
  const deps: ChannelDeps = { custody, logger, station: config.unit.code, timezone: config.timezone, now: opts.now };
  const channels = config.alerts.channels;
  const retried = custody.deliveries.retryFailedSince(new Date((opts.now?.() ?? new Date()).getTime() - 7 * 86_400_000).toISOString());
  if (retried) logger.info(`alert delivery: ${retried} delivery(ies) that failed before the restart are tried again`);
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const round = (): Promise<void> => {
    if (stopped) return running ?? Promise.resolve(); // the database may be closed after stop
    if (running) { again = true; return running; }
    running = (async () => {
      do {
        again = false;
        try {
          fanOut(channels, deps);
          await deliverDue(channels, deps);
        } catch (err) {
          logger.error(`alert delivery: ${(err as Error).message}`);
        }
      } while (again && !stopped);
    })().finally(() => { running = undefined; });
    return running;
  };
  const timer = setInterval(() => { void round(); }, opts.roundMs ?? ROUND_MS);
  timer.unref();
  void round();
  return {
    kick: round,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
