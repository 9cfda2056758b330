// A case file (art. 2–3): its recordings and written records by procedure stage, complete and
// traceable — a purged recording shows as its tombstone, never silently absent.
import path from 'node:path';
import { cases as repo, retention as retRepo, type Custody } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import { actorLabel, type Actor } from './actor.js';
import { isStage, STAGES } from './rules.js';

export class CaseUsageError extends Error {
  readonly exitCode = 2;
}

export function requireStage(stage: string): string {
  if (!isStage(stage)) throw new CaseUsageError(`--stage must be one of ${STAGES.join(' ')}, got ${JSON.stringify(stage)}`);
  return stage;
}

/** Stores each file in the object store (hashed, verified, read-only) and records it with the case. */
export async function attachDocuments(custody: Custody, store: ObjectStore, actor: Actor, no: string, files: string[], stage: string, title?: string) {
  requireStage(stage);
  const ctx = custody.ctx(actorLabel(actor));
  if (!repo.getCase(ctx, no)) throw new CaseUsageError(`no case ${no}`);
  const out = [];
  for (const f of files) {
    const stored = await store.ingestFile(path.resolve(f));
    out.push(repo.addDocument(ctx, { caseNo: no, stage, title: title ?? null, fileName: path.basename(f), sha256: stored.sha256, size: stored.size }));
  }
  return out;
}

export interface CaseFileRecording {
  recordingId: number; status: 'live' | 'purged'; sha256: string | null; size: number | null; device: string | null;
  badge: string | null; recordedStart: string | null; sourcePath: string | null; purgedAt?: string;
}

export interface CaseFile {
  case: repo.CaseRow & { status: 'open' | 'closed' };
  stages: { stage: string; recordings: CaseFileRecording[]; documents: repo.CaseDocumentRow[] }[];
  holds: number[];
}

export function caseFile(custody: Custody, no: string): CaseFile {
  const ctx = custody.ctx();
  const c = repo.getCase(ctx, no);
  if (!c) throw new CaseUsageError(`no case ${no}`);
  const links = repo.caseLinks(ctx, no);
  const docs = repo.caseDocuments(ctx, no);
  const tombs = new Map(retRepo.listTombstones(ctx).map((t) => [t.recordingId, t]));
  const rec = (id: number): CaseFileRecording => {
    const r = custody.getRecording(id);
    if (r) return { recordingId: id, status: 'live', sha256: r.sha256, size: r.size, device: r.device, badge: r.badge, recordedStart: r.correctedStart ?? r.recordedStart, sourcePath: r.sourcePath };
    const t = tombs.get(id);
    return { recordingId: id, status: 'purged', sha256: t?.sha256 ?? null, size: t?.size ?? null, device: t?.deviceSerial ?? null, badge: t?.badge ?? null,
      recordedStart: t?.recordedStart ?? null, sourcePath: t?.sourcePath ?? null, ...(t ? { purgedAt: t.purgedAt } : {}) };
  };
  const order = ['', ...STAGES];
  // A recording filed under a stage is not listed again as "no stage" (classify --case links it so first).
  const staged = new Set(links.filter((l) => l.stage !== '').map((l) => l.recordingId));
  const stages = order.map((stage) => ({
    stage,
    recordings: links.filter((l) => l.stage === stage && (stage !== '' || !staged.has(l.recordingId))).map((l) => rec(l.recordingId)),
    documents: docs.filter((d) => d.stage === stage),
  })).filter((s) => s.recordings.length || s.documents.length);
  const holds = repo.listHolds(ctx, { active: true }).filter((h) => h.caseNo === no).map((h) => h.id);
  return { case: { ...c, status: c.closedAt === null ? 'open' : 'closed' }, stages, holds };
}
