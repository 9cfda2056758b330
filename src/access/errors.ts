// Refusals (exit 4, not permitted) and bad access input (exit 2). One refusal type for the whole
// CLI: `what` names what was refused (an action, or an access rule's code such as self-approval),
// `why` the reason; the message carries both.
import { EXIT } from '../cli/exit.js';

export class NotPermittedError extends Error {
  readonly exitCode = EXIT.notPermitted;
  constructor(readonly what: string, readonly why: string) {
    super(`not permitted: ${what}: ${why}`);
    this.name = 'NotPermittedError';
  }
  /** The refusal's code as the access rules name it (self-approval, expired, …). */
  get code(): string { return this.what; }
}

/** Bad input (unknown request or recording, hours out of range): exit 2. */
export class AccessUsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'AccessUsageError';
  }
}
