/** Polls `fn` every `everyMs` until it returns something other than undefined, or fails after `ms`. */
export async function until<T>(what: string, fn: () => T | undefined, ms = 90_000, everyMs = 150): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
