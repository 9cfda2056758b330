// `archive burn`: write a built image to a disc, read the disc back, record it.
import { stat } from 'node:fs/promises';
import { discs as discRepo, type Custody } from '../custody/index.js';
import { actorLabel, type Actor } from '../retention/actor.js';
import { ArchiveUsageError } from './media.js';
import { verifyDisc, type DiscVerification } from './verify.js';
import { burnImage, listDrives } from './xorriso.js';

export class NoDriveError extends Error {
  readonly exitCode = 1;
}

export interface BurnResult { volume: string; drive: string; image: string; verified: boolean; check: DiscVerification }

export async function burnDisc(custody: Custody, actor: Actor, label: string, opts: { drive?: string; storedWhere?: string; onPercent?: (phase: string, p: number) => void } = {}): Promise<BurnResult> {
  const ctx = custody.ctx(actorLabel(actor));
  const disc = discRepo.getDisc(ctx, label);
  if (!disc) throw new ArchiveUsageError(`no disc ${label} (evidock archive list)`);
  const drive = opts.drive ?? (await listDrives())[0];
  if (!drive) throw new NoDriveError(`no optical drive found (xorriso -devices lists none): the image stays ready at ${disc.imagePath}`);
  // xorriso would happily "burn" to any file path; only a device is a drive.
  // "stdio:/dev/…" is xorriso's address for a device that is not an MMC optical drive.
  const st = await stat(drive.replace(/^stdio:/, '')).catch(() => undefined);
  if (!st) throw new NoDriveError(`drive ${drive} does not exist: the image stays ready at ${disc.imagePath}`);
  if (!st.isBlockDevice() && !st.isCharacterDevice()) throw new ArchiveUsageError(`${drive} is not a device (an optical drive such as /dev/sr0)`);
  await burnImage(drive, disc.imagePath, (p) => opts.onPercent?.('burning', p));
  const check = await verifyDisc(drive, (d, t) => opts.onPercent?.('verifying', t ? (100 * d) / t : 100));
  discRepo.recordDiscBurned(ctx, label, { drive, verified: check.ok, storedWhere: opts.storedWhere ?? null, problems: check.bad.map((b) => `${b.path}: ${b.problem}`) });
  return { volume: label, drive, image: disc.imagePath, verified: check.ok, check };
}
