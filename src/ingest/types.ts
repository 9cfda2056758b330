import type { Profile, Config } from '../config/schema.js';
import type { CameraIdentity } from '../profiles/identity.js';
import type { VolumeListing } from '../profiles/enumerate.js';

export interface IngestError { path: string; code: string; message: string }

/** `ingest --json` shape (ARCHITECTURE §5), plus counts a custodian asks about. */
export interface IngestSummary {
  session: number;
  device: string;
  badge?: string;
  profile: string;
  files: number;
  bytes: number;
  stored: number;
  duplicates: number;
  alreadyRecorded: number;
  failed: number;
  status: 'complete' | 'interrupted';
  errors: IngestError[];
  /** A stored copy did not match its hash (verify mismatch, damaged store): exit code 3. */
  integrityFailure?: boolean;
}

export interface IngestProgress {
  file: string;
  index: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface IngestRequest {
  root: string;
  profile: Profile;
  config: Pick<Config, 'timezone' | 'devices'> & { storage?: Partial<Config['storage']> | undefined };
  /** What the dock layer already learnt (USB serial, ZFY info, label). */
  hints?: CameraIdentity & { usbSerial?: string };
  /** The hints are the camera's whole identity, already read from it (the dock session): not read again. */
  identityResolved?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: IngestProgress) => void;
  /**
   * Camera clock − workstation clock measured at the dock (seconds); recordings get times
   * corrected by it beside the camera's own. Undefined or null: not measured, nothing corrected.
   */
  clockOffsetS?: number | null | undefined;
  /** When given, only recordings whose camera start falls inside get the correction (see checks/clock.ts correctionWindow). */
  correctionWindow?: { from: Date; to: Date } | undefined;
  /** The block device under the volume, to tell a dying card from one bad file. */
  device?: { path?: string | undefined; size?: number | undefined } | undefined;
  /**
   * Start the disk proof (proof-stage.ts) as soon as the first batch is committed and keep it
   * going alongside the copy. For callers that outlive the proof (the dock session, the daemon):
   * the pass keeps using custody and the logger after ingestVolume returns. The dock session
   * does not: on a 2-core station proving alongside slowed the copy more than it sped the proof.
   */
  proveAlongside?: boolean | undefined;
  /** The volume's listing when the caller already made one (the dock session does): not listed twice. */
  listing?: VolumeListing | undefined;
  /** Called once the dock session exists (e.g. to store the dock-time checks on it). */
  onSessionStart?: (s: { session: number; device: string; badge?: string }) => void;
}
