// `evidock view REQUEST REC`: a watermarked temporary copy (mode 0600 in a private temp dir),
// shown with the player from YAML or handed to `show` (the CLI prints its path and waits), and
// removed afterwards whatever happens. The view is audited before the copy is shown.
import { chmodSync, rmSync } from 'node:fs';
import { findCjkFont } from '../media/index.js';
import { makeCopy, watermarkLines } from './copies.js';
import { runPlayer } from './player.js';
import { authorizeUse, recordUse, type AccessDeps } from './service.js';
import { stagingDir } from './staging.js';
import type { Actor } from './types.js';

export interface ViewResult { request: number; recordingId: number; copySha256: string; removed: boolean; playerExit?: number }

export async function viewRecording(deps: AccessDeps, actor: Actor, id: number, recordingId: number,
  show: (file: string) => Promise<void>): Promise<ViewResult> {
  const grant = authorizeUse(deps, actor, id, 'view', [recordingId]);
  const dir = stagingDir('view', deps.dataDir);
  try {
    const at = deps.custody.now();
    const lines = watermarkLines({ request: id, unit: deps.station.code, at, badge: actor.badge, name: deps.roster.nameOf(actor.badge) ?? actor.name, use: 'view' });
    const copy = await makeCopy(deps.store, grant.recordings[0]!, dir, lines, findCjkFont(deps.settings.font));
    chmodSync(copy.file, 0o600);
    recordUse(deps, actor, grant, 'view', {
      recordingId, originalSha256: copy.originalSha256, copySha256: copy.sha256, watermark: copy.watermark,
      player: deps.settings.player?.[0] ?? null,
    });
    let playerExit: number | undefined;
    if (deps.settings.player) playerExit = await runPlayer(deps.settings.player, copy.file);
    else await show(copy.file);
    return { request: id, recordingId, copySha256: copy.sha256, removed: true, ...(playerExit === undefined ? {} : { playerExit }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
