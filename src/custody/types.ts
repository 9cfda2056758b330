// Shapes the custody repositories hand out: camelCase, times as ISO-8601 UTC strings.

export type SessionStatus = 'running' | 'complete' | 'interrupted' | 'failed';
export type StartSource = 'filename' | 'creation_time' | 'mtime';
export type MediaKind = 'video' | 'photo' | 'audio' | 'other';
export type AlertSeverity = 'info' | 'warning' | 'critical';
export type TimeInput = Date | string | number;

export interface DeviceInput {
  serial: string;
  profile: string;
  model?: string | undefined;
  usbSerial?: string | undefined;
  inRoster: boolean;
}

export interface DeviceRow {
  id: number;
  serial: string;
  profile: string;
  model: string | null;
  usbSerial: string | null;
  firstSeen: string;
  lastSeen: string;
  assigned: boolean;
}

export interface StartSessionInput {
  deviceSerial: string;
  profile: string;
  sourcePath: string;
  badge?: string | undefined;
  usbSerial?: string | undefined;
}

export interface EndSessionInput {
  status: Exclude<SessionStatus, 'running'>;
  files: number;
  bytes: number;
  stored: number;
  duplicates: number;
  failed: number;
  errors?: string[] | undefined;
}

export interface SessionChecks {
  clockOffsetS?: number | null | undefined;
  batteryPct?: number | null | undefined;
  storageUsed?: number | null | undefined;
  storageFree?: number | null | undefined;
  /** How the clock offset was obtained ('zfy', 'none', ...). */
  clockSource?: string | null | undefined;
  /** The camera's clock at the dock, or the best evidence of it. */
  cameraTime?: TimeInput | null | undefined;
  alerts?: unknown;
}

export interface SessionRow {
  id: number;
  deviceSerial: string;
  profile: string;
  sourcePath: string;
  badge: string | null;
  startedAt: string;
  endedAt: string | null;
  status: SessionStatus;
  ownerPid: number | null;
  files: number;
  bytes: number;
  stored: number;
  duplicates: number;
  failed: number;
  errors: string[];
  clockOffsetS: number | null;
  batteryPct: number | null;
  storageUsed: number | null;
  storageFree: number | null;
  usbSerial: string | null;
  clockSource: string | null;
  cameraTime: string | null;
  alerts: unknown;
}

export interface CommitRecordingInput {
  sessionId: number | null;
  deviceSerial: string;
  badge?: string | null | undefined;
  sourcePath: string;
  size: number;
  mtimeMs: number;
  sha256: string;
  recordedStart: TimeInput;
  recordedEnd?: TimeInput | null | undefined;
  durationS?: number | null | undefined;
  startSource: StartSource;
  mediaKind: MediaKind;
  ingestedAt?: TimeInput | undefined;
  /**
   * Camera clock − workstation clock measured at the dock, in seconds. When given, the recording
   * also gets correctedStart/correctedEnd = recorded − offset; the recorded times are kept as given.
   */
  clockOffsetS?: number | null | undefined;
  /** The exact bytes of the camera's path when sourcePath had to be escaped (not UTF-8). */
  sourcePathRaw?: Buffer | null | undefined;
  /** sha256 over size, first and last MiB of the camera file (store/fingerprint.ts): resume evidence. */
  fingerprint?: string | null | undefined;
}

export interface CommitResult {
  recordingId: number;
  duplicate: boolean;
  objectIsNew: boolean;
}

export interface RecordingRow {
  id: number;
  sha256: string;
  size: number;
  device: string;
  badge: string | null;
  sourcePath: string;
  recordedStart: string;
  recordedEnd: string | null;
  ingestedAt: string;
  durationS: number | null;
  sessionId: number | null;
  mediaKind: MediaKind;
  startSource: StartSource;
  mtimeMs: number;
  /** Camera clock − workstation clock at the dock; null when it could not be measured. */
  clockOffsetS: number | null;
  /** recordedStart/End corrected by clockOffsetS; null when no offset was measured. */
  correctedStart: string | null;
  correctedEnd: string | null;
}

export interface RecordingFilter {
  device?: string | undefined;
  badge?: string | undefined;
  /** recordedStart >= since */
  since?: TimeInput | undefined;
  /** recordedStart < until */
  until?: TimeInput | undefined;
  limit?: number | undefined;
}

export interface ObjectRow {
  sha256: string;
  size: number;
  storedAt: string;
  verifiedAt: string | null;
}

export interface AlertInput {
  kind: string;
  severity: AlertSeverity;
  deviceSerial?: string | null | undefined;
  sessionId?: number | null | undefined;
  message: string;
  /** What the alert is about (dedup key with kind); default: the camera, else 'station'. */
  subject?: string | undefined;
}

export interface AlertRow {
  id: number;
  at: string;
  kind: string;
  severity: AlertSeverity;
  deviceSerial: string | null;
  sessionId: number | null;
  message: string;
  subject: string;
  firstSeen: string;
  lastSeen: string;
  /** How often it was raised while open. */
  count: number;
  ackedAt: string | null;
  ackedBy: string | null;
  ackNote: string | null;
}

export interface CustodyStats {
  recordings: number;
  objects: number;
  bytes: number;
  sessions: number;
  openAlerts: number;
  devices: number;
}

export type AccessKind = 'view' | 'copy';
/** What the database stores; 'expired' is derived (an approved grant past expiresAt). */
export type AccessStoredStatus = 'pending' | 'approved' | 'rejected' | 'revoked' | 'used';

export interface AccessRequestInput {
  requester: string;
  requesterOsUser?: string | null | undefined;
  kind: AccessKind;
  purpose: string;
  caseNo?: string | null | undefined;
  hours: number;
  unit: string;
  recordings: number[];
}

export interface AccessRequestRow {
  id: number;
  requester: string;
  requesterOsUser: string | null;
  kind: AccessKind;
  purpose: string;
  caseNo: string | null;
  hours: number;
  unit: string;
  status: AccessStoredStatus;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  expiresAt: string | null;
  revokedBy: string | null;
  revokedAt: string | null;
  usedAt: string | null;
  recordings: number[];
}

export interface AuditEntryLite {
  seq: number;
  at: string;
  actor: string;
  event: string;
  payload: Record<string, unknown>;
}
