// The simulated duty shift as a plan: which files, named how, recorded when. Pure, so the
// timeline rules (consecutive segments, gaps, clock offset) are tested without ffmpeg.
import { addSeconds, fileStamp, offsetMinutes } from './clock.js';
import type { ResolvedSimOptions } from './options.js';

export type SimFileKind = 'video' | 'photo' | 'audio';

export interface PlannedFile {
  kind: SimFileKind;
  /** Relative to the volume root, '/'-separated. */
  path: string;
  seq: number;
  /** True time the recording started. */
  trueStart: Date;
  /** The camera's clock at that moment (true + offset): goes into names and metadata. */
  cameraStart: Date;
  cameraEnd: Date;
  /** Camera UTC offset in minutes (for EXIF). */
  utcOffsetMinutes: number;
  seconds?: number;
}

export const MEDIA_DIR = 'DCIM/100MEDIA';
/** Audio notes are recorded after the video, this far apart. */
export const AUDIO_SPACING_S = 30;
const EXT: Record<SimFileKind, string> = { video: 'MP4', photo: 'JPG', audio: 'M4A' };

const PREFIX: Record<SimFileKind, string> = { video: 'VID', photo: 'IMG', audio: 'AUD' };

/**
 * How each kind of camera names a file (its built-in profile's `filename` regex reads it back):
 * generic 20261126_083000_ABC1234_000123_0001.MP4 · zfy ABC1234_000123_20261126083000_0001.MP4 ·
 * timeset VID_20261126_083000_0001.MP4 · labelled 20261126083000_000123_0001.MP4.
 */
export function fileName(o: Pick<ResolvedSimOptions, 'personality' | 'serial' | 'badge' | 'timezone'>,
  kind: SimFileKind, cameraStart: Date, seq: number): string {
  const stamp = fileStamp(cameraStart, o.timezone);
  const seq4 = String(seq).padStart(4, '0');
  const ext = EXT[kind];
  switch (o.personality) {
    case 'generic': return `${stamp}_${o.serial}_${o.badge}_${seq4}.${ext}`;
    case 'zfy': return `${o.serial}_${o.badge}_${stamp.replace('_', '')}_${seq4}.${ext}`;
    case 'timeset': return `${PREFIX[kind]}_${stamp}_${seq4}.${ext}`;
    case 'labelled': return `${stamp.replace('_', '')}_${o.badge}_${seq4}.${ext}`;
  }
}

export function planCameraVolume(o: ResolvedSimOptions): PlannedFile[] {
  const file = (kind: SimFileKind, seq: number, trueStart: Date, seconds?: number): PlannedFile => {
    const cameraStart = addSeconds(trueStart, o.clockOffset);
    const name = fileName(o, kind, cameraStart, seq);
    return {
      kind, path: `${MEDIA_DIR}/${name}`, seq, trueStart, cameraStart,
      cameraEnd: addSeconds(cameraStart, seconds ?? 0),
      utcOffsetMinutes: offsetMinutes(cameraStart, o.timezone),
      ...(seconds === undefined ? {} : { seconds }),
    };
  };

  // Segments follow each other with no hole, except where a gap (an interruption) is asked for.
  const gapAfter = new Map(o.gaps.map((g) => [g.afterClip, g.seconds]));
  const clips: PlannedFile[] = [];
  let t = o.start;
  for (let i = 1; i <= o.clips; i++) {
    clips.push(file('video', i, t, o.seconds));
    t = addSeconds(t, o.seconds + (gapAfter.get(i) ?? 0));
  }
  const videoEnd = clips.length > 0 ? addSeconds(clips.at(-1)!.trueStart, o.seconds) : o.start;

  // Photos are snapshots taken while recording, one in the middle of each equal share of the
  // shift (so not on a segment boundary); with no video, 10 s apart.
  const span = (videoEnd.getTime() - o.start.getTime()) / 1000;
  const photos = Array.from({ length: o.photos }, (_, k) => {
    const at = span > 0 ? Math.floor(((k + 0.5) * span) / o.photos) : k * 10;
    return file('photo', k + 1, addSeconds(o.start, at));
  });

  // Audio-only notes come after the video ends.
  const audio = Array.from({ length: o.audio }, (_, k) =>
    file('audio', k + 1, addSeconds(videoEnd, AUDIO_SPACING_S + k * (o.seconds + AUDIO_SPACING_S)), o.seconds));

  return [...clips, ...photos, ...audio].sort((a, b) => a.trueStart.getTime() - b.trueStart.getTime()
    || a.kind.localeCompare(b.kind));
}

/** DEVICE.ID (generic) and DEVINFO.TXT (timeset): `key=value` lines, UTF-8. */
export function identityFileText(o: ResolvedSimOptions): string {
  return [`serial=${o.serial}`, `badge=${o.badge}`, `model=${o.model}`, `name=${o.name}`, `unit=${o.unit}`]
    .join('\n') + '\n';
}

/** The identity file each personality carries in its volume root, if any. */
export function identityFileName(p: ResolvedSimOptions['personality']): string | undefined {
  return p === 'generic' ? 'DEVICE.ID' : p === 'timeset' ? 'DEVINFO.TXT' : undefined;
}

export const ZFY_UNIT_NAME = '某某县市场监督管理局';

/** zfy-state.ini for libzfy-sim.so (native-probes/README.md): the camera behind the vendor interface. */
export function zfyStateText(o: ResolvedSimOptions): string {
  const state: [string, string | number][] = [
    ['serial', o.serial], ['badge', o.badge], ['name', o.name], ['unitNo', o.unit], ['unitName', ZFY_UNIT_NAME],
    ['password', o.password], ['clockOffset', o.clockOffset], ['battery', o.battery],
    ['width', o.width], ['height', o.height], ['msdc', 0], ['hang', 0],
  ];
  return state.map(([k, v]) => `${k}=${v}\n`).join('');
}
