import type { Profile, Config } from '../config/schema.js';
import type { CameraIdentity } from '../profiles/identity.js';

export interface IngestError { path: string; code: string; message: string }

/** `ingest --json` shape (DESIGN §5), plus counts a custodian asks about. */
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
  config: Pick<Config, 'timezone' | 'devices'>;
  /** What the dock layer already learnt (USB serial, ZFY info, label). */
  hints?: CameraIdentity & { usbSerial?: string };
  signal?: AbortSignal;
  onProgress?: (p: IngestProgress) => void;
}
