// One docked volume → one dock session. Kept apart from the daemon so `evidock ingest` and the
// daemon run the same steps.
import type { LoadedConfig } from '../config/load.js';
import type { DockedVolume } from '../dock/volume.js';
import { chooseProfile } from '../ingest/choose-profile.js';
import { ingestVolume, type IngestDeps } from '../ingest/ingest-volume.js';
import type { IngestSummary, IngestProgress } from '../ingest/types.js';

export async function runVolumeSession(
  volume: DockedVolume, loaded: LoadedConfig, deps: IngestDeps,
  opts: { signal?: AbortSignal; onProgress?: (p: IngestProgress) => void },
): Promise<IngestSummary> {
  const profile = await chooseProfile(volume.root, loaded.profiles);
  return ingestVolume({
    root: volume.root, profile, config: loaded.config, signal: opts.signal, onProgress: opts.onProgress,
    hints: volume.device.serial ? { usbSerial: volume.device.serial } : {},
  }, deps);
}
