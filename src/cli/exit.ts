// Exit codes of DESIGN §5: 0 ok · 1 failure · 2 usage or configuration error · 3 integrity problem · 4 not permitted.
export const EXIT = { ok: 0, failure: 1, usage: 2, integrity: 3, notPermitted: 4 } as const;

/** Errors that carry their own exit code (ConfigError → 2, IntegrityError → 3). */
export interface CodedError extends Error { exitCode: number }

export function exitCodeFor(err: unknown): number {
  const code = (err as Partial<CodedError>)?.exitCode;
  return typeof code === 'number' ? code : EXIT.failure;
}
