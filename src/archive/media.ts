// Disc sizes and how recordings are grouped into volumes (pure).

/** Usable bytes of a blank disc (single-layer DVD±R, BD-R 25/50 GB). */
export const MEDIA_BYTES: Record<string, number> = {
  dvd: 4_700_372_992,
  bd25: 25_025_314_816,
  bd50: 50_050_629_632,
};

export class ArchiveUsageError extends Error {
  readonly exitCode = 2;
}

/** "dvd" | "bd25" | "bd50" | "700M" | "4G" | "123456" → bytes. */
export function mediaBytes(media: string): number {
  const m = media.trim().toLowerCase();
  const named = MEDIA_BYTES[m];
  if (named !== undefined) return named;
  const s = /^(\d+)([kmg]?)$/.exec(m);
  if (!s) throw new ArchiveUsageError(`--media must be dvd, bd25, bd50 or a size like 700M, got ${JSON.stringify(media)}`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[s[2] as '' | 'k' | 'm' | 'g'];
  const bytes = Number(s[1]) * mult;
  if (bytes < 16 * 1024 ** 2) throw new ArchiveUsageError(`--media ${media}: a disc smaller than 16 MiB holds nothing useful`);
  return bytes;
}

const BLOCK = 2048;
/** ISO 9660 + Joliet + Rock Ridge directory records, bag tag files, custody metadata, index. */
export const FIXED_RESERVE = 8 * 1024 ** 2;
export const PER_FILE_RESERVE = 8 * BLOCK;

export function blocks(bytes: number): number {
  return Math.ceil(bytes / BLOCK) * BLOCK;
}

export interface ArchiveItem { recordingId: number; sha256: string; size: number; recordedStart: string; name: string }
export interface Volume { volume: number; items: ArchiveItem[]; bytes: number }

/**
 * Fills volumes in recording order (so a disc covers a span of time), each up to the disc size
 * less a reserve for the file system and the bag's own files.
 */
export function planVolumes(items: ArchiveItem[], capacity: number): Volume[] {
  const room = capacity - FIXED_RESERVE;
  const sorted = [...items].sort((a, b) => a.recordedStart.localeCompare(b.recordedStart) || a.recordingId - b.recordingId);
  const out: Volume[] = [];
  let cur: Volume | undefined;
  for (const it of sorted) {
    const need = blocks(it.size) + PER_FILE_RESERVE;
    if (need > room) throw new ArchiveUsageError(`recording ${it.recordingId} (${it.size} bytes) does not fit on one disc of ${capacity} bytes`);
    if (!cur || cur.bytes + need > room) {
      cur = { volume: out.length + 1, items: [], bytes: 0 };
      out.push(cur);
    }
    cur.items.push(it);
    cur.bytes += need;
  }
  return out;
}

/** A file name safe on ISO 9660/Joliet/Rock Ridge and any desktop: `<id>-<name>`, at most 60 characters. */
export function payloadName(recordingId: number, sourcePath: string): string {
  const base = sourcePath.split(/[\\/]/).pop() ?? 'recording';
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'recording';
  const prefix = `${recordingId}-`;
  const max = 60 - prefix.length;
  if (safe.length <= max) return prefix + safe;
  const dot = safe.lastIndexOf('.');
  const ext = dot > 0 && safe.length - dot <= 8 ? safe.slice(dot) : '';
  return prefix + safe.slice(0, max - ext.length) + ext;
}

/** Volume label (ISO 9660 volume id, ≤ 32 characters): PREFIX_YYYYMMDD_NN. */
export function discLabel(prefix: string, at: Date, taken: string[]): string {
  const day = at.toISOString().slice(0, 10).replace(/-/g, '');
  const base = `${prefix}_${day}_`;
  let n = 1;
  while (taken.includes(`${base}${String(n).padStart(2, '0')}`)) n++;
  return `${base}${String(n).padStart(2, '0')}`;
}
