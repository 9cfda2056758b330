// The one read pass: bytes go from the source into SHA-256 and the temp file together.
//
// Measured on the build VM (2 vCPU with SHA-NI, virtio disk, 1 GiB random file in page cache,
// median of 5 runs, copy phase before fsync): FileHandle loop with two 4 MiB buffers, reading
// chunk n+1 while hashing and writing chunk n: ~630 MB/s (peak ~1050), RSS 62 MB; the same loop
// strictly sequential: ~545 MB/s, RSS 58 MB; stream.pipeline (4 MiB highWaterMark): ~605 MB/s,
// RSS 120–150 MB. So: a double-buffered FileHandle loop.
// Issue 8, cold cache, 4 × 240 MiB two at a time, write and hash of a chunk overlapped: 4 MiB
// chunks cost 1.2–3 s of system CPU per GiB (the kernel's copies to and from buffers that do not
// stay in the CPU caches), 512 KiB chunks ~0.5 s and the fastest copies (1.0 s against 1.4–5 s);
// 256 KiB was slower again. So 512 KiB, which also bounds the buffers of 8 copy slots to 8 MiB.
// For scale: `cp` ~540 MB/s (+0.4 s sync), `sha256sum` ~265 MB/s on the same file.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { AbortError, sourceErrorFrom, storeErrorFrom } from './errors.js';
import { FingerprintTaker } from './fingerprint.js';

export const CHUNK = 512 * 1024;

// Reused buffer pairs: allocating 8 MiB per file made the garbage collector the main cost of
// ingesting many small files (measured: 500 × 32 KiB files, GC ≈ 35 % of samples).
// Small files get small buffers (a file read to EOF still shows growth as extra bytes), so six
// small files in flight do not pin 48 MiB: peak RSS stays under 150 MB with two big files.
const SMALL_CHUNK = 256 * 1024;
const pools: Record<number, (readonly [Buffer, Buffer])[]> = { [CHUNK]: [], [SMALL_CHUNK]: [] };
export function chunkSizeFor(expectedSize: number | undefined): number {
  return expectedSize !== undefined && expectedSize < SMALL_CHUNK ? SMALL_CHUNK : CHUNK;
}
function takeBuffers(size: number = CHUNK): readonly [Buffer, Buffer] {
  return pools[size]!.pop() ?? [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)] as const;
}
function giveBack(b: readonly [Buffer, Buffer]): void {
  const pool = pools[b[0].length];
  if (pool && pool.length < 4) pool.push(b);
}

export interface CopyOptions {
  signal?: AbortSignal | undefined;
  /** Called after each chunk with the number of bytes in that chunk (a delta, not a running total). */
  onBytes?: ((n: number) => void) | undefined;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError({ cause: signal.reason });
}

type ReadResult = { bytesRead: number };

/** Swallow the rejection of a read we abandon, so it cannot surface as an unhandled rejection. */
function abandon(p: Promise<unknown> | undefined): void {
  p?.catch(() => undefined);
}

/** How much of a file's start the copy keeps for the metadata readers (JPEG EXIF, a faststart MP4's moov). */
export const HEAD_KEEP = 256 * 1024;
const EMPTY = Buffer.alloc(0);

// Heads are carved out of 1 MiB slabs (as Node pools small Buffers): a malloc of 64-256 KiB per
// file fragmented the C heap, and peak RSS grew with the number of files (measured: 250 MB after
// 10 000 files of 64 KiB). A slab is freed once no head in it is referenced.
const SLAB = 1024 * 1024;
let slab: Buffer = Buffer.allocUnsafeSlow(0);
let slabUsed = 0;
function keepHead(bytes: Buffer): Buffer {
  if (slabUsed + bytes.length > slab.length) { slab = Buffer.allocUnsafeSlow(SLAB); slabUsed = 0; }
  const out = slab.subarray(slabUsed, slabUsed + bytes.length);
  bytes.copy(out);
  slabUsed += (bytes.length + 7) & ~7;
  return out;
}

export interface CopyResult {
  sha256: string;
  bytes: number;
  /** fingerprint.ts's fingerprint of the bytes copied, taken in the same pass (when expectedSize was given and matched). */
  fingerprint?: string | undefined;
  /** A copy of the first HEAD_KEEP bytes (all of a small file): metadata is read from it, not from the disk again. */
  head: Buffer;
}

