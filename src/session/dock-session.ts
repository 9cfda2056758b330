// One docked camera, start to end: match a profile → identify → dock-time checks → ingest (times
// corrected by the measured clock offset) → set the camera's clock → optional wipe → alerts.
// The daemon and `evidock ingest` both run a dock through here.
import path from 'node:path';
import type { Config, Profile } from '../config/schema.js';
import type { DockedVolume } from '../dock/volume.js';
import type { AlertSeverity } from '../custody/index.js';
import { matchProfile, type DockFacts } from '../profiles/match.js';
import { UNKNOWN_CAMERA_PROFILE } from '../profiles/builtin.js';
import { enumerateVolume } from '../profiles/enumerate.js';
import { parseFileName } from '../profiles/filename.js';
import { identifyCamera, type CameraIdentity, type IdentitySource } from '../profiles/identity.js';
import { readZfyCamera, type ZfyReading } from '../profiles/zfy.js';
import { isUnidentified, unidentifiedIdentity } from '../profiles/unidentified.js';
import { runDockChecks, sessionChecksOf, checksJson, type DockChecks, type DockChecksJson } from '../checks/checks.js';
import { correctionWindow, syncCameraClock, type ClockSyncResult } from '../checks/clock.js';
import { ingestVolume, type IngestDeps } from '../ingest/ingest-volume.js';
import { wipeVerified, type WipeResult } from './wipe.js';
import { proveBacklog, type ProofPass } from '../ingest/proof-stage.js';
import { sessionGuard, type SessionGuard } from './session-guard.js';
import { checkIdentity } from '../profiles/identity-rules.js';
import { conflictingPaths, twiceDocked } from './identity-checks.js';
import { auditedVolume } from './audited-volume.js';
import { rulesOf, scanAfterDock } from '../compliance/scan.js';
import { equipmentFlags } from '../compliance/rules.js';
import type { IngestProgress, IngestSummary } from '../ingest/types.js';

/** `--profile NAME` names no profile: a usage error (exit 2). */
export class ProfileError extends Error { exitCode = 2; }

export interface DockSessionContext {
  profiles: readonly Profile[];
  config: Pick<Config, 'timezone' | 'devices' | 'clock'> & { storage?: Partial<Config['storage']> | undefined } & Partial<Pick<Config, 'rules' | 'unit'>>;
}

export interface DockSessionOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((p: IngestProgress) => void) | undefined;
  /** Use this profile instead of matching one (`evidock ingest --profile`). */
  profileName?: string | undefined;
  /** Overrides the profile's wipe policy (`evidock ingest --wipe`). */
  wipe?: boolean | undefined;
  now?: (() => Date) | undefined;
  /** Wait for the disk proof of what was stored (`evidock ingest`); the daemon lets it run behind. Wiping always waits. */
  awaitProof?: boolean | undefined;
}

export interface DockAlert { id: number; kind: string; severity: AlertSeverity; message: string }

export interface DockSessionResult extends IngestSummary {
  /** Dock-time checks (art. 10), JSON-ready. */
  checks: DockChecksJson;
  /** false: no profile matched; the files were ingested with the fallback profile. */
  profileMatched: boolean;
  identitySource: IdentitySource;
  /** Why the camera counts as unknown (empty: a known, assigned camera). */
  unknown: ('no-profile' | 'no-identity' | 'not-in-roster')[];
  clockSync: ClockSyncResult | { skipped: string } | null;
  wipe: WipeResult | { skipped: string } | null;
  alerts: DockAlert[];
  /** Every object this session's recordings name has its disk proof (stored → verified). */
  verified: boolean;
  /** The disk-proof pass this dock waited for (null: it runs behind, see `status`). */
  proof: ProofPass | { error: string } | null;
  /** Seconds from the dock to every file stored (durable, committed) and to the disk proof (null: not waited for). */
  timing: { storedS: number; verifiedS: number | null };
}

export function dockFacts(volume: DockedVolume): DockFacts {
  const d = volume.device;
  return { usbVid: d.usbVid, usbPid: d.usbPid, vendor: d.vendor, model: d.model, label: d.label, root: volume.root };
}

interface PendingAlert { kind: string; severity: AlertSeverity; message: string }

