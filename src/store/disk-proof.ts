// Proof from the disk (issue 8): re-read each new object from the medium, not from the page
// cache, and compare its SHA-256. native-probes/build/disk-proof does the reading (fdatasync,
// posix_fadvise DONTNEED, mincore to count what stayed cached, read, hash) at the lowest I/O
// priority; one helper process serves a whole pass, paths in on stdin, answers out in order.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Built by `make -C native-probes` (scripts/bootstrap.sh); same relative place from src/ and dist/. */
export const DISK_PROOF_PATH = fileURLToPath(new URL('../../native-probes/build/disk-proof', import.meta.url));

export type ProofAnswer =
  | { ok: true; sha256: string; bytes: number; cachedPages: number }
  | { ok: false; error: string };

/** Pure: one answer line of the helper. */
export function parseProofLine(line: string): ProofAnswer {
  const ok = /^ok ([0-9a-f]{64}) (\d+) (-?\d+)$/.exec(line);
  if (ok) return { ok: true, sha256: ok[1]!, bytes: Number(ok[2]), cachedPages: Number(ok[3]) };
  const err = /^err (\S+) (.*)$/.exec(line);
  return { ok: false, error: err ? `${err[1]}: ${err[2]}` : `unreadable answer from disk-proof: ${JSON.stringify(line)}` };
}

export class DiskProofUnavailable extends Error {
  override readonly name = 'DiskProofUnavailable';
}

/**
 * One helper process serving many batches (a proof pass): a spawn per batch cost the copy's
 * thread more than the proof of a batch of small files. Batches go one at a time.
 */
export class DiskProver {
  private readonly child: ReturnType<typeof spawn>;
  private readonly answers: ProofAnswer[] = [];
  private waiter: { want: number; resolve: () => void } | undefined;
  private dead: Error | undefined;
  private stderr = '';

  constructor(opts: { helper?: string; signal?: AbortSignal | undefined } = {}) {
    const helper = opts.helper ?? DISK_PROOF_PATH;
    if (!existsSync(helper)) throw new DiskProofUnavailable(`${helper} is missing: build it with make -C native-probes (needs libssl-dev)`);
    this.child = spawn(helper, [], { stdio: ['pipe', 'pipe', 'pipe'], signal: opts.signal });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => { if (this.stderr.length < 4096) this.stderr += d; });
    this.child.stdin!.on('error', () => undefined); // a dead helper is reported below, not as EPIPE
    const died = (why: string) => {
      this.dead ??= new DiskProofUnavailable(`disk-proof ${why}: ${this.stderr.trim()}`);
      this.waiter?.resolve();
    };
    this.child.on('error', (err) => died(`could not run (${err.message})`));
    this.child.on('close', (code, sig) => died(`stopped (exit ${code ?? sig})`));
    createInterface({ input: this.child.stdout! }).on('line', (l) => {
      this.answers.push(parseProofLine(l));
      if (this.waiter && this.answers.length >= this.waiter.want) this.waiter.resolve();
    });
  }

  /** Re-read `paths` from the disk; one answer per path, in order. */
  async prove(paths: readonly string[]): Promise<ProofAnswer[]> {
    if (paths.length === 0) return [];
    if (this.dead) throw this.dead;
    this.answers.length = 0;
    const done = new Promise<void>((resolve) => { this.waiter = { want: paths.length, resolve }; });
    this.child.stdin!.write(paths.map((p) => `${p}\n`).join(''));
    await done;
    this.waiter = undefined;
    if (this.answers.length < paths.length) {
      throw new DiskProofUnavailable(`disk-proof stopped after ${this.answers.length} of ${paths.length} files: ${(this.dead as Error | undefined)?.message ?? ''}`);
    }
    return this.answers.splice(0, paths.length);
  }

  /** Let the helper finish (stdin closed) and wait for it to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('close', () => r()));
    this.child.stdin!.end();
    await exited;
  }
}

/** Re-read `paths` from the disk; one answer per path, in order (one helper for this call). */
export async function proveFromDisk(paths: readonly string[], opts: { helper?: string; signal?: AbortSignal } = {}): Promise<ProofAnswer[]> {
  if (paths.length === 0 && existsSync(opts.helper ?? DISK_PROOF_PATH)) return [];
  const prover = new DiskProver(opts);
  try {
    return await prover.prove(paths);
  } finally {
    await prover.close().catch(() => undefined);
  }
}
