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
import { runDockChecks, sessionChecksOf, checksJson, type DockChecks, type DockChecksJson } from '../checks/checks.js';
import { correctionWindow, syncCameraClock, type ClockSyncResult } from '../checks/clock.js';
import { ingestVolume, type IngestDeps } from '../ingest/ingest-volume.js';
import { wipeVerified, type WipeResult } from './wipe.js';
import { rulesOf, scanAfterDock } from '../compliance/scan.js';
import { equipmentFlags } from '../compliance/rules.js';
import type { IngestProgress, IngestSummary } from '../ingest/types.js';

/** `--profile NAME` names no profile: a usage error (exit 2). */
export class ProfileError extends Error { exitCode = 2; }

export interface DockSessionContext {
  profiles: readonly Profile[];
  config: Pick<Config, 'timezone' | 'devices' | 'clock'> & Partial<Pick<Config, 'rules'>>;
}

export interface DockSessionOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((p: IngestProgress) => void) | undefined;
  /** Use this profile instead of matching one (`evidock ingest --profile`). */
  profileName?: string | undefined;
  /** Overrides the profile's wipe policy (`evidock ingest --wipe`). */
  wipe?: boolean | undefined;
  now?: (() => Date) | undefined;
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
}

export function dockFacts(volume: DockedVolume): DockFacts {
  const d = volume.device;
  return { usbVid: d.usbVid, usbPid: d.usbPid, vendor: d.vendor, model: d.model, label: d.label, root: volume.root };
}

interface PendingAlert { kind: string; severity: AlertSeverity; message: string }

/** Pure: what the vendor interface's failures are worth telling someone. GetDevTime is optional. */
export function zfyAlerts(reading: ZfyReading | undefined): PendingAlert[] {
  const real = reading?.failures.filter((f) => !(f.cmd === 'time' && f.error === 'unsupported')) ?? [];
  if (real.length === 0) return [];
  return [{ kind: 'zfy-probe', severity: 'warning',
    message: `vendor interface: ${real.map((f) => `${f.cmd}: ${f.error}${f.flag ? ` (flag ${f.flag})` : ''}`).join('; ')}` }];
}

export async function runDockSession(volume: DockedVolume, ctx: DockSessionContext, deps: IngestDeps,
  opts: DockSessionOptions = {}): Promise<DockSessionResult> {
  const { custody, logger } = deps;
  const { config } = ctx;
  const now = opts.now ?? (() => new Date());
  const root = volume.root;

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
  let zfy = usesZfy ? await readZfyCamera(prof, root, config.timezone) : undefined;
  pending.push(...zfyAlerts(zfy));

  const listing = await enumerateVolume(root, prof);
  const rels = listing.files.map((f) => f.rel);
  const firstName = rels[0] ? parseFileName(prof, path.posix.basename(rels[0]), config.timezone) : {};
  const found = await identifyCamera(prof, { root, label: volume.device.label, usbSerial: volume.device.serial, zfy: zfy?.info });
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

  const rosterBadge = (serial: string | undefined) => config.devices.find((d) => d.serial === serial)?.badge;
  const summary = await ingestVolume({
    root, profile: prof, config, signal: opts.signal, onProgress: opts.onProgress, device: volume.device,
    hints: { ...identity, ...(identity.badge ? {} : rosterBadge(identity.serial) ? { badge: rosterBadge(identity.serial) } : {}),
      ...(volume.device.serial ? { usbSerial: volume.device.serial } : {}) },
    clockOffsetS: checks.clock.offsetS, correctionWindow: correctionWindow(checks.clock),
    onSessionStart: (s) => {
      device = s.device;
      if (s.device === 'UNKNOWN') unknown.push('no-identity');
      else if (config.devices.length > 0 && !config.devices.some((d) => d.serial === s.device)) {
        unknown.push('not-in-roster');
        pending.push({ kind: 'unassigned-device', severity: 'warning',
          message: `camera ${s.device} is not in the device roster: files ingested, device unassigned` });
      }
      for (const a of pending) raise(a, s.session);
      custody.recordSessionChecks(s.session, sessionChecksOf(checks, alerts.map(({ kind, severity, message }) => ({ kind, severity, message }))));
    },
  }, deps);
  const log = logger.child({ session: summary.session, device: summary.device });
  const c = checks.clock;
  log.info(`dock checks: clock ${c.offsetS === null ? 'not measured' : `offset ${c.offsetS} s`}, battery ${checks.batteryPct ?? '?'} %, `
    + `storage free ${checks.storage ? Math.round(checks.storage.freeBytes / 1e6) : '?'} MB`, { profile: prof.name, identity: source });

  const later = alerts.length;
  const clockSync = await afterIngestClock();
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
  };

  async function afterIngestClock(): Promise<DockSessionResult['clockSync']> {
    if (prof.clock.method === 'none') return null;
    if (summary.status !== 'complete') return { skipped: 'ingest interrupted' };
    if (prof.clock.method === 'zfy' && source === 'none' && prof.identity.method === 'zfy') {
      return { skipped: 'the vendor interface did not identify this camera' };
    }
    const res = await syncCameraClock(volume, prof, config.timezone, now);
    if (!res) return null;
    custody.appendAudit('camera.clock.sync', {
      sessionId: summary.session, deviceSerial: summary.device, offsetBeforeS: checks.clock.offsetS, ...res,
    });
    if (res.ok) log.info(`camera clock set (${res.method}${res.written ? `: ${res.file} = ${res.written}` : ''})`);
    else raise({ kind: 'clock-sync-failed', severity: 'warning', message: `setting the camera clock (${res.method}) failed: ${res.error}` }, summary.session);
    return res;
  }

  async function afterIngestWipe(): Promise<DockSessionResult['wipe']> {
    if (!(opts.wipe ?? prof.wipe === 'afterVerify')) return null;
    const skip = !matched ? 'no profile matched this camera'
      : summary.status !== 'complete' ? 'ingest interrupted'
        : unknown.length > 0 ? `camera unknown (${unknown.join(', ')})` : undefined;
    if (skip) { log.warn(`wipe skipped: ${skip}`); return { skipped: skip }; }
    const res = await wipeVerified({ volume, profile: prof, deviceSerial: summary.device, sessionId: summary.session, signal: opts.signal }, deps);
    log.info(`wipe: ${res.deleted.length} deleted from the camera, ${res.kept.length} kept${res.error ? ` (${res.error})` : ''}`);
    if (res.kept.length > 0 || res.error) {
      raise({ kind: 'wipe-kept', severity: 'warning', message: `${res.kept.length} file(s) kept on camera ${summary.device}: `
        + `${res.kept.slice(0, 5).map((k) => `${k.path} (${k.reason})`).join('; ')}${res.kept.length > 5 ? '; …' : ''}` }, summary.session);
    }
    return res;
  }
}
