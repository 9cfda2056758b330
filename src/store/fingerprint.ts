// A file's fingerprint: SHA-256 over its size and its first and last MiB. It is the evidence the
// resume shortcut needs (issue 7 defect 12): a camera whose numbering restarted and whose clock
// reset writes new bytes under an old path, size and mtime; the fingerprint tells them apart
// without reading the whole file. (It is a shortcut's evidence, never a substitute for the hash.)
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

export const FINGERPRINT_SPAN = 1 << 20;

async function readAt(fh: FileHandle, buf: Buffer, at: number): Promise<Buffer> {
  let off = 0;
  while (off < buf.length) {
    const { bytesRead } = await fh.read(buf, off, buf.length - off, at + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return buf.subarray(0, off);
}

/** Fingerprint of an open file of `size` bytes (read at explicit offsets: the handle's position is untouched). */
export async function fingerprintHandle(fh: FileHandle, size: number): Promise<string> {
  const h = createHash('sha256').update(`evidock-fp1:${size}:`);
  const head = Math.min(size, FINGERPRINT_SPAN);
  h.update(await readAt(fh, Buffer.allocUnsafe(head), 0));
  const tailStart = Math.max(head, size - FINGERPRINT_SPAN);
  if (size > tailStart) h.update(await readAt(fh, Buffer.allocUnsafe(size - tailStart), tailStart));
  return h.digest('hex');
}
