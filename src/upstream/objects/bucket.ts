// The one adapter to the backend server's S3 bucket (Ceph RGW or any S3 with Object Lock).
// Single-part puts: the server checks Content-MD5 on arrival and its ETag is that MD5, so the MD5 is
// "the server's checksum" (Ceph 16 ignores x-amz-checksum-sha256; measured). The SHA-256 rides in
// the metadata and is the key; pruning re-hashes the bytes read back.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Credentials } from './credentials.js';

export interface BucketTarget { endpoint: string; bucket: string; region: string; credentials: S3Credentials }

export interface HeadInfo {
  versionId: string | null; etag: string; size: number;
  mode: string | undefined; retainUntil: string | undefined; legalHold: boolean;
  metaSha256: string | undefined; station: string | undefined;
}

export interface PutInput {
  key: string; body: Readable; size: number; md5Base64: string;
  retainUntil: string; legalHold: boolean; meta: Record<string, string>;
}

const unquote = (s: string | undefined) => (s ?? '').replace(/^"|"$/g, '');

// The SDK is loaded on first use, not with the CLI: it cost every evidock command ~160 ms and
// ~35 MB of RSS (an ingest too), and only the upstream commands and the daemon's sync need it.
type Sdk = typeof import('@aws-sdk/client-s3');
let sdk: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> => (sdk ??= import('@aws-sdk/client-s3'));

export class Bucket {
  #client: S3Client | undefined;
  #closed = false;
  constructor(readonly target: BucketTarget) {}

  private async client(): Promise<{ c: S3Client; s: Sdk }> {
    const s = await loadSdk();
    if (this.#closed) throw new Error('bucket client closed');
    this.#client ??= new s.S3Client({
      endpoint: this.target.endpoint, region: this.target.region, forcePathStyle: true, credentials: this.target.credentials,
      // Ceph 16 rejects the SDK's default streaming checksums on streamed puts.
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1, // retries are the queue's (durable, with backoff), not the SDK's
    });
    return { c: this.#client, s };
  }

  get bucket(): string { return this.target.bucket; }

  /** The object's version (the latest when none is named), or undefined when the bucket has none. */
  async head(key: string, versionId?: string | null, signal?: AbortSignal): Promise<HeadInfo | undefined> {
    const { c, s } = await this.client();
    try {
      const h = await c.send(new s.HeadObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }), { abortSignal: signal });
      return {
        versionId: h.VersionId ?? null, etag: unquote(h.ETag), size: h.ContentLength ?? -1,
        mode: h.ObjectLockMode, retainUntil: h.ObjectLockRetainUntilDate?.toISOString(), legalHold: h.ObjectLockLegalHoldStatus === 'ON',
        metaSha256: h.Metadata?.sha256, station: h.Metadata?.station,
      };
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return undefined;
      throw err;
    }
  }

  async put(p: PutInput, signal?: AbortSignal): Promise<{ versionId: string | null; etag: string }> {
    const { c, s } = await this.client();
    const r = await c.send(new s.PutObjectCommand({
      Bucket: this.bucket, Key: p.key, Body: p.body, ContentLength: p.size, ContentMD5: p.md5Base64,
      ContentType: 'application/octet-stream', Metadata: p.meta,
      ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(p.retainUntil),
      ObjectLockLegalHoldStatus: p.legalHold ? 'ON' : 'OFF',
    }), { abortSignal: signal });
    return { versionId: r.VersionId ?? null, etag: unquote(r.ETag) };
  }

  /** Lengthens the COMPLIANCE retention of one version (the server refuses a shortening: 403). */
  async retainUntil(key: string, versionId: string | null, until: string): Promise<void> {
    const { c, s } = await this.client();
    await c.send(new s.PutObjectRetentionCommand({
      Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}),
      Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(until) },
    }));
  }

  async legalHold(key: string, versionId: string | null, on: boolean): Promise<void> {
    const { c, s } = await this.client();
    await c.send(new s.PutObjectLegalHoldCommand({
      Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}), LegalHold: { Status: on ? 'ON' : 'OFF' },
    }));
  }

  /** SHA-256 (hex) of the version's bytes read back from the server. */
  async rehash(key: string, versionId: string | null, signal?: AbortSignal): Promise<string> {
    const { c, s } = await this.client();
    const r = await c.send(new s.GetObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }), { abortSignal: signal });
    const h = createHash('sha256');
    for await (const chunk of r.Body as AsyncIterable<Uint8Array>) h.update(chunk);
    return h.digest('hex');
  }

  close(): void {
    this.#closed = true;
    this.#client?.destroy();
  }
}
