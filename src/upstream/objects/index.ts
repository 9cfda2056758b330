// Public surface of the object upstream (issue 14).
import type { Config } from '../../config/schema.js';
import { Bucket } from './bucket.js';
import { loadCredentials } from './credentials.js';
import { notOnLan } from '../../compliance/lan-webhook.js';

/** A configuration the object upstream cannot use (exit 2). */
export class UpstreamConfigError extends Error {
  readonly exitCode = 2;
}

export { Bucket, type HeadInfo } from './bucket.js';
export { loadCredentials, CredentialsError, type S3Credentials } from './credentials.js';
export { ObjectUpstream, type ObjectUpstreamEnv, type PassResult } from './worker.js';
export { pruneLocal, type PruneResult } from './prune.js';
export * from './rules.js';

/** The bucket of upstream.endpoint, or undefined when no S3 endpoint is configured. Throws CredentialsError (exit 2). */
export function bucketFor(config: Pick<Config, 'upstream'>): Bucket | undefined {
  const u = config.upstream;
  if (u?.endpoint === undefined || u.bucket === undefined || u.credentialsFile === undefined) return undefined;
  // Invariant 6: the only network use is the unit's LAN — the backend server by its LAN address.
  const why = notOnLan(u.endpoint);
  if (why) throw new UpstreamConfigError(`upstream.endpoint ${u.endpoint}: ${why}`);
  return new Bucket({ endpoint: u.endpoint, bucket: u.bucket, region: u.region, credentials: loadCredentials(u.credentialsFile) });
}
