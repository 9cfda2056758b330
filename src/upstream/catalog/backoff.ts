// Pure: how long the catalog worker waits after its n-th consecutive failure (1 s, 2 s, 4 s … capped),
// with ±20 % jitter so several stations do not hammer a restarted server in step.
export interface Backoff { minMs: number; maxMs: number }
export const DEFAULT_BACKOFF: Backoff = { minMs: 1_000, maxMs: 300_000 };

export function backoffMs(failures: number, b: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const base = Math.min(b.maxMs, b.minMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(Math.min(b.maxMs, base * (0.8 + 0.4 * random())));
}

/** Whether the oldest unsent change is older than the limit (art. 14(1): the 24 h rule). */
export function isLate(oldestAt: string | null, now: string, alertAfterHours: number): boolean {
  return oldestAt !== null && Date.parse(now) - Date.parse(oldestAt) > alertAfterHours * 3_600_000;
}
