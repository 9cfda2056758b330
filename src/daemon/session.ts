// One docked volume → one dock session, the same steps `evidock ingest` runs (runDockSession).
import type { LoadedConfig } from '../config/load.js';
import type { DockedVolume } from '../dock/volume.js';
import { runDockSession, type DockSessionResult } from '../session/dock-session.js';
import { readLabelSidecar } from '../ingest/directory-volume.js';
import type { IngestDeps } from '../ingest/ingest-volume.js';
import type { IngestProgress } from '../ingest/types.js';

export async function runVolumeSession(
  volume: DockedVolume, loaded: LoadedConfig, deps: IngestDeps,
  opts: { signal?: AbortSignal; onProgress?: (p: IngestProgress) => void },
): Promise<DockSessionResult> {
  // A plain directory under a mount root has no block-device label: take the sidecar if any.
  if (volume.source === 'mount-root' && !volume.device.label) {
    const label = await readLabelSidecar(volume.root);
    if (label) volume = { ...volume, device: { ...volume.device, label } };
  }
  return runDockSession(volume, loaded, deps, opts);
}
