import { createHash } from 'node:crypto';

/**
 * What the case's evidence register keeps about a stored file. The bytes themselves live only in
 * the evidence store (never in Kafka or Postgres); the register holds this reference to them.
 */
export interface StoredEvidence {
  key: string;
  /** Lower-case hex SHA-256 of the stored bytes. */
  sha256: string;
  /** Size in bytes. */
  size: number;
  contentType: string;
}

/**
 * Port for the bytes of evidence files: call recordings, transaction logs, CCTV stills, 双录
 * (dual-recording) sales recordings, documents. Adapters: a local folder (dev, single node) and S3
 * (or any S3-compatible object store).
 */
export interface EvidenceStore {
  readonly kind: 'local-folder' | 's3';
  /**
   * Write-once: a key that already exists is never overwritten (throws EvidenceAlreadyStoredError) —
   * evidence must not change under its register entry.
   */
  put(key: string, bytes: Buffer, contentType: string): Promise<StoredEvidence>;
  /** null when absent. */
  get(key: string): Promise<{ bytes: Buffer; contentType: string } | null>;
  /** Readiness check for /health. */
  check(): Promise<void>;
}

/** Nest injection token for the EvidenceStore. */
export const EVIDENCE_STORE = Symbol('EVIDENCE_STORE');

export class EvidenceAlreadyStoredError extends Error {
  constructor(readonly key: string = '') {
    super(`evidence is already stored under key "${key}" and is never overwritten`);
    this.name = 'EvidenceAlreadyStoredError';
  }
}

/** Same shape as the other UUID checks in this repo (any version); Postgres hands them out lower-case. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The store key of one evidence file: `cases/<caseId>/<evidenceId>`. Both ids must be UUIDs (which
 * also keeps anything path-like out of the key); they are lower-cased so that one id always maps to
 * one key, also on case-sensitive object stores.
 */
export function evidenceKey(caseId: string, evidenceId: string): string {
  if (typeof caseId !== 'string' || !UUID.test(caseId)) throw new Error(`evidenceKey: caseId must be a UUID, got ${JSON.stringify(caseId)}`);
  if (typeof evidenceId !== 'string' || !UUID.test(evidenceId)) {
    throw new Error(`evidenceKey: evidenceId must be a UUID, got ${JSON.stringify(evidenceId)}`);
  }
  return `cases/${caseId.toLowerCase()}/${evidenceId.toLowerCase()}`;
}

/** Lower-case hex SHA-256 of the bytes. */
export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
