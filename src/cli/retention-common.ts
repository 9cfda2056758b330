// Small helpers shared by the case, classify, hold, retention and archive commands.
import type { Command } from 'commander';
import { openContext, type Context } from './context.js';

/** Opens the context, runs fn, closes; a thrown error carries its exit code to main.ts. */
export async function withContext<T>(cmd: Command, component: string, fn: (ctx: Context) => Promise<T> | T): Promise<T> {
  const ctx = openContext(cmd, { console: false, component });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

export class CliUsageError extends Error {
  readonly exitCode = 2;
}

/** Recording ids from the command line: positive whole numbers, or a clear usage error. */
export function recordingIds(values: string[], what = 'recording id'): number[] {
  return values.map((v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliUsageError(`not a ${what}: ${JSON.stringify(v)}`);
    return Number(v);
  });
}

export function retentionEnv(ctx: Context) {
  return { custody: ctx.custody, store: ctx.store, config: ctx.loaded.config };
}
