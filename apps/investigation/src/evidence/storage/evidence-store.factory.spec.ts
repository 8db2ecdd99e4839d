import type { S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { evidenceStoreFromEnvironment } from './evidence-store.factory';
import { LocalFolderEvidenceStore } from './local-folder-evidence-store';
import { S3EvidenceStore } from './s3-evidence-store';

describe('evidenceStoreFromEnvironment', () => {
  const s3 = {
    EVIDENCE_STORE: 's3',
    EVIDENCE_S3_BUCKET: 'evidence',
    EVIDENCE_S3_ACCESS_KEY_ID: 'key-id',
    EVIDENCE_S3_SECRET_ACCESS_KEY: 'secret',
  };
  const created: S3EvidenceStore[] = [];
  const s3Store = (env: Record<string, string | undefined>): S3EvidenceStore => {
    const store = evidenceStoreFromEnvironment(env);
    expect(store).toBeInstanceOf(S3EvidenceStore);
    created.push(store as S3EvidenceStore);
    return store as S3EvidenceStore;
  };
  afterAll(() => created.forEach((store) => store.destroy()));

  it('defaults to a local folder at .data/evidence under the working directory', () => {
    const store = evidenceStoreFromEnvironment({});
    expect(store.kind).toBe('local-folder');
    expect((store as LocalFolderEvidenceStore).root).toBe(path.resolve(process.cwd(), '.data/evidence'));
  });

  it('takes EVIDENCE_DIR, relative to the working directory or absolute', () => {
    expect((evidenceStoreFromEnvironment({ EVIDENCE_STORE: 'local', EVIDENCE_DIR: 'var/ev' }) as LocalFolderEvidenceStore).root).toBe(
      path.resolve(process.cwd(), 'var/ev'),
    );
    expect((evidenceStoreFromEnvironment({ EVIDENCE_DIR: '/srv/evidence' }) as LocalFolderEvidenceStore).root).toBe(path.resolve('/srv/evidence'));
  });

  it('builds an S3 store from the EVIDENCE_S3_* settings', () => {
    const store = s3Store({ ...s3, EVIDENCE_S3_ENDPOINT: 'http://127.0.0.1:9000' });
    expect(store.kind).toBe('s3');
    expect(store.bucket).toBe('evidence');
  });

  it.each(['EVIDENCE_S3_BUCKET', 'EVIDENCE_S3_ACCESS_KEY_ID', 'EVIDENCE_S3_SECRET_ACCESS_KEY'])('s3 without %s throws naming it', (name) => {
    expect(() => evidenceStoreFromEnvironment({ ...s3, [name]: undefined })).toThrow(new RegExp(`${name} is required`));
    expect(() => evidenceStoreFromEnvironment({ ...s3, [name]: '  ' })).toThrow(new RegExp(`${name} is required`));
  });

  it('EVIDENCE_S3_FORCE_PATH_STYLE is true by default and must be a boolean', () => {
    const forcePathStyle = (store: S3EvidenceStore): unknown => (store as unknown as { client: S3Client }).client.config.forcePathStyle;
    expect(forcePathStyle(s3Store(s3))).toBe(true);
    expect(forcePathStyle(s3Store({ ...s3, EVIDENCE_S3_FORCE_PATH_STYLE: 'false' }))).toBe(false);
    expect(() => evidenceStoreFromEnvironment({ ...s3, EVIDENCE_S3_FORCE_PATH_STYLE: 'sometimes' })).toThrow(/EVIDENCE_S3_FORCE_PATH_STYLE/);
  });

  it('refuses an unknown EVIDENCE_STORE, naming it', () => {
    expect(() => evidenceStoreFromEnvironment({ EVIDENCE_STORE: 'gcs' })).toThrow(/EVIDENCE_STORE must be "local" or "s3"/);
  });
});
