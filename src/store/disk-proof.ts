// Proof from the disk (issue 8): re-read each new object from the medium, not from the page
// cache, and compare its SHA-256. native-probes/build/disk-proof does the reading (fdatasync,
// posix_fadvise DONTNEED, mincore to count what stayed cached, read, hash) at the lowest I/O
// priority; one helper process serves a whole batch, paths in on stdin, answers out in order.
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

/** Re-read `paths` from the disk; one answer per path, in order. */
export async function proveFromDisk(paths: readonly string[], opts: { helper?: string; signal?: AbortSignal } = {}): Promise<ProofAnswer[]> {
  const helper = opts.helper ?? DISK_PROOF_PATH;
  if (!existsSync(helper)) throw new DiskProofUnavailable(`${helper} is missing: build it with make -C native-probes (needs libssl-dev)`);
  if (paths.length === 0) return [];
  const child = spawn(helper, [], { stdio: ['pipe', 'pipe', 'pipe'], signal: opts.signal });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
  child.stdin.on('error', () => undefined); // a dead helper is reported below, not as EPIPE
  const answers: ProofAnswer[] = [];
  const lines = createInterface({ input: child.stdout });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => {
      if (answers.length === paths.length) resolve();
      else reject(new DiskProofUnavailable(`disk-proof stopped after ${answers.length} of ${paths.length} files (exit ${code ?? sig}): ${stderr.trim()}`));
    });
  });
  lines.on('line', (l) => answers.push(parseProofLine(l)));
  child.stdin.end(paths.map((p) => `${p}\n`).join(''));
  await done;
  return answers;
}