/** Pure: what the vendor interface's failures are worth telling someone. A clock getter is optional. */
export function zfyAlerts(reading: ZfyReading | undefined): PendingAlert[] {
  const out: PendingAlert[] = [];
  // The profile's ZFY_INFO layout does not match the library: no identity until an admin fixes it.
  if (reading?.layoutError) out.push({ kind: 'zfy-layout', severity: 'critical', message: reading.layoutError });
  const real = reading?.failures.filter((f) => !(f.cmd === 'time' && f.error === 'unsupported')) ?? [];
  if (real.length === 0) return out;
  return [...out, { kind: 'zfy-probe', severity: 'warning',
    message: `vendor interface: ${real.map((f) => `${f.cmd}: ${f.error}${f.flag ? ` (flag ${f.flag})` : ''}`).join('; ')}` }];
}

export async function runDockSession(volume: DockedVolume, ctx: DockSessionContext, deps: IngestDeps,
  opts: DockSessionOptions = {}): Promise<DockSessionResult> {
  // Whatever throws, the session the dock opened ends with a status (see session-guard.ts).
  const guard = sessionGuard(deps.custody, deps.logger, opts);
  try {
    return await dockSession(volume, ctx, deps, { ...opts, signal: guard.signal, onProgress: guard.onProgress }, guard);
  } catch (err) {
    guard.failed(err);
    throw err;
  }
}

