// Pure: a station row as JSON for the catalog and back (BLOBs as {"$b64": …}), and the id remapping
// that lets several stations' rows share one report database without colliding.

export function encodeRow(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_k, v: unknown) => {
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { $b64: Buffer.from((v as { data: number[] }).data).toString('base64') };
    }
    return v;
  });
}

export function decodeRow(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    out[k] = v && typeof v === 'object' && typeof (v as { $b64?: unknown }).$b64 === 'string' ? Buffer.from((v as { $b64: string }).$b64, 'base64') : v;
  }
  return out;
}

/** Stations' ids are kept apart by this factor: station n's row 15 becomes n·10⁹ + 15. */
export const STATION_ID_FACTOR = 1_000_000_000;

/** Columns holding a station-local integer id: id, seq, *_id, *_seq, *_recording (gaps.before_recording…). */
const ID_COLUMN = /^(id|seq)$|_(id|seq|recording)$/;
/** Alert subjects naming a local row (`gap:12`, `session:3`). */
const SUBJECT = /^(session|gap|recording|request|hold|disc|alert):(\d+)$/;

export function remapRow(row: Record<string, unknown>, offset: number): Record<string, unknown> {
  if (offset === 0) return row;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'number' && Number.isInteger(v) && ID_COLUMN.test(k)) {
      if (v >= STATION_ID_FACTOR) throw new RangeError(`catalog: ${k} ${v} is too large to keep stations apart`);
      out[k] = offset + v;
    } else if (k === 'subject' && typeof v === 'string' && SUBJECT.test(v)) {
      const m = SUBJECT.exec(v)!;
      out[k] = `${m[1]}:${offset + Number(m[2])}`;
    } else out[k] = v;
  }
  return out;
}
