// Positioned reads over a file or a buffer, so the in-process format readers take only the bytes
// they need (box and chunk headers, a few small boxes) and are tested on bytes held in memory.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `offset`; shorter only at the end of the data. */
  read(offset: number, length: number): Promise<Buffer>;
}

export function bufferSource(data: Buffer): ByteSource {
  return {
    size: data.length,
    read: async (offset, length) => data.subarray(Math.min(offset, data.length), Math.min(offset + length, data.length)),
  };
}

/** Opens a regular file for positioned reads; the caller closes it. */
export async function openFileSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below)
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${path} is not a regular file`);
    const { size } = st;
    return {
      size,
      async read(offset, length) {
        const want = Math.max(0, Math.min(length, size - offset));
        const buf = Buffer.alloc(want);
        let got = 0;
        while (got < want) {
          const { bytesRead } = await fh.read(buf, got, want - got, offset + got);
          if (bytesRead === 0) break; // the file shrank under us: return what there is
          got += bytesRead;
        }
        return buf.subarray(0, got);
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * The first bytes of a file already in memory (the copy kept them), the file itself opened only
 * when a reader asks for more: a small photo's EXIF costs no second open and read.
 */
export function headSource(head: Buffer, size: number, path: string): ByteSource & { close(): Promise<void> } {
  let file: Promise<ByteSource & { close(): Promise<void> }> | undefined;
  return {
    size,
    async read(offset, length) {
      const end = Math.min(offset + length, size);
      if (end <= head.length) return head.subarray(Math.min(offset, head.length), end);
      file ??= openFileSource(path);
      return (await file).read(offset, length);
    },
    async close() {
      if (file) await (await file.catch(() => undefined))?.close();
    },
  };
}