/**
 * Copy `src` (read to EOF, not to a size taken earlier, so growth shows up as extra bytes)
 * into `dst`, hashing on the way. Read errors become SourceError, write errors StoreError.
 * Three stages overlap: chunk n+1 is read into the other buffer while chunk n is written (thread
 * pool) and hashed (this thread) at the same time; both only read chunk n's buffer.
 */
export async function copyAndHash(
  src: FileHandle,
  dst: FileHandle,
  srcPath: string,
  opts: CopyOptions & { expectedSize?: number } = {},
): Promise<CopyResult> {
  const hash = createHash('sha256');
  const fp = opts.expectedSize !== undefined ? new FingerprintTaker(opts.expectedSize) : undefined;
  const bufs = takeBuffers(chunkSizeFor(opts.expectedSize));
  const chunkSize = bufs[0].length;
  let cur = 0;
  let pos = 0;
  let head: Buffer = EMPTY;
  let chunks = 0;
  const readInto = (b: Buffer, at: number): Promise<ReadResult> => {
    const p = src.read(b, 0, chunkSize, at).catch((err: unknown) => {
      throw sourceErrorFrom(err, srcPath);
    });
    // The read-ahead may fail (camera pulled) while we are still writing the previous chunk:
    // mark it handled now so the process does not die of an unhandled rejection; it is
    // awaited, and so rethrown, on the next turn of the loop.
    p.catch(() => undefined);
    return p;
  };
  let pending: Promise<ReadResult> | undefined = readInto(bufs[0], 0);
  let writing: Promise<void> | undefined;
  try {
    for (;;) {
      const { bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) break;
      throwIfAborted(opts.signal);
      const chunk = (cur === 0 ? bufs[0] : bufs[1]).subarray(0, bytesRead);
      const at = pos;
      pos += bytesRead;
      chunks += 1;
      cur ^= 1;
      pending = readInto(cur === 0 ? bufs[0] : bufs[1], pos); // the other buffer: its write is done
      writing = writeAll(dst, chunk, at);
      writing.catch(() => undefined); // awaited just below; a failure must not go unhandled meanwhile
      hash.update(chunk); // while the thread pool writes the same (unchanging) bytes
      fp?.update(chunk, at);
      if (chunks === 1) head = keepHead(chunk.subarray(0, HEAD_KEEP));
      await writing;
      writing = undefined;
      opts.onBytes?.(bytesRead);
    }
  } catch (err) {
    abandon(pending); // a read still in flight owns a buffer: do not return the pair to the pool
    abandon(writing);
    throw err;
  }
  giveBack(bufs);
  return {
    sha256: hash.digest('hex'), bytes: pos,
    fingerprint: fp?.digest(pos),
    head,
  };
}

async function writeAll(dst: FileHandle, chunk: Buffer, at: number): Promise<void> {
  let off = 0;
  try {
    while (off < chunk.length) {
      const { bytesWritten } = await dst.write(chunk, off, chunk.length - off, at + off);
      off += bytesWritten;
    }
  } catch (err) {
    throw storeErrorFrom(err, 'writing temp file');
  }
}

/** SHA-256 of a whole open file from offset 0 (the same double-buffered read pattern). */
export async function hashHandle(
  fh: FileHandle,
  signal?: AbortSignal,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const bufs = takeBuffers();
  let cur = 0;
  let pos = 0;
  const readAt = (b: Buffer, at: number): Promise<ReadResult> => {
    const p = fh.read(b, 0, CHUNK, at);
    p.catch(() => undefined); // handled when awaited; see readInto above
    return p;
  };
  let pending: Promise<ReadResult> | undefined = readAt(bufs[0], 0);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) break;
      throwIfAborted(signal);
      const chunk = (cur === 0 ? bufs[0] : bufs[1]).subarray(0, bytesRead);
      pos += bytesRead;
      cur ^= 1;
      pending = readAt(cur === 0 ? bufs[0] : bufs[1], pos);
      hash.update(chunk);
    }
  } catch (err) {
    abandon(pending);
    throw err;
  }
  giveBack(bufs);
  return { sha256: hash.digest('hex'), bytes: pos };
}