async function dockSession(volume: DockedVolume, ctx: DockSessionContext, deps: IngestDeps,
  opts: DockSessionOptions, guard: SessionGuard): Promise<DockSessionResult> {
  const { custody, logger } = deps;
  const { config } = ctx;
  const now = opts.now ?? (() => new Date());
  const root = volume.root;
  const t0 = performance.now();
  const seconds = () => Math.round(performance.now() - t0) / 1000;

  let profile: Profile | undefined;
  if (opts.profileName) {
    profile = ctx.profiles.find((p) => p.name === opts.profileName);
    if (!profile) throw new ProfileError(`--profile: no profile named "${opts.profileName}" (have: ${ctx.profiles.map((p) => p.name).join(', ')})`);
  } else {
    profile = await matchProfile(ctx.profiles, dockFacts(volume));
  }
  const matched = profile !== undefined;
  const prof = profile ?? UNKNOWN_CAMERA_PROFILE;
  const pending: PendingAlert[] = [];
  if (!matched) {
    const d = volume.device;
    const seen = [d.usbVid && `usb ${d.usbVid}:${d.usbPid ?? '?'}`, d.vendor && `vendor "${d.vendor}"`, d.model && `model "${d.model}"`,
      d.label && `label "${d.label}"`].filter(Boolean).join(', ');
    pending.push({ kind: 'unknown-camera', severity: 'warning',
      message: `no camera profile matches the volume at ${root}${seen ? ` (${seen})` : ''}: every media file ingested, device unassigned` });
  }

  // The vendor interface first: identity, battery and clock in one probe run.
  const usesZfy = prof.identity.method === 'zfy' || prof.clock.method === 'zfy';
  const setup: Record<string, number> = {}; // ms per step from the dock, logged: where a late start went
  const mark = (step: string) => { setup[step] = Math.round(performance.now() - t0); };
  mark('profile');
  let zfy = usesZfy ? await readZfyCamera(prof, config.timezone) : undefined;
  mark('vendor');
  pending.push(...zfyAlerts(zfy));

  const listing = await enumerateVolume(root, prof);
  mark('listing');
  const rels = listing.files.map((f) => f.rel);
  const firstName = rels[0] ? parseFileName(prof, path.posix.basename(rels[0]), config.timezone) : {};
  const found = await identifyCamera(prof, { root, label: volume.device.label, usbSerial: volume.device.serial, zfy: zfy?.info });
  mark('identity');
  let identity: CameraIdentity = found.identity;
  let source = found.source;
  if (source === 'zfy' && firstName.serial && identity.serial !== firstName.serial) {
    // Init_Device names no camera: with two docked, the library may have answered for the other.
    pending.push({ kind: 'identity-mismatch', severity: 'critical',
      message: `the vendor interface answered for camera ${identity.serial ?? '?'} but the files at ${root} are named for `
        + `${firstName.serial}; recorded as ${firstName.serial}, its clock, battery and clock sync left alone` });
    identity = {};
    source = 'none';
    zfy = undefined;
  }

  // What the camera says about itself is checked before it is believed (identity-invalid).
  for (const p of found.problems ?? []) pending.push({ kind: 'identity-invalid', severity: 'warning', message: `camera at ${root}: ${p.message}` });
  const checkedId = checkIdentity(identity, source === 'none' ? 'camera' : source);
  const checkedName = checkIdentity({ ...(firstName.serial ? { serial: firstName.serial } : {}) }, `file name ${rels[0] ?? ''}`);
  for (const p of [...checkedId.problems, ...checkedName.problems]) {
    pending.push({ kind: 'identity-invalid', severity: 'warning', message: `camera at ${root}: ${p.message}` });
  }
  identity = checkedId.identity;
  if (!identity.serial) source = 'none';
  // Nothing (valid) names the camera: a device identity of its own from the best evidence (never a shared UNKNOWN).
  const unidentified = !identity.serial && !checkedName.identity.serial ? unidentifiedIdentity(volume.device, root) : undefined;
  if (unidentified) {
    pending.push({ kind: 'unknown-device', severity: 'warning', message: `camera at ${root} has no identity; files ingested as device `
      + `${unidentified.serial} (an unidentified camera, told apart by its ${unidentified.describe})` });
  }

  const checks: DockChecks = await runDockChecks({
    root, profile: prof, timezone: config.timezone, maxDriftSeconds: config.clock.maxDriftSeconds, zfy, files: rels, now: now(),
  });
  pending.push(...checks.flags);
  const rules = rulesOf(config);
  pending.push(...equipmentFlags({ batteryPct: checks.batteryPct, storage: checks.storage, storageIsCamera: volume.source === 'block' || volume.source === 'usb' },
    { lowBatteryPercent: rules.lowBatteryPercent ?? 20, cameraStorageFullPercent: rules.cameraStorageFullPercent ?? 90 }));

  const unknown: DockSessionResult['unknown'] = matched ? [] : ['no-profile'];
  const alerts: DockAlert[] = [];
  let device = '';
  const raise = (a: PendingAlert, sessionId: number) => {
    const id = custody.raiseAlert({ ...a, sessionId, deviceSerial: device || null });
    alerts.push({ id, ...a });
  };

  // A camera that reports no badge: its holder in the equipment ledger now (none when returned), else the YAML's.
  const rosterBadge = (serial: string | undefined) => {
    const d = serial ? custody.ledger.getLedgerDevice(serial) : undefined;
    return d ? d.holder ?? undefined : config.devices.find((x) => x.serial === serial)?.badge;
  };
  mark('checks');
  // The disk proof starts once this camera's copy is done, not alongside it: on two cores the
  // proof's re-read and hash took CPU from the copy (1 GiB volume: stored 2.5 → 2.0 s, verified
  // about the same either way), and "stored" is what lets the next camera's officer go.
  const summary = await ingestVolume({
    root, profile: prof, config, listing, signal: opts.signal, onProgress: opts.onProgress, device: volume.device,
    identityResolved: true,
    hints: { ...identity, ...(unidentified ? { serial: unidentified.serial } : {}),
      ...(identity.badge ? {} : rosterBadge(identity.serial) ? { badge: rosterBadge(identity.serial) } : {}),
      ...(volume.device.serial ? { usbSerial: volume.device.serial } : {}) },
    clockOffsetS: checks.clock.offsetS, correctionWindow: correctionWindow(checks.clock),
    onSessionStart: (s) => {
      mark('session');
      guard.started(s.session, s.device);
      device = s.device;
      if (isUnidentified(s.device)) unknown.push('no-identity');
      // A camera in the equipment ledger (the YAML's devices or `evidock device add`) is assigned.
      else if (config.devices.length > 0 && !config.devices.some((d) => d.serial === s.device) && !custody.ledger.getLedgerDevice(s.device)) {
        unknown.push('not-in-roster');
        pending.push({ kind: 'unassigned-device', severity: 'warning',
          message: `camera ${s.device} is not in the device roster: files ingested, device unassigned` });
      }
      pending.push(...twiceDocked(custody, s.device, s.session, root), ...conflictingPaths(custody, s.device, listing.files));
      for (const a of pending) raise(a, s.session);
      custody.recordSessionChecks(s.session, sessionChecksOf(checks, alerts.map(({ kind, severity, message }) => ({ kind, severity, message }))));
    },
  }, deps);
  const log = logger.child({ session: summary.session, device: summary.device });
  const c = checks.clock;
  log.info(`dock checks: clock ${c.offsetS !== null ? `offset ${c.offsetS} s` : c.estimate ? `not measured (estimated ${c.estimate.offsetS} s from ${c.estimate.file})` : 'not measured'}, battery ${checks.batteryPct ?? '?'} %, `
    + `storage free ${checks.storage ? Math.round(checks.storage.freeBytes / 1e6) : '?'} MB`, { profile: prof.name, identity: source, setupMs: setup });

  const storedS = seconds();
  const later = alerts.length;
  const clockSync = await afterIngestClock();
  const wiping = Boolean(opts.wipe ?? prof.wipe === 'afterVerify');
  const proving = proveBacklog(deps, { signal: opts.signal }).catch((err: Error) => {
    // Stopping (SIGTERM) aborts the proof: the backlog stays and is proven by the next pass.
    // The daemon lets the proof run behind the dock: by the time it stops, the daemon may have
    // closed its logger (a throw here was an unhandled rejection, exit 7 instead of 0).
    try {
      if (opts.signal?.aborted) log.warn(`disk proof stopped: ${err.message}; the backlog is proven later`);
      else log.error(`disk proof: ${err.message}`);
    } catch { /* logger closed: the backlog is proven by the next pass anyway */ }
    return { error: err.message };
  });
  const proof = wiping || opts.awaitProof ? await proving : null;
  const verifiedS = proof ? seconds() : null;
  const wipe = await afterIngestWipe();
  if (alerts.length > later) {
    custody.recordSessionChecks(summary.session, { alerts: alerts.map(({ kind, severity, message }) => ({ kind, severity, message })) });
  }
  // Compliance (art. 9, 14(1)): this dock's late files and the camera's interruptions, alerted now.
  try { scanAfterDock(custody, config, summary); } catch (err) {
    log.error(`compliance scan after dock failed: ${(err as Error).message}`);
    custody.raiseAlert({ kind: 'compliance.scan', severity: 'warning', sessionId: summary.session, message: `compliance scan after dock failed: ${(err as Error).message}` });
  }
  // Every alert of this dock, including those the ingest raised itself (e.g. a camera without identity).
  const all = custody.listAlerts({ sessionId: summary.session }).map((a) => ({ id: a.id, kind: a.kind, severity: a.severity, message: a.message }));
  return {
    ...summary, checks: checksJson(checks), profileMatched: matched, identitySource: source, unknown, clockSync, wipe, alerts: all,
    verified: summary.status === 'complete' && custody.sessionUnproved(summary.session) === 0, proof,
    timing: { storedS, verifiedS },
  };

  async function afterIngestClock(): Promise<DockSessionResult['clockSync']> {
    if (prof.clock.method === 'none') return null;
    if (summary.status !== 'complete') return { skipped: 'ingest interrupted' };
    if (prof.clock.method === 'zfy' && source === 'none' && prof.identity.method === 'zfy') {
      return { skipped: 'the vendor interface did not identify this camera' };
    }
    if (prof.clock.method !== 'zfy' && prof.clock.method !== 'timesetFile') return null;
    // Intent before the camera is touched, the result after: a sync that dies half-way still left a trace.
    const who = { sessionId: summary.session, deviceSerial: summary.device };
    custody.appendAudit('camera.clock.sync.start', { ...who, method: prof.clock.method, offsetBeforeS: checks.clock.offsetS });
    let res: Awaited<ReturnType<typeof syncCameraClock>>;
    try {
      res = await syncCameraClock(auditedVolume(volume, custody, { purpose: 'clock-sync', ...who }), prof, config.timezone, now);
    } catch (err) {
      res = { method: prof.clock.method, ok: false, error: (err as Error).message };
    }
    if (!res) return null;
    custody.appendAudit('camera.clock.sync', { ...who, offsetBeforeS: checks.clock.offsetS, ...res });
    if (res.ok) log.info(`camera clock set (${res.method}${res.written ? `: ${res.file} = ${res.written}` : ''})`);
    else raise({ kind: 'clock-sync-failed', severity: 'warning', message: `setting the camera clock (${res.method}) failed: ${res.error}` }, summary.session);
    return res;
  }

  async function afterIngestWipe(): Promise<DockSessionResult['wipe']> {
    if (!wiping) return null;
    const skip = !matched ? 'no profile matched this camera'
      : summary.status !== 'complete' ? 'ingest interrupted'
        : unknown.length > 0 ? `camera unknown (${unknown.join(', ')})` : undefined;
    if (skip) { log.warn(`wipe skipped: ${skip}`); return { skipped: skip }; }
    const res = await wipeVerified({ volume: auditedVolume(volume, custody, { purpose: 'wipe', sessionId: summary.session, deviceSerial: summary.device }), profile: prof, deviceSerial: summary.device, sessionId: summary.session, signal: opts.signal }, deps);
    log.info(`wipe: ${res.deleted.length} deleted from the camera, ${res.kept.length} kept${res.error ? ` (${res.error})` : ''}`);
    if (res.kept.length > 0 || res.error) {
      raise({ kind: 'wipe-kept', severity: 'warning', message: `${res.kept.length} file(s) kept on camera ${summary.device}: `
        + `${res.kept.slice(0, 5).map((k) => `${k.path} (${k.reason})`).join('; ')}${res.kept.length > 5 ? '; …' : ''}` }, summary.session);
    }
    return res;
  }
}
