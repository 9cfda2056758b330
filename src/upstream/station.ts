// This station's name in the bucket and the catalog: upstream.station, else audit.station, else the host name.
import type { Config } from '../config/schema.js';
import { stationName } from '../audit/checkpoints.js';

export function upstreamStation(config: Pick<Config, 'upstream' | 'audit'>): string {
  return config.upstream?.station ?? stationName(config as Pick<Config, 'audit' | 'dataDir'>);
}
