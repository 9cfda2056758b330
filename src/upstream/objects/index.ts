// Public surface of the object upstream (issue 14).
import type { Config } from '../../config/schema.js';
import { Bucket } from './bucket.js';
import { loadCredentials } from './credentials.js';

export { Bucket, type HeadInfo } from './bucket.js';
export { loadCredentials, CredentialsError, type S3Credentials } from './credentials.js';
export { ObjectUpstream, type ObjectUpstreamEnv, type PassResult } from './worker.js';
export { pruneLocal, type PruneResult } from './prune.js';
export * from './rules.js';

/** The bucket of upstream.endpoint, or undefined when no S3 endpoint is configured. Throws CredentialsError (exit 2). */
export function bucketFor(config: Pick<Config, 'upstream'>): Bucket | undefined {
  const u = config.upstream;
  if (u?.endpoint === undefined || u.bucket === undefined || u.credentialsFile === undefined) return undefined;
  return new Bucket({ endpoint: u.endpoint, bucket: u.bucket, region: u.region, credentials: loadCredentials(u.credentialsFile) });
}
