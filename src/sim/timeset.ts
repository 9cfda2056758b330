// What a timeset camera does with its clock file at boot: reads TIMESET.txt (19 characters,
// "YYYY-MM-DD HH:MM:SS", its local time), sets its clock from it and deletes it. Tests use it to
// check that the file evidock writes is one such a camera accepts.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseWallClock } from '../profiles/filename.js';

export interface TimesetBoot { text: string; setTo: Date }

/** Undefined when there is no clock file; throws when the camera would reject it. The file is consumed either way. */
export async function bootTimesetCamera(root: string, timezone: string, file = 'TIMESET.txt',
  format = 'YYYY-MM-DD HH:mm:ss'): Promise<TimesetBoot | undefined> {
  const abs = path.join(root, file);
  const text = await readFile(abs, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return undefined;
  await rm(abs, { force: true });
  const setTo = parseWallClock(text, format, timezone);
  if (!setTo) throw new Error(`camera rejects ${file}: ${JSON.stringify(text)} is not ${format} (${format.length} characters)`);
  return { text, setTo };
}
