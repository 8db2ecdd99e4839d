import path from 'node:path';
import type { EvidenceStore } from './evidence-store';
import { LocalFolderEvidenceStore } from './local-folder-evidence-store';
import { S3EvidenceStore } from './s3-evidence-store';

type Environment = Record<string, string | undefined>;

/**
 * The evidence store the environment asks for:
 *
 * | variable                         | meaning                                                  |
 * | -------------------------------- | -------------------------------------------------------- |
 * | `EVIDENCE_STORE`                 | `local` (default) or `s3`                                |
 * | `EVIDENCE_DIR`                   | local: folder, relative to the working directory; default `.data/evidence` |
 * | `EVIDENCE_S3_ENDPOINT`           | s3: endpoint of an S3-compatible store; unset for AWS    |
 * | `EVIDENCE_S3_REGION`             | s3: default `us-east-1`                                  |
 * | `EVIDENCE_S3_BUCKET`             | s3: required                                             |
 * | `EVIDENCE_S3_ACCESS_KEY_ID`      | s3: required                                             |
 * | `EVIDENCE_S3_SECRET_ACCESS_KEY`  | s3: required                                             |
 * | `EVIDENCE_S3_FORCE_PATH_STYLE`   | s3: `true` (default) or `false`                          |
 *
 * Missing or malformed settings throw an Error that names the variable. An empty value counts as unset.
 */
export function evidenceStoreFromEnvironment(env: Environment = process.env): EvidenceStore {
  const kind = setting(env, 'EVIDENCE_STORE') ?? 'local';
  switch (kind) {
    case 'local':
      return new LocalFolderEvidenceStore(path.resolve(process.cwd(), setting(env, 'EVIDENCE_DIR') ?? '.data/evidence'));
    case 's3':
      return new S3EvidenceStore({
        endpoint: setting(env, 'EVIDENCE_S3_ENDPOINT'),
        region: setting(env, 'EVIDENCE_S3_REGION') ?? 'us-east-1',
        bucket: required(env, 'EVIDENCE_S3_BUCKET'),
        accessKeyId: required(env, 'EVIDENCE_S3_ACCESS_KEY_ID'),
        secretAccessKey: required(env, 'EVIDENCE_S3_SECRET_ACCESS_KEY'),
        forcePathStyle: flag(env, 'EVIDENCE_S3_FORCE_PATH_STYLE', true),
      });
    default:
      throw new Error(`EVIDENCE_STORE must be "local" or "s3", got ${JSON.stringify(kind)}`);
  }
}

function setting(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Environment, name: string): string {
  const value = setting(env, name);
  if (value === undefined) throw new Error(`${name} is required when EVIDENCE_STORE=s3`);
  return value;
}

function flag(env: Environment, name: string, fallback: boolean): boolean {
  const value = setting(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new Error(`${name} must be "true" or "false", got ${JSON.stringify(env[name])}`);
}
