// The daemon's checkpoints: a check every minute (a checkpoint once audit.checkpointEvery entries
// were appended, by the daemon or a CLI), one every hour when the head moved, one at stop.
import type { Config } from '../config/schema.js';
import type { Custody } from '../custody/index.js';
import type { Logger } from '../util/logger.js';
import { maybeCheckpoint, stationKeyDir } from './checkpoints.js';
import { ensureStationKey } from './station-key.js';

const CHECK_MS = 60_000;
const HOURLY_MS = 3_600_000;

export function startCheckpointTimers(custody: Custody, config: Pick<Config, 'dataDir' | 'audit'>, logger: Logger): { stop(): void } {
  ensureStationKey(stationKeyDir(config));
  const run = (force: boolean) => {
    try {
      const w = maybeCheckpoint(custody, config, logger, { force });
      if (w) logger.info(`audit checkpoint at seq ${w.seq} written to ${1 + w.copies.length} place(s)`);
    } catch (err) {
      logger.error(`audit checkpoint failed: ${(err as Error).message}`);
    }
  };
  const every = setInterval(() => run(false), CHECK_MS);
  const hourly = setInterval(() => run(true), HOURLY_MS);
  // Not unref'd: the daemon lives until stop() (which clears them), even with nothing to watch.
  return {
    stop() {
      clearInterval(every);
      clearInterval(hourly);
      run(true);
    },
  };
}
