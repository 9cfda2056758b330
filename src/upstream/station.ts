// This station's name in the bucket and the catalog: upstream.station, else audit.station, else the host name.
import os from 'node:os';
import type { Config } from '../config/schema.js';

export function stationName(config: Pick<Config, 'upstream'> & { audit?: { station?: string | undefined } | undefined }): string {
  return config.upstream?.station ?? config.audit?.station ?? os.hostname();
}
