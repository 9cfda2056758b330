// `archive plan|build`: major recordings (and any asked for) not yet on a disc, grouped into
// volumes; each volume staged as a BagIt bag (payload mapped straight from the store, nothing
// copied), written by xorriso, re-verified from the image, then recorded in custody.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { discs as discRepo, retention as retRepo, cases as caseRepo, type Custody, type RecordingRow } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import { actorLabel, type Actor } from '../retention/actor.js';
import { planOptions } from '../retention/service.js';
import { categoryOf } from '../retention/plan.js';
import { BAGIT_TXT, bagInfoTxt, indexCsv, indexHtml, manifestTxt, readmeTxt, type BagInfo, type IndexRow } from './bag.js';
import { checkpointForDisc } from './checkpoint.js';
import { ArchiveUsageError, discLabel, mediaBytes, payloadName, planVolumes, type ArchiveItem, type Volume } from './media.js';
import { verifyDisc } from './verify.js';
import { buildImage } from './xorriso.js';

export interface ArchiveEnv {
  custody: Custody;
  store: ObjectStore;
  config: Pick<Config, 'dataDir' | 'unit' | 'archive' | 'retention' | 'timezone' | 'audit'>;
  now?: () => Date;
}

export class ArchiveIntegrityError extends Error {
  readonly exitCode = 3;
}

export function archiveDir(env: ArchiveEnv): string {
  return path.join(env.config.dataDir, 'archive');
}

/** Major recordings not yet on any disc, plus those asked for by id. */
export function archiveCandidates(env: ArchiveEnv, askedFor: number[] = []): ArchiveItem[] {
  const ctx = env.custody.ctx();
  const onDisc = discRepo.archivedRecordingIds(ctx);
  const def = planOptions(env.config).defaultCategory;
  const facts = retRepo.retentionFacts(ctx);
  const asked = new Set(askedFor);
  const missing = askedFor.filter((id) => !facts.some((f) => f.id === id));
  if (missing.length) throw new ArchiveUsageError(`no live recording ${missing.join(', ')}`);
  return facts
    .filter((f) => asked.has(f.id) || (categoryOf(f, def) === 'major' && !onDisc.has(f.id)))
    .map((f) => ({ recordingId: f.id, sha256: f.sha256, size: f.size, recordedStart: f.recordedAt, name: payloadName(f.id, f.sourcePath) }));
}

export function archivePlan(env: ArchiveEnv, opts: { media?: string; recordings?: number[] } = {}): { media: string; capacity: number; volumes: Volume[] } {
  const media = opts.media ?? env.config.archive.media;
  const capacity = mediaBytes(media);
  return { media, capacity, volumes: planVolumes(archiveCandidates(env, opts.recordings), capacity) };
}

export interface BuiltDisc { volume: string; image: string; sha256: string; files: number; bytes: number }

export interface BuildProgress { volume: string; index: number; count: number; phase: 'writing' | 'verifying'; percent: number }

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function custodyRecords(env: ArchiveEnv, items: ArchiveItem[]) {
  const ctx = env.custody.ctx();
  const ids = new Set(items.map((i) => i.recordingId));
  const byRec = caseRepo.casesByRecording(ctx);
  const facts = new Map(retRepo.retentionFacts(ctx, [...ids]).map((f) => [f.id, f]));
  const recordings: (RecordingRow & { category: string; importance: number; cases: string[] })[] = [];
  for (const it of items) {
    const r = env.custody.getRecording(it.recordingId);
    if (!r) throw new ArchiveUsageError(`recording ${it.recordingId} is no longer in custody`);
    const f = facts.get(it.recordingId);
    recordings.push({ ...r, category: f ? categoryOf(f, env.config.retention.defaultCategory) : 'routine', importance: f?.cls?.importance ?? 0,
      cases: (byRec.get(it.recordingId) ?? []).map((c) => c.no) });
  }
  // Every audit entry that names one of these recordings (commit, classification, links, holds …).
  const audit = env.custody.listAudit().filter((e) => {
    const p = e.payload as { recordingId?: unknown; recordingIds?: unknown } | null;
    if (p && typeof p === 'object') {
      if (typeof p.recordingId === 'number' && ids.has(p.recordingId)) return true;
      if (Array.isArray(p.recordingIds) && p.recordingIds.some((x) => ids.has(x as number))) return true;
    }
    return false;
  });
  return { recordings, audit };
}

