// What a test needs from the machine (root, FUSE, loop devices, QEMU, a network namespace, a
// tool), and what happens when it is missing. Normally the test skips and prints why. Under the
// CI strict mode (EVIDOCK_REQUIRE_ALL=1, set by .ci/run) a missing requirement is a FAILED test
// naming what was missing: CI machines have all of them, so a green run cannot come from skipping.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { it } from 'vitest';

export const STRICT = process.env.EVIDOCK_REQUIRE_ALL === '1';

type Reason = string | undefined | null | false | '';

/** The first unmet requirement's reason, or undefined when all are met. */
export function firstMissing(...reasons: Reason[]): string | undefined {
  for (const r of reasons) if (r) return r;
  return undefined;
}

export function hasTool(cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
  return !r.error;
}

// Reasons, each undefined when the requirement is met.
export const notRoot = (): string | undefined => (process.getuid?.() === 0 ? undefined : 'not root');
export const noFuse = (): string | undefined => (fs.existsSync('/dev/fuse') ? undefined : 'no /dev/fuse');
export const noLoop = (): string | undefined =>
  fs.existsSync('/dev/loop-control') && hasTool('losetup') ? undefined : 'no loop devices (/dev/loop-control, losetup)';
export function missingTools(tools: string[]): string | undefined {
  const missing = tools.filter((t) => !hasTool(t));
  return missing.length ? `missing tools: ${missing.join(', ')}` : undefined;
}
export const noFile = (file: string, what: string): string | undefined => (fs.existsSync(file) ? undefined : `${what} missing (${file})`);

function message(what: string, reason: string): string {
  return `EVIDOCK_REQUIRE_ALL=1: "${what}" cannot run here: ${reason}`;
}

/**
 * For describe.skipIf / it.skipIf at collection time: true means skip. With a reason it prints
 * `[skip] what: reason`; under strict mode it also registers a test, where it is called, that
 * fails naming the missing requirement.
 */
export function skipUnless(what: string, reason: Reason): boolean {
  if (!reason) return false;
  console.warn(`[skip] ${what}: ${reason}`);
  if (STRICT) {
    it(`${what}: required (EVIDOCK_REQUIRE_ALL=1)`, () => {
      throw new Error(message(what, reason));
    });
  }
  return true;
}

/** Inside a running test: skip it (printing why), or under strict mode fail it naming what was missing. */
export function skipTest(ctx: { skip: (note?: string) => void }, what: string, reason: Reason): void {
  if (!reason) return;
  if (STRICT) throw new Error(message(what, reason));
  console.warn(`[skip] ${what}: ${reason}`);
  ctx.skip(reason);
}
