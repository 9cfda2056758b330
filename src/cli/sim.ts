// `evidock sim camera`: writes a simulated camera volume (or image). Parsing and printing only;
// the work is in src/sim/.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  createCameraImage, createCameraVolume, IMAGE_FILESYSTEMS, PERSONALITIES, SimUsageError,
  type GapSpec, type ImageFs, type SimOptions, type SimResult,
} from '../sim/index.js';

interface CameraFlags {
  clips: number; seconds: number; photos: number; audio: number; start?: string; gapAfter: GapSpec[];
  clockOffset: number; serial?: string; badge?: string; personality: string; image?: string; fs?: ImageFs;
  name?: string; battery?: number; password?: string; zfyDir?: string; json?: boolean;
}

const int = (v: string): number => {
  if (!/^[+-]?\d+$/.test(v.trim())) throw new InvalidArgumentError('expected a whole number');
  return Number(v);
};

const gap = (v: string, prev: GapSpec[]): GapSpec[] => {
  const m = /^(\d+):(\d+)$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected K:SECONDS, e.g. 2:300');
  return [...prev, { afterClip: Number(m[1]), seconds: Number(m[2]) }];
};

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('simulated cameras for tests, demos and benchmarks');
  sim.command('camera')
    .description('write a simulated camera volume (real media made by ffmpeg)')
    .argument('[dir]', 'directory to fill (with --image: optional, keeps the volume tree there too)')
    .option('--clips <n>', 'video segments', int, 3)
    .option('--seconds <s>', 'length of each clip and audio note', int, 4)
    .option('--photos <n>', 'photos', int, 2)
    .option('--audio <n>', 'audio notes', int, 1)
    .option('--start <iso8601>', 'true start time of the first clip (default: now minus 2 h)')
    .addOption(new Option('--gap-after <K:SECONDS>', 'interruption of SECONDS after clip K (repeatable)')
      .argParser(gap).default([], 'none'))
    .option('--clock-offset <seconds>', 'camera clock minus true time', int, 0)
    .option('--serial <serial>', 'device serial, 7 letters/digits (default: random)')
    .option('--badge <badge>', 'officer badge, 6 characters (default: random digits)')
    .addOption(new Option('--personality <name>', 'kind of camera (one per built-in profile)').choices(PERSONALITIES).default('generic'))
    .option('--name <name>', 'officer name the camera carries (default: a Chinese name; generic: 模拟警员 BADGE)')
    .option('--battery <percent>', 'zfy: battery level the vendor interface reports', int)
    .option('--password <password>', 'zfy: device password (default 000000)')
    .option('--zfy-dir <dir>', 'zfy: state dir of the simulated camera (default: the volume or image path + ".zfy")')
    .option('--image <file>', 'write an unpartitioned filesystem image instead of a directory')
    .addOption(new Option('--fs <fs>', 'image filesystem (default fat32)').choices(IMAGE_FILESYSTEMS))
    .option('--json', 'print the summary as JSON')
    .action(async (dir: string | undefined, f: CameraFlags) => {
      if (!dir && !f.image) throw new SimUsageError('give a directory, or --image FILE');
      if (f.fs && !f.image) throw new SimUsageError('--fs only applies with --image');
      const opts: SimOptions = {
        clips: f.clips, seconds: f.seconds, photos: f.photos, audio: f.audio, gaps: f.gapAfter,
        clockOffset: f.clockOffset, personality: f.personality,
        ...(f.start === undefined ? {} : { start: parseStart(f.start) }),
        ...(f.serial === undefined ? {} : { serial: f.serial }),
        ...(f.badge === undefined ? {} : { badge: f.badge }),
        ...(f.name === undefined ? {} : { name: f.name }),
        ...(f.battery === undefined ? {} : { battery: f.battery }),
        ...(f.password === undefined ? {} : { password: f.password }),
        ...(f.zfyDir === undefined ? {} : { zfyDir: f.zfyDir }),
      };
      const zfyOnly = [['--battery', f.battery], ['--password', f.password], ['--zfy-dir', f.zfyDir]] as const;
      for (const [flag, v] of zfyOnly) {
        if (v !== undefined && f.personality !== 'zfy') throw new SimUsageError(`${flag} only applies with --personality zfy`);
      }
      const result = f.image
        ? await createCameraImage(f.image, f.fs ?? 'fat32', { ...opts, ...(dir ? { treeDir: dir } : {}) })
        : await createCameraVolume(dir!, opts);
      process.stdout.write(f.json ? `${JSON.stringify(result, null, 2)}\n` : describe(result));
    });
}

function parseStart(v: string): Date {
  // ISO 8601 only (Date would also take "March 3"); without a zone it is this machine's local time.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    throw new SimUsageError(`--start must be ISO 8601 (e.g. 2026-11-26T08:30:00+08:00), got "${v}"`);
  }
  return new Date(v);
}

function describe(r: SimResult): string {
  const where = r.image ? `${r.image} (${r.fs}, label ${r.label})` : r.dir;
  const count = (k: string) => r.files.filter((f) => f.kind === k).length;
  const lines = [
    `camera ${r.serial}, badge ${r.badge} → ${where}`,
    `${r.personality} camera; ${count('video')} clips, ${count('photo')} photos, ${count('audio')} audio; camera clock ${r.clockOffset >= 0 ? '+' : ''}${r.clockOffset} s`,
    ...(r.personality === 'labelled' && !r.image ? ['a directory has no volume label: ingest it as an image (--image) or give the label yourself'] : []),
    ...(r.zfyDir ? [`vendor interface state ${r.zfyDir}/zfy-state.ini; dock with EVIDOCK_ZFY_LIBRARY=native-probes/build/libzfy-sim.so ZFY_SIM_DIR=${r.zfyDir} (or a profile with zfy.env)`] : []),
    ...r.files.map((f) => `  ${f.path}  recorded ${f.recordedStart}${f.seconds ? `  ${f.seconds} s` : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}
