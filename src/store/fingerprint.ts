// A file's fingerprint: SHA-256 over its size and its first and last MiB. It is the evidence the
// resume shortcut needs (issue 7 defect 12): a camera whose numbering restarted and whose clock
// reset writes new bytes under an old path, size and mtime; the fingerprint tells them apart
// without reading the whole file. (It is a shortcut's evidence, never a substitute for the hash.)
import { createHash, type Hash } from 'node:crypto';
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

/** Pure: the byte ranges a fingerprint covers in a file of `size` bytes: [0, head) and [tailStart, size). */
export function fingerprintSpans(size: number): { head: number; tailStart: number } {
  const head = Math.min(size, FINGERPRINT_SPAN);
  return { head, tailStart: Math.max(head, size - FINGERPRINT_SPAN) };
}

/** Fingerprint of an open file of `size` bytes (read at explicit offsets: the handle's position is untouched). */
export async function fingerprintHandle(fh: FileHandle, size: number): Promise<string> {
  const h = createHash('sha256').update(`evidock-fp1:${size}:`);
  const { head, tailStart } = fingerprintSpans(size);
  h.update(await readAt(fh, Buffer.allocUnsafe(head), 0));
  if (size > tailStart) h.update(await readAt(fh, Buffer.allocUnsafe(size - tailStart), tailStart));
  return h.digest('hex');
}

/**
 * The same fingerprint taken from the chunks of a copy as they pass, in order, so the copied
 * file is not read again. Valid only when the copy's length is the expected size (digest says).
 */
export class FingerprintTaker {
  private readonly h: Hash;
  private readonly head: number;
  private readonly tailStart: number;

  constructor(private readonly size: number) {
    this.h = createHash('sha256').update(`evidock-fp1:${size}:`);
    ({ head: this.head, tailStart: this.tailStart } = fingerprintSpans(size));
  }

  /** `chunk` holds the bytes at [at, at + chunk.length). */
  update(chunk: Buffer, at: number): void {
    const end = at + chunk.length;
    if (at < this.head) this.h.update(chunk.subarray(0, Math.min(end, this.head) - at));
    const from = Math.max(at, this.tailStart);
    if (end > from && from < this.size) this.h.update(chunk.subarray(from - at, Math.min(end, this.size) - at));
  }

  /** The fingerprint, or undefined when `bytes` (what was copied) is not the size it was taken for. */
  digest(bytes: number): string | undefined {
    const d = this.h.digest('hex');
    return bytes === this.size ? d : undefined;
  }
}
