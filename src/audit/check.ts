// Pure: what the checkpoints say about the chain. A checkpoint beyond the head means entries were
// cut off (truncated); one whose hash differs from the stored hash at its seq means the chain was
// rewritten from there on (even when every later hash was recomputed); a bad signature is named.
import type { Checkpoint } from './checkpoint.js';

export type CheckpointProblem = 'truncated' | 'rewritten' | 'bad signature' | 'unreadable';

export interface CheckpointFailure { file: string; seq: number | null; problem: CheckpointProblem; detail: string }

export interface CheckpointInput { file: string; checkpoint?: Checkpoint | undefined; signatureOk: boolean; error?: string | undefined }

export function checkCheckpoints(
  hashAt: (seq: number) => string | undefined, head: { seq: number }, found: readonly CheckpointInput[],
): { count: number; ok: number; failed: CheckpointFailure[] } {
  const failed: CheckpointFailure[] = [];
  for (const f of found) {
    const cp = f.checkpoint;
    if (!cp) { failed.push({ file: f.file, seq: null, problem: 'unreadable', detail: f.error ?? 'unreadable' }); continue; }
    if (!f.signatureOk) {
      failed.push({ file: f.file, seq: cp.seq, problem: 'bad signature', detail: f.error ?? 'signature does not verify with the station key' });
      continue;
    }
    if (cp.seq === 0) continue; // the empty chain
    if (cp.seq > head.seq) {
      failed.push({ file: f.file, seq: cp.seq, problem: 'truncated', detail: `checkpoint at seq ${cp.seq}, the chain ends at seq ${head.seq}` });
      continue;
    }
    const h = hashAt(cp.seq);
    if (h === undefined) failed.push({ file: f.file, seq: cp.seq, problem: 'truncated', detail: `entry ${cp.seq} is missing from the chain` });
    else if (h !== cp.hash) failed.push({ file: f.file, seq: cp.seq, problem: 'rewritten', detail: `entry ${cp.seq} has hash ${h.slice(0, 16)}…, the checkpoint says ${cp.hash.slice(0, 16)}…` });
  }
  return { count: found.length, ok: found.length - failed.length, failed };
}
