import { EXIT } from '../cli/exit.js';

/** A refusal: what was refused and why; exits 4. */
export class NotPermittedError extends Error {
  readonly exitCode = EXIT.notPermitted;
  constructor(readonly what: string, readonly why: string) {
    super(`not permitted: ${what}: ${why}`);
  }
}
