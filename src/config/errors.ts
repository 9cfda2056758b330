// Configuration errors: every problem in one error, each as `FILE:LINE:COL: key.path: message`,
// so an editor or a custodian can jump straight to the offending line.

/** One problem found in a configuration file. `line`/`col` are 1-based; absent when the file is unreadable. */
export interface ConfigIssue {
  file: string;
  line?: number;
  col?: number;
  /** Dotted key path (`profiles[0].filename`); empty for syntax errors and the document root. */
  path: string;
  message: string;
}

/** Renders a key path from zod's segments: `ingest.concurrency`, `officers[2].badge`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.col ?? 1}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** A configuration that cannot be used. Exit code 2 (usage or configuration error, ARCHITECTURE §5). */
export class ConfigError extends Error {
  readonly exitCode = 2;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
