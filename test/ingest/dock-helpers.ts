// Shared set-up for dock-session tests: a data dir with real custody and store, the built-in
// profiles with the zfy one pointed at the simulated vendor library.
import fs from 'node:fs';
import path from 'node:path';
import { openCustody, type Custody } from '../../src/custody/index.js';
import { ObjectStore } from '../../src/store/index.js';
import { createLogger, type Logger } from '../../src/util/logger.js';
import { BUILTIN_PROFILES } from '../../src/profiles/builtin.js';
import { directoryVolume } from '../../src/ingest/directory-volume.js';
import type { DockedVolume } from '../../src/dock/volume.js';
import { configSchema, type Config, type Profile } from '../../src/config/schema.js';
import { SIM_LIB } from '../probes/zfy-sim.js';
import { tempDir } from '../helpers/volumes.js';

/** The built-in profiles, zfy-generic's library the simulated one; `zfySimDir` points it at a camera (zfy.env). */
export function profilesFor(zfySimDir?: string, zfy: Partial<NonNullable<Profile['zfy']>> = {}): Profile[] {
  return BUILTIN_PROFILES.map((p) => (p.name === 'zfy-generic'
    ? { ...p, zfy: { library: SIM_LIB, password: '000000', infoLayout: 94, ...(zfySimDir ? { env: { ZFY_SIM_DIR: zfySimDir } } : {}), ...zfy } }
    : p));
}
export const PROFILES: Profile[] = profilesFor();

/** A simulated ZFY camera's directory as docked: the SCSI strings a real one shows on USB. */
export async function zfyCameraVolume(dir: string): Promise<DockedVolume> {
  return { ...(await directoryVolume(dir)), device: { vendor: 'ZFY', model: 'DSJ-Y1' } };
}

export interface Station { dir: string; dataDir: string; custody: Custody; store: ObjectStore; logger: Logger; config: Config; close(): void }

export function station(cfg: Record<string, unknown> = {}): Station {
  const dir = tempDir('dock');
  const dataDir = path.join(dir, 'data');
  const custody = openCustody(dataDir);
  const store = new ObjectStore(path.join(dataDir, 'store'));
  const logger = createLogger({ dataDir, console: false });
  const config = configSchema.parse({ dataDir, timezone: '+08:00', ...cfg });
  return { dir, dataDir, custody, store, logger, config, close: () => { custody.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

export const ctxOf = (s: Station, profiles: Profile[] = PROFILES) => ({ profiles, config: s.config });

/** A directory standing for a camera volume whose file system carries `label` (a directory has no label of its own). */
export async function labelledVolume(dir: string, label: string): Promise<DockedVolume> {
  const v = await directoryVolume(dir);
  return { ...v, device: { ...v.device, label } };
}
