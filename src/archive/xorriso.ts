// The one place evidock runs xorriso: build an ISO 9660 + Joliet + Rock Ridge image with MD5s,
// check it (-check_media, -check_md5_r), list where each file lies (report_lba), find drives, burn.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

export interface XorrisoResult { code: number; stdout: string; stderr: string }

export class XorrisoError extends Error {
  constructor(message: string, readonly result?: XorrisoResult) {
    super(message);
    this.name = 'XorrisoError';
  }
}

function xorriso(args: string[], onLine?: (line: string) => void): Promise<XorrisoResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('xorriso', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!onLine) return;
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new XorrisoError('xorriso is not installed (apt-get install xorriso)') : err);
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** xorriso's -options_from_file quoting: one argument in double quotes, backslash-escaped. */
function q(s: string): string {
  if (/[\n\r]/.test(s)) throw new XorrisoError(`file name with a line break: ${JSON.stringify(s)}`);
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface ImageSpec {
  image: string;
  volid: string;
  /** disk path → path in the image (absolute, starting with /). */
  map: { disk: string; iso: string }[];
  /** Where the option file goes (the command line would be too long for many files). */
  optionsFile: string;
}

/** Writes a closed image; onPercent gets xorriso's progress (0–100). */
export async function buildImage(spec: ImageSpec, onPercent?: (p: number) => void): Promise<void> {
  const lines = [
    '-md5 on', // MD5 of every file and of the session, checked by -check_md5_r and -check_media
    `-outdev ${q(spec.image)}`,
    `-volid ${q(spec.volid)}`,
    '-joliet on', '-rockridge on',
    '-compliance iso_9660_level=3:joliet_long_names', '-file_size_limit off --',
    '-close on',
    ...spec.map.map((m) => `-map ${q(m.disk)} ${q(m.iso)}`),
    '-commit',
  ];
  await writeFile(spec.optionsFile, `${lines.join('\n')}\n`);
  const r = await xorriso(['-abort_on', 'FAILURE', '-return_with', 'SORRY', '32', '-options_from_file', spec.optionsFile], (l) => {
    const m = /UPDATE\s*:\s*([\d.]+)% done/.exec(l);
    if (m && onPercent) onPercent(Number(m[1]));
  });
  if (r.code !== 0) throw new XorrisoError(`xorriso could not write ${spec.image}: ${lastProblem(r)}`, r);
  onPercent?.(100);
}

function lastProblem(r: XorrisoResult): string {
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => /(FAILURE|SORRY|FATAL|ABORT)/.test(l));
  return lines.slice(-3).join('; ') || `exit ${r.code}`;
}

export interface Extent { start: number; blocks: number; size: number }

/** Where each file's data lies in the image: path (without the leading /) → extents in order. */
export async function fileExtents(dev: string): Promise<Map<string, Extent[]>> {
  const r = await xorriso(['-indev', dev, '-find', '/', '-exec', 'report_lba', '--']);
  const out = new Map<string, Extent[]>();
  for (const l of r.stdout.split('\n')) {
    const m = /^File data lba:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*'(.*)'$/.exec(l);
    if (!m) continue;
    const p = m[5]!.replace(/^\//, '');
    out.set(p, [...(out.get(p) ?? []), { start: Number(m[2]), blocks: Number(m[3]), size: Number(m[4]) }]);
  }
  if (out.size === 0) throw new XorrisoError(`${dev}: no ISO 9660 file system found (${lastProblem(r)})`, r);
  return out;
}

export interface XorrisoCheck { problems: { path: string; problem: string }[]; md5Files: boolean }

/** xorriso's own checks: readability of every block and the session MD5 (-check_media), each file's MD5 (-check_md5_r). */
export async function xorrisoCheck(dev: string): Promise<XorrisoCheck> {
  const problems: { path: string; problem: string }[] = [];
  const media = await xorriso(['-md5', 'on', '-indev', dev, '-check_media', '--']);
  const all = `${media.stdout}\n${media.stderr}`;
  for (const l of all.split('\n')) {
    const region = /^Media region\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*([-+0]) (.*)$/.exec(l);
    if (region && region[3] === '-') problems.push({ path: '(image)', problem: `blocks ${region[1]}+${region[2]}: ${region[4]!.trim()}` });
    const tag = /^MD5 tag range\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*\S+\s+(\S*mismatch\S*)/.exec(l);
    if (tag) problems.push({ path: '(image)', problem: `session MD5 ${tag[3]} in blocks ${tag[1]}+${tag[2]}` });
  }
  const md5 = await xorriso(['-md5', 'on', '-indev', dev, '-check_md5_r', 'sorry', '/', '--']);
  const text = `${md5.stdout}\n${md5.stderr}`;
  for (const l of text.split('\n')) {
    const m = /^MD5 MISMATCH: '(.*)'$/.exec(l.trim());
    if (m) problems.push({ path: m[1]!.replace(/^\//, ''), problem: 'content differs from the MD5 xorriso recorded' });
  }
  const md5Files = !/Not a single file with MD5/.test(text);
  if (!md5Files) problems.push({ path: '(image)', problem: 'no MD5 checksums recorded in the image' });
  return { problems, md5Files };
}

/** Optical drives `xorriso -devices` finds, e.g. ['/dev/sr0']. */
export async function listDrives(): Promise<string[]> {
  const r = await xorriso(['-devices']);
  return [...`${r.stdout}\n${r.stderr}`.matchAll(/-dev '([^']+)'/g)].map((m) => m[1]!);
}

/** Writes an image to a blank disc in `drive` (closed, so the disc reads like a pressed one). */
export async function burnImage(drive: string, image: string, onPercent?: (p: number) => void): Promise<void> {
  const r = await xorriso(['-as', 'cdrecord', '-v', `dev=${drive}`, '-dao', image], (l) => {
    const m = /([\d.]+)% done/.exec(l);
    if (m && onPercent) onPercent(Number(m[1]));
  });
  if (r.code !== 0) throw new XorrisoError(`burning ${image} to ${drive} failed: ${lastProblem(r)}`, r);
}
