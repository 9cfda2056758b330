// Top-level ISO-BMFF box listing (ftyp, mdat, moov, ...). Used to check where `moov` sits:
// cameras write it last, so a clip cut off mid-recording has no index.
import { open } from 'node:fs/promises';

export interface Mp4Box { type: string; offset: number; size: number }

export async function readTopLevelBoxes(path: string): Promise<Mp4Box[]> {
  const fh = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const boxes: Mp4Box[] = [];
    const head = Buffer.alloc(16);
    let offset = 0;
    while (offset + 8 <= fileSize) {
      await fh.read(head, 0, 16, offset);
      let size = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (size === 1) size = Number(head.readBigUInt64BE(8)); // 64-bit "largesize"
      else if (size === 0) size = fileSize - offset; // box runs to the end of the file
      if (size < 8 || offset + size > fileSize) {
        throw new Error(`${path}: malformed or truncated box "${type}" at offset ${offset}`);
      }
      boxes.push({ type, offset, size });
      offset += size;
    }
    return boxes;
  } finally {
    await fh.close();
  }
}
