// A refusal: exit code 4 (not permitted). The message says what was refused and why.
import type { RefusalCode } from './rules.js';

export class NotPermittedError extends Error {
  readonly exitCode = 4;
  constructor(readonly code: RefusalCode, message: string) {
    super(message);
    this.name = 'NotPermittedError';
  }
}

/** Bad input (unknown request or recording, hours out of range): exit 2. */
export class AccessUsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'AccessUsageError';
  }
}