/** Builds every planned volume; returns one entry per disc image. Refuses to record an image that does not verify. */
export async function buildArchive(env: ArchiveEnv, actor: Actor, opts: { media?: string; recordings?: number[]; station?: string; onProgress?: (p: BuildProgress) => void } = {}): Promise<BuiltDisc[]> {
  const { media, volumes } = archivePlan(env, opts);
  const dir = archiveDir(env);
  await mkdir(dir, { recursive: true });
  const ctx = env.custody.ctx(actorLabel(actor));
  const now = (env.now ?? (() => new Date()))();
  const station = opts.station ?? env.config.archive.station ?? os.hostname();
  const out: BuiltDisc[] = [];
  for (const [i, vol] of volumes.entries()) {
    const label = discLabel(env.config.archive.labelPrefix, now, discRepo.discLabelsLike(ctx, `${env.config.archive.labelPrefix}_`));
    const staging = path.join(dir, `staging-${label}`);
    const image = path.join(dir, `${label}.iso`);
    if (await stat(image).catch(() => undefined)) throw new ArchiveUsageError(`${image} already exists`);
    await rm(staging, { recursive: true, force: true });
    await mkdir(path.join(staging, 'data', 'custody'), { recursive: true });
    try {
      const { recordings, audit } = custodyRecords(env, vol.items);
      // Signed after the custody rows above were read: the checkpoint covers every audit entry on the disc.
      const cp = checkpointForDisc(env.custody, env.config);
      const meta: { path: string; data: Buffer }[] = [
        { path: 'data/custody/recordings.json', data: Buffer.from(`${JSON.stringify(recordings, null, 2)}\n`) },
        { path: 'data/custody/audit.jsonl', data: Buffer.from(audit.map((e) => JSON.stringify(e)).join('\n') + (audit.length ? '\n' : '')) },
        ...cp.files,
      ];
      const payload = [
        ...vol.items.map((it) => ({ path: `data/recordings/${it.name}`, sha256: it.sha256, size: it.size, disk: env.store.pathFor(it.sha256) })),
        ...meta.map((m) => ({ path: m.path, sha256: sha(m.data), size: m.data.length, disk: path.join(staging, m.path) })),
      ];
      for (const m of meta) await writeFile(path.join(staging, m.path), m.data);
      const info: BagInfo = {
        label, unitCode: env.config.unit.code, unitName: env.config.unit.name, station, baggingDate: now.toISOString(),
        payloadBytes: payload.reduce((n, p) => n + p.size, 0), payloadFiles: payload.length, volume: i + 1, volumes: volumes.length,
        recordings: vol.items.length, checkpoint: { station: cp.station, seq: cp.seq, hash: cp.hash, keyFingerprint: cp.keyFingerprint },
      };
      const rows: IndexRow[] = recordings.map((r) => ({
        recordingId: r.id, file: `data/recordings/${vol.items.find((it) => it.recordingId === r.id)!.name}`, sha256: r.sha256, size: r.size,
        device: r.device, badge: r.badge, recordedStart: r.correctedStart ?? r.recordedStart, category: r.category, cases: r.cases.join(' '),
      }));
      const tags: { path: string; text: string }[] = [
        { path: 'bagit.txt', text: BAGIT_TXT },
        { path: 'bag-info.txt', text: bagInfoTxt(info) },
        { path: 'manifest-sha256.txt', text: manifestTxt(payload) },
        { path: 'index.html', text: indexHtml(info, rows) },
        { path: 'index.csv', text: indexCsv(rows) },
        { path: 'README.txt', text: readmeTxt(info) },
      ];
      tags.push({ path: 'tagmanifest-sha256.txt', text: manifestTxt(tags.map((t) => ({ path: t.path, sha256: sha(t.text) }))) });
      for (const t of tags) await writeFile(path.join(staging, t.path), t.text);
      const progress = (phase: BuildProgress['phase'], percent: number) =>
        opts.onProgress?.({ volume: label, index: i + 1, count: volumes.length, phase, percent });
      await buildImage({
        image, volid: label, optionsFile: path.join(dir, `staging-${label}.xorriso`),
        map: [
          { disk: staging, iso: '/' },
          ...vol.items.map((it) => ({ disk: env.store.pathFor(it.sha256), iso: `/data/recordings/${it.name}` })),
        ],
      }, (p) => progress('writing', p));
      const check = await verifyDisc(image, (done, total) => progress('verifying', total ? (100 * done) / total : 100));
      if (!check.ok) {
        await rm(image, { force: true });
        throw new ArchiveIntegrityError(`${image} did not verify after writing; not recorded: ${check.bad.map((b) => `${b.path}: ${b.problem}`).join('; ')}`);
      }
      const imageSha = await sha256File(image);
      const bytes = (await stat(image)).size;
      discRepo.recordDiscBuilt(ctx, {
        label, imagePath: image, imageSha256: imageSha, bytes, files: payload.length + tags.length, media,
        items: vol.items.map((it) => ({ recordingId: it.recordingId, sha256: it.sha256 })),
      });
      out.push({ volume: label, image, sha256: imageSha, files: payload.length + tags.length, bytes });
    } finally {
      await rm(staging, { recursive: true, force: true });
      await rm(path.join(dir, `staging-${label}.xorriso`), { force: true });
    }
  }
  return out;
}
