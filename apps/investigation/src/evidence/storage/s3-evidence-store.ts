import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { EvidenceAlreadyStoredError, type EvidenceStore, type StoredEvidence } from './evidence-store';

export interface S3EvidenceStoreOptions {
  /** For S3-compatible stores (MinIO, Ceph, s3rver); omit for AWS S3. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`; most S3-compatible stores need it. */
  forcePathStyle: boolean;
}

/** Object metadata (`x-amz-meta-sha256`) holding the hex SHA-256 the register also keeps. */
const SHA256_METADATA = 'sha256';

/**
 * Evidence bytes as objects in an S3 bucket (AWS S3 or an S3-compatible store).
 *
 * Write-once, in three layers:
 *  1. `PutObject` with `If-None-Match: *` — the store itself refuses to replace an existing key (412).
 *     AWS S3 honours this (since 2024), and so do recent MinIO releases. s3rver (used in the tests)
 *     ignores the header on PUT and overwrites.
 *  2. A `HeadObject` before the PUT, for stores that ignore the header. This alone is check-then-act:
 *     two writers can both see "absent".
 *  3. Puts of one key are serialised within this process, which closes that gap for one replica.
 *  Across replicas on a store that ignores `If-None-Match`, two simultaneous puts of one key can still
 *  both succeed (the later bytes win). Keys are `cases/<caseId>/<evidenceId>` with a fresh evidence
 *  id per upload, so that needs two replicas writing the same new evidence id at the same moment.
 *
 * Integrity: the PUT carries `x-amz-checksum-sha256` (ChecksumSHA256), so AWS S3 rejects bytes that
 * were altered on the way and keeps the checksum for later reads (the SDK then validates GETs against
 * it). s3rver accepts the header but neither verifies nor stores it.
 *
 * IAM: s3:PutObject, s3:GetObject and s3:ListBucket on the bucket. Without ListBucket, S3 answers a
 * HEAD/GET of a missing key with 403 instead of 404, and put/get then fail instead of seeing "absent".
 */
export class S3EvidenceStore implements EvidenceStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(options: S3EvidenceStoreOptions, clientOverrides: Partial<S3ClientConfig> = {}) {
    for (const name of ['region', 'bucket', 'accessKeyId', 'secretAccessKey'] as const) {
      if (typeof options[name] !== 'string' || options[name].trim() === '') throw new Error(`S3EvidenceStore: ${name} is required`);
    }
    this.bucket = options.bucket;
    this.client = new S3Client({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      region: options.region,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      forcePathStyle: options.forcePathStyle,
      ...clientOverrides,
    });
  }

  put(key: string, bytes: Buffer, contentType: string): Promise<StoredEvidence> {
    assertKey(key);
    if (!Buffer.isBuffer(bytes)) throw new TypeError('S3EvidenceStore.put: bytes must be a Buffer');
    if (typeof contentType !== 'string' || contentType.trim() === '') throw new TypeError('S3EvidenceStore.put: contentType is required');
    return this.oneAtATime(key, async () => {
      const digest = createHash('sha256').update(bytes).digest();
      const stored: StoredEvidence = { key, sha256: digest.toString('hex'), size: bytes.length, contentType };
      if (await this.exists(key)) throw new EvidenceAlreadyStoredError(key);
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: bytes,
            ContentLength: bytes.length,
            ContentType: contentType,
            IfNoneMatch: '*',
            ChecksumSHA256: digest.toString('base64'),
            Metadata: { [SHA256_METADATA]: stored.sha256 },
          }),
        );
      } catch (e) {
        // 412: the key exists. 409 (ConditionalRequestConflict): another conditional write of this key
        // is in progress — it, not this one, will be the evidence.
        const status = httpStatus(e);
        if (status === 412 || status === 409) throw new EvidenceAlreadyStoredError(key);
        throw e;
      }
      return stored;
    });
  }

  async get(key: string): Promise<{ bytes: Buffer; contentType: string } | null> {
    assertKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!response.Body) throw new Error(`S3EvidenceStore.get: no body for ${key}`);
      const bytes = Buffer.from(await response.Body.transformToByteArray());
      return { bytes, contentType: response.ContentType ?? 'application/octet-stream' };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      throw new Error(`evidence bucket "${this.bucket}" is not reachable: ${describe(e)}`, { cause: e });
    }
  }

  /** Closes the client's sockets (for shutdown hooks and tests). */
  destroy(): void {
    this.client.destroy();
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** Runs puts of the same key one after the other within this process. */
  private async oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.inFlight.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.inFlight.get(key) === settled) this.inFlight.delete(key);
    }
  }
}

function assertKey(key: string): void {
  if (typeof key !== 'string' || key === '' || key.length > 1024) throw new Error(`S3EvidenceStore: invalid key ${JSON.stringify(key)}`);
}

function httpStatus(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null || !('$metadata' in e)) return undefined;
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = e instanceof Error ? e.name : undefined;
  if (name === 'NoSuchBucket') return false; // also a 404, but a misconfiguration, not an absent key
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatus(e) === 404;
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const status = httpStatus(e);
  return status ? `${e.name} (HTTP ${status})${e.message && e.message !== 'UnknownError' ? `: ${e.message}` : ''}` : `${e.name}: ${e.message}`;
}
