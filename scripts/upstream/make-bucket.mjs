// Creates the bucket named in s3.json with Object Lock enabled, using the ordinary S3 user's keys
// (credentials.yaml). Idempotent: an existing bucket of this user is left as it is.
import { readFileSync } from 'node:fs';
import { S3Client, CreateBucketCommand, GetObjectLockConfigurationCommand } from '@aws-sdk/client-s3';

const s3 = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const creds = Object.fromEntries(readFileSync(s3.credentialsFile, 'utf8').split('\n').filter(Boolean)
  .map((l) => { const i = l.indexOf(':'); return [l.slice(0, i).trim(), l.slice(i + 1).trim()]; }));
const client = new S3Client({
  endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true,
  credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
});
try {
  await client.send(new CreateBucketCommand({ Bucket: s3.bucket, ObjectLockEnabledForBucket: true }));
} catch (e) {
  if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw e;
}
const lock = await client.send(new GetObjectLockConfigurationCommand({ Bucket: s3.bucket }));
if (lock.ObjectLockConfiguration?.ObjectLockEnabled !== 'Enabled') throw new Error(`bucket ${s3.bucket} has no Object Lock`);
console.error(`[ceph-start] bucket ${s3.bucket} at ${s3.endpoint}: Object Lock enabled`);
