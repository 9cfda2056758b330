// This station's name in the bucket's metadata and in the central catalog: upstream.station, else the
// name its audit checkpoints carry (audit.station, else the host name).
import os from 'node:os';
import type { Config } from '../config/schema.js';

export function upstreamStation(config: Pick<Config, 'upstream'> & { audit?: { station?: string | undefined } | undefined }): string {
  return config.upstream?.station ?? config.audit?.station ?? os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The same name; the object half calls it so. */
export const stationName = upstreamStation;
