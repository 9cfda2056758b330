// Archive discs (刻录, art. 14(2)): which recordings went onto which disc image, when it was
// burned, whether the burned disc read back correctly, and where it is kept.
import { stmt } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';

export interface DiscRow {
  id: number; label: string; imagePath: string; imageSha256: string; bytes: number; files: number; media: string;
  builtAt: string; builtBy: string; burnedAt: string | null; burnedBy: string | null; drive: string | null;
  verifiedAt: string | null; storedWhere: string | null; recordingIds: number[];
}

export interface DiscInput {
  label: string; imagePath: string; imageSha256: string; bytes: number; files: number; media: string;
  items: { recordingId: number; sha256: string }[];
}

const COLS = `id, label, image_path AS imagePath, image_sha256 AS imageSha256, bytes, files, media, built_at AS builtAt, built_by AS builtBy,
  burned_at AS burnedAt, burned_by AS burnedBy, drive, verified_at AS verifiedAt, stored_where AS storedWhere`;

function withItems(ctx: Ctx, d: Omit<DiscRow, 'recordingIds'> | undefined): DiscRow | undefined {
  if (!d) return undefined;
  const ids = (stmt(ctx.db, 'SELECT recording_id AS id FROM disc_items WHERE disc_id = ? ORDER BY recording_id').all(d.id) as { id: number }[]).map((r) => r.id);
  return { ...d, recordingIds: ids };
}

export function getDisc(ctx: Ctx, label: string): DiscRow | undefined {
  return withItems(ctx, stmt(ctx.db, `SELECT ${COLS} FROM discs WHERE label = ?`).get(label) as Omit<DiscRow, 'recordingIds'> | undefined);
}

export function listDiscs(ctx: Ctx): DiscRow[] {
  return (stmt(ctx.db, `SELECT ${COLS} FROM discs ORDER BY id`).all() as Omit<DiscRow, 'recordingIds'>[]).map((d) => withItems(ctx, d)!);
}

/** Labels already used with this prefix, so the next volume gets the next number. */
export function discLabelsLike(ctx: Ctx, prefix: string): string[] {
  return (stmt(ctx.db, "SELECT label FROM discs WHERE substr(label, 1, length(?)) = ? ORDER BY label").all(prefix, prefix) as { label: string }[]).map((r) => r.label);
}

/** recordingIds already on some disc image. */
export function archivedRecordingIds(ctx: Ctx): Set<number> {
  return new Set((stmt(ctx.db, 'SELECT DISTINCT recording_id AS id FROM disc_items').all() as { id: number }[]).map((r) => r.id));
}

export function recordDiscBuilt(ctx: Ctx, d: DiscInput): DiscRow {
  return writeTx(ctx, () => {
    const info = stmt(ctx.db, `INSERT INTO discs (label, image_path, image_sha256, bytes, files, media, built_at, built_by)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(d.label, d.imagePath, d.imageSha256, d.bytes, d.files, d.media, ctx.now(), ctx.actor);
    const id = Number(info.lastInsertRowid);
    for (const it of d.items) stmt(ctx.db, 'INSERT INTO disc_items (disc_id, recording_id, sha256) VALUES (?, ?, ?)').run(id, it.recordingId, it.sha256);
    audit(ctx, 'archive.disc.built', {
      label: d.label, imageSha256: d.imageSha256, bytes: d.bytes, files: d.files, media: d.media,
      recordingIds: d.items.map((i) => i.recordingId),
    });
    return getDisc(ctx, d.label)!;
  });
}

export function recordDiscBurned(ctx: Ctx, label: string, input: { drive: string; verified: boolean; storedWhere: string | null; problems: string[] }): DiscRow {
  return writeTx(ctx, () => {
    const now = ctx.now();
    const n = stmt(ctx.db, 'UPDATE discs SET burned_at = ?, burned_by = ?, drive = ?, verified_at = ?, stored_where = COALESCE(?, stored_where) WHERE label = ?')
      .run(now, ctx.actor, input.drive, input.verified ? now : null, input.storedWhere, label).changes;
    if (n !== 1) throw new Error(`custody: no disc ${label}`);
    audit(ctx, 'archive.disc.burned', { label, drive: input.drive, verified: input.verified, storedWhere: input.storedWhere, problems: input.problems });
    return getDisc(ctx, label)!;
  });
}
