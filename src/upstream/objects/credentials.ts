// The S3 user's keys: a YAML file with accessKeyId and secretAccessKey, readable by the service
// account only. Anything else is refused with the file named (exit 2).
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';

export class CredentialsError extends Error {
  readonly exitCode = 2;
}

export interface S3Credentials { accessKeyId: string; secretAccessKey: string }

export function loadCredentials(file: string): S3Credentials {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new CredentialsError(`upstream.credentialsFile ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message}`);
  }
  if (mode & 0o004) throw new CredentialsError(`upstream.credentialsFile ${file}: readable by everyone (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CredentialsError(`upstream.credentialsFile ${file}: unreadable: ${(err as Error).message}`);
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  for (const k of ['accessKeyId', 'secretAccessKey'] as const) {
    if (typeof d[k] !== 'string' || d[k] === '') throw new CredentialsError(`upstream.credentialsFile ${file}: ${k} missing (a YAML string)`);
  }
  return { accessKeyId: d.accessKeyId as string, secretAccessKey: d.secretAccessKey as string };
}
