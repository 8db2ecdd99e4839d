import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { EvidenceAlreadyStoredError, evidenceKey, sha256Hex } from './evidence-store';
import { evidenceStoreContract } from './evidence-store.contract';
import { S3EvidenceStore, type S3EvidenceStoreOptions } from './s3-evidence-store';

/** The adapter against s3rver, an S3-compatible server in Node, on an ephemeral port with its data in a temp folder. */
describe('S3EvidenceStore (against s3rver)', () => {
  const bucket = 'evidence';
  let directory: string;
  let server: S3rver;
  let options: S3EvidenceStoreOptions;
  let store: S3EvidenceStore;
  let raw: S3Client; // for looking behind the adapter

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'evidence-s3rver-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
    const { port } = await server.run();
    options = {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket,
      accessKeyId: 'S3RVER', // s3rver's fixed credentials; it checks the signatures
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    };
    store = new S3EvidenceStore(options);
    raw = new S3Client({ endpoint: options.endpoint, region: options.region, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  });

  afterAll(async () => {
    store?.destroy();
    raw?.destroy();
    await server?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  evidenceStoreContract(() => store);

  it('is the s3 kind', () => {
    expect(store.kind).toBe('s3');
  });

  it('stores the hex SHA-256 as object metadata "sha256" and the content type on the object', async () => {
    const key = evidenceKey(randomUUID(), randomUUID());
    const bytes = Buffer.from('双录 sales recording');
    await store.put(key, bytes, 'video/mp4');

    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.Metadata).toEqual({ sha256: sha256Hex(bytes) });
    expect(head.ContentType).toBe('video/mp4');
    expect(head.ContentLength).toBe(bytes.length);
  });

  it('refuses a key that exists even though s3rver ignores If-None-Match (the HEAD check catches it)', async () => {
    const key = evidenceKey(randomUUID(), randomUUID());
    // s3rver overwrites despite If-None-Match: * ...
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('one'), IfNoneMatch: '*' }));
    await expect(raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('two'), IfNoneMatch: '*' }))).resolves.toBeDefined();
    // ... the adapter does not.
    await expect(store.put(key, Buffer.from('three'), 'text/plain')).rejects.toBeInstanceOf(EvidenceAlreadyStoredError);
    expect((await store.get(key))?.bytes.toString()).toBe('two');
  });

  it('fails get, put and check for a bucket that does not exist instead of reporting the evidence absent', async () => {
    const missing = new S3EvidenceStore({ ...options, bucket: 'no-such-bucket' });
    try {
      const key = evidenceKey(randomUUID(), randomUUID());
      await expect(missing.get(key)).rejects.toMatchObject({ name: 'NoSuchBucket' });
      await expect(missing.put(key, Buffer.from('x'), 'text/plain')).rejects.toMatchObject({ name: 'NoSuchBucket' });
      await expect(missing.check()).rejects.toThrow(/evidence bucket "no-such-bucket" is not reachable/);
    } finally {
      missing.destroy();
    }
  });

  it('fails check() when the server cannot be reached', async () => {
    const unreachable = new S3EvidenceStore({ ...options, endpoint: 'http://127.0.0.1:1' }, { maxAttempts: 1 });
    try {
      await expect(unreachable.check()).rejects.toThrow(/evidence bucket "evidence" is not reachable/);
    } finally {
      unreachable.destroy();
    }
  });
});
