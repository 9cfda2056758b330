// Interruptions (art. 9): a gap inside one activity of a camera, to be explained (voice note or
// written report) and reviewed by the unit head. Each step is audited; a gap is never deleted.
import { stmt } from './db.js';
import { audit, parseJson, writeTx, type Ctx } from './context.js';
import { ackAlert, listAlerts } from './alerts.js';

export type GapStatus = 'open' | 'explained' | 'approved' | 'rejected';

export interface GapExplanation {
  kind: 'voice' | 'text';
  recording?: number | undefined;
  text?: string | undefined;
  /** sha256 of a written report's attachment in the store */
  attachment?: { sha256: string; size: number; name: string } | undefined;
}

export interface GapInput {
  device: string;
  badge: string | null;
  beforeRecording: number;
  afterRecording: number;
  gapStart: string;
  gapEnd: string;
  gapSeconds: number;
}

export interface GapRow extends GapInput {
  id: number;
  status: GapStatus;
  detectedAt: string;
  explanation: GapExplanation | null;
  explainedBy: string | null;
  explainedAt: string | null;
  reviewedBy: string | null;
  reviewedAt: string | null;
  reviewReason: string | null;
}

const SELECT = `SELECT id, device_serial AS device, badge, before_recording AS beforeRecording, after_recording AS afterRecording,
  gap_start AS gapStart, gap_end AS gapEnd, gap_seconds AS gapSeconds, status, detected_at AS detectedAt, explanation,
  explained_by AS explainedBy, explained_at AS explainedAt, reviewed_by AS reviewedBy, reviewed_at AS reviewedAt,
  review_reason AS reviewReason FROM gaps`;

const toGap = (r: Record<string, unknown>): GapRow => ({ ...(r as unknown as GapRow), explanation: parseJson<GapExplanation | null>(r.explanation as string | null, null) });

/** Records a detected gap once (the pair of recordings is its identity); returns its id and whether it is new. */
export function addGap(ctx: Ctx, g: GapInput): { id: number; created: boolean } {
  return writeTx(ctx, () => {
    const had = stmt(ctx.db, 'SELECT id FROM gaps WHERE before_recording = ? AND after_recording = ?').get(g.beforeRecording, g.afterRecording) as { id: number } | undefined;
    if (had) return { id: had.id, created: false };
    const info = stmt(ctx.db, `INSERT INTO gaps (device_serial, badge, before_recording, after_recording, gap_start, gap_end, gap_seconds, detected_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(g.device, g.badge, g.beforeRecording, g.afterRecording, g.gapStart, g.gapEnd, g.gapSeconds, ctx.now());
    const id = Number(info.lastInsertRowid);
    audit(ctx, 'gap.detect', { gapId: id, ...g });
    return { id, created: true };
  });
}

export function getGap(ctx: Ctx, id: number): GapRow | undefined {
  const r = stmt(ctx.db, `${SELECT} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  return r ? toGap(r) : undefined;
}

export function listGaps(ctx: Ctx, opts: { open?: boolean | undefined; device?: string | undefined } = {}): GapRow[] {
  const rows = stmt(ctx.db, `${SELECT} WHERE (@open = 0 OR status IN ('open', 'explained', 'rejected'))
    AND (@device IS NULL OR device_serial = @device) ORDER BY gap_start, id`)
    .all({ open: opts.open ? 1 : 0, device: opts.device ?? null }) as Record<string, unknown>[];
  return rows.map(toGap);
}

/** An explanation replaces a rejected one too (the officer answers the rejection); approved gaps are closed. */
export function explainGap(ctx: Ctx, id: number, e: GapExplanation): GapRow {
  return writeTx(ctx, () => {
    const g = getGap(ctx, id);
    if (!g) throw new Error(`custody: no gap ${id}`);
    if (g.status === 'approved') throw new Error(`gap ${id} is already approved`);
    stmt(ctx.db, `UPDATE gaps SET status = 'explained', explanation = ?, explained_by = ?, explained_at = ?,
      reviewed_by = NULL, reviewed_at = NULL, review_reason = NULL WHERE id = ?`).run(JSON.stringify(e), ctx.actor, ctx.now(), id);
    audit(ctx, 'gap.explain', { gapId: id, ...e });
    return getGap(ctx, id)!;
  });
}

export function reviewGap(ctx: Ctx, id: number, decision: { approve: boolean; reason?: string | undefined }): GapRow {
  return writeTx(ctx, () => {
    const g = getGap(ctx, id);
    if (!g) throw new Error(`custody: no gap ${id}`);
    if (g.status !== 'explained') throw new Error(`gap ${id} is ${g.status}: only an explained gap is reviewed`);
    const status = decision.approve ? 'approved' : 'rejected';
    stmt(ctx.db, 'UPDATE gaps SET status = ?, reviewed_by = ?, reviewed_at = ?, review_reason = ? WHERE id = ?')
      .run(status, ctx.actor, ctx.now(), decision.reason ?? null, id);
    audit(ctx, `gap.${decision.approve ? 'approve' : 'reject'}`, { gapId: id, reason: decision.reason ?? null });
    // An approved interruption is settled: its alert is acknowledged by the reviewer.
    if (decision.approve) {
      for (const a of listAlerts(ctx, { open: true, kind: 'interruption', subject: `gap:${id}` })) ackAlert(ctx, a.id, ctx.actor, `gap ${id} explanation approved`);
    }
    return getGap(ctx, id)!;
  });
}
