import { Injectable } from '@nestjs/common';
import { KeyObject } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { chainHash, columnsProblem, GENESIS_HASH } from '../archive/hash-chain';
import { CheckpointConfig, checkpointConfigFromEnv } from './checkpoint-config';
import {
  Checkpoint,
  CHECKPOINTS_EXPORT_FORMAT,
  checkpointDue,
  CheckpointChainVerdict,
  GENESIS_CHECKPOINT_HASH,
  merkleRoot,
  publicKeyPem,
  signCheckpoint,
  verifyCheckpointChain,
} from './merkle';

/** Checkpoints per export: a longer list is exported in pages, `?after=<seqTo of the last>`. */
export const CHECKPOINT_EXPORT_PAGE = 10_000;

export interface CheckpointsExport {
  format: typeof CHECKPOINTS_EXPORT_FORMAT;
  /** False when no signing key is configured: no new checkpoints are made. */
  enabled: boolean;
  exportedAt: string;
  publicKeys: { keyId: string; publicKeyPem: string }[];
  checkpoints: Checkpoint[];
  /** True when more checkpoints follow: ask again with `?after=` the last one's seqTo. */
  more: boolean;
}

/** Why a checkpoint was not made although entries were waiting. */
export class CheckpointRefused extends Error {}

/** A checkpoints row as read with its seqs as text (bigint). */
export interface CheckpointRow {
  seq_from: string;
  seq_to: string;
  merkle_root: string;
  previous_checkpoint_hash: string;
  signed_at: Date;
  key_id: string;
  signature: string;
  checkpoint_hash: string;
}

// Ordered by the table's column, never by the text alias of the same name: '10' sorts before '9'.
const COLUMNS = `seq_from::text AS seq_from, seq_to::text AS seq_to, merkle_root, previous_checkpoint_hash, signed_at, key_id, signature, checkpoint_hash`;

export const checkpointFromRow = (r: CheckpointRow): Checkpoint => ({
  seqFrom: Number(r.seq_from),
  seqTo: Number(r.seq_to),
  merkleRoot: r.merkle_root,
  previousCheckpointHash: r.previous_checkpoint_hash,
  signedAt: r.signed_at.toISOString(),
  keyId: r.key_id,
  signature: r.signature,
  checkpointHash: r.checkpoint_hash,
});

/** One lock per schema: every replica of the archive on the same schema takes the same one. */
const LOCK = `hashtextextended(current_schema() || '.archive-checkpoints', 0)`;

interface StoredEntry {
  seq: string;
  canonical: string;
  prev_hash: string;
  entry_hash: string;
  complaint_id: string;
  event_type: string;
  occurred_at: Date;
}

const ENTRY_COLUMNS = `seq::text AS seq, canonical, prev_hash, entry_hash, complaint_id::text AS complaint_id, event_type, occurred_at`;

/** A checkpoint vouches for the columns entries are selected by as well: they must say what the hashed text says. */
const columnsProblemOf = (row: StoredEntry) =>
  columnsProblem(row.canonical, { complaintId: row.complaint_id, eventType: row.event_type, occurredAt: row.occurred_at });

@Injectable()
export class CheckpointsService {
  /** Read at start-up, so a wrong key or setting stops the service instead of failing later. */
  readonly config: CheckpointConfig = checkpointConfigFromEnv();

  constructor(private readonly dataSource: DataSource) {}

  get enabled(): boolean {
    return this.config.signing !== null;
  }

  /** Every key a stored checkpoint may be signed with: the current one and retired ones. */
  knownKeys(): Map<string, KeyObject> {
    const keys = new Map(this.config.retired);
    if (this.config.signing) keys.set(this.config.signing.keyId, this.config.signing.publicKey);
    return keys;
  }

  /**
   * Makes the next checkpoint, in one transaction under the schema's advisory lock, so two
   * replicas never sign the same range: from the entry after the last checkpoint to the head,
   * at most `every` entries. `due` (the scheduler) cuts only when checkpointDue says so and
   * skips when another replica holds the lock; otherwise it waits for the lock and cuts whatever
   * is pending. Null when there is nothing to cut. Before signing, the entries are checked
   * against their hashes and links: a checkpoint never vouches for entries that do not verify.
   */
  async cutNext(mode: 'due' | 'now', now = () => new Date()): Promise<Checkpoint | null> {
    const signing = this.config.signing;
    if (!signing) return null;
    return this.dataSource.transaction(async (manager) => {
      if (mode === 'due') {
        const [{ locked }]: { locked: boolean }[] = await manager.query(`SELECT pg_try_advisory_xact_lock(${LOCK}) AS locked`);
        if (!locked) return null;
      } else {
        await manager.query(`SELECT pg_advisory_xact_lock(${LOCK})`);
      }
      const [last]: { seq_to: string; checkpoint_hash: string }[] = await manager.query(
        `SELECT seq_to::text AS seq_to, checkpoint_hash FROM checkpoints ORDER BY checkpoints.seq_to DESC LIMIT 1`,
      );
      const [head]: { seq: string }[] = await manager.query(`SELECT seq::text AS seq FROM chain_head`);
      const lastTo = last ? BigInt(last.seq_to) : 0n;
      const headSeq = BigInt(head.seq);
      const pending = headSeq - lastTo;
      if (pending <= 0n) return null;
      const seqFrom = lastTo + 1n;
      const seqTo = pending > BigInt(this.config.every) ? lastTo + BigInt(this.config.every) : headSeq;
      if (mode === 'due') {
        const [oldest]: { archived_at: Date }[] = await manager.query(`SELECT archived_at FROM archive_entries WHERE seq = $1`, [seqFrom.toString()]);
        const age = oldest ? now().getTime() - oldest.archived_at.getTime() : null;
        if (!checkpointDue(Number(pending), this.config.every, age, this.config.intervalMs)) return null;
      }
      const entries = await this.entriesChecked(manager, seqFrom, seqTo);
      const checkpoint = signCheckpoint(
        {
          seqFrom: Number(seqFrom),
          seqTo: Number(seqTo),
          merkleRoot: merkleRoot(entries),
          previousCheckpointHash: last?.checkpoint_hash ?? GENESIS_CHECKPOINT_HASH,
          signedAt: now().toISOString(),
          keyId: signing.keyId,
        },
        signing.privateKey,
      );
      await manager.query(
        `INSERT INTO checkpoints (seq_from, seq_to, merkle_root, previous_checkpoint_hash, signed_at, key_id, signature, checkpoint_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          checkpoint.seqFrom,
          checkpoint.seqTo,
          checkpoint.merkleRoot,
          checkpoint.previousCheckpointHash,
          checkpoint.signedAt,
          checkpoint.keyId,
          checkpoint.signature,
          checkpoint.checkpointHash,
        ],
      );
      return checkpoint;
    });
  }

  /** The entry hashes of seqFrom..seqTo, after checking every entry hashes and links as stored. */
  private async entriesChecked(manager: EntityManager, seqFrom: bigint, seqTo: bigint): Promise<string[]> {
    const rows: StoredEntry[] = await manager.query(
      `SELECT ${ENTRY_COLUMNS} FROM archive_entries WHERE seq BETWEEN $1 AND $2 ORDER BY archive_entries.seq`,
      [seqFrom.toString(), seqTo.toString()],
    );
    let expectedPrev = GENESIS_HASH;
    if (seqFrom > 1n) {
      const [before]: { entry_hash: string }[] = await manager.query(`SELECT entry_hash FROM archive_entries WHERE seq = $1`, [(seqFrom - 1n).toString()]);
      if (!before) throw new CheckpointRefused(`entry ${seqFrom - 1n}, before the range to checkpoint, is missing`);
      expectedPrev = before.entry_hash;
    }
    let expectedSeq = seqFrom;
    for (const row of rows) {
      if (BigInt(row.seq) !== expectedSeq) throw new CheckpointRefused(`entry ${expectedSeq} is missing`);
      if (row.prev_hash !== expectedPrev) throw new CheckpointRefused(`entry ${row.seq}: previous-hash link does not match the entry before it`);
      if (chainHash(row.prev_hash, row.canonical) !== row.entry_hash) throw new CheckpointRefused(`entry ${row.seq}: entry content does not match its hash`);
      const columns = columnsProblemOf(row);
      if (columns) throw new CheckpointRefused(`entry ${row.seq}: ${columns}`);
      expectedPrev = row.entry_hash;
      expectedSeq += 1n;
    }
    if (expectedSeq !== seqTo + 1n) throw new CheckpointRefused(`entry ${expectedSeq} is missing`);
    return rows.map((r) => r.entry_hash);
  }

  /** The checkpoints after seqTo `after` (all from the first without it), a page at most. */
  async exportCheckpoints(after?: string): Promise<CheckpointsExport> {
    const rows: CheckpointRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM checkpoints WHERE seq_to > $1 ORDER BY checkpoints.seq_to LIMIT ${CHECKPOINT_EXPORT_PAGE + 1}`,
      [after ?? '0'],
    );
    const checkpoints = rows.slice(0, CHECKPOINT_EXPORT_PAGE).map(checkpointFromRow);
    return {
      format: CHECKPOINTS_EXPORT_FORMAT,
      enabled: this.enabled,
      exportedAt: new Date().toISOString(),
      publicKeys: [...this.knownKeys()].map(([keyId, key]) => ({ keyId, publicKeyPem: publicKeyPem(key) })),
      checkpoints,
      more: rows.length > CHECKPOINT_EXPORT_PAGE,
    };
  }

  /**
   * Every checkpoint, in one snapshot: its range follows the one before, it names the one
   * before's hash, its hash and signature verify, and its Merkle root is the one recomputed from
   * the stored entries, each entry's hash recomputed from its stored text, so a changed byte
   * anywhere in a covered entry names the checkpoint that covers it; and each covered entry's
   * stored columns must match its text.
   */
  async verify(): Promise<CheckpointChainVerdict & { entriesCovered: number }> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const checkpoints = ((await manager.query(`SELECT ${COLUMNS} FROM checkpoints ORDER BY checkpoints.seq_to`)) as CheckpointRow[]).map(checkpointFromRow);
      // Recomputed one checkpoint at a time, so only one range of entries is in memory at once.
      const roots: ({ root: string } | { problem: string })[] = [];
      for (const c of checkpoints) roots.push(await this.recomputedRoot(manager, c));
      const verdict = verifyCheckpointChain(checkpoints, this.knownKeys(), (_c, i) => roots[i]);
      const covered = checkpoints.slice(0, verdict.intact ? checkpoints.length : verdict.checkpoints - 1).reduce((n, c) => n + (c.seqTo - c.seqFrom + 1), 0);
      return { ...verdict, entriesCovered: covered };
    });
  }

  private async recomputedRoot(manager: EntityManager, c: Checkpoint): Promise<{ root: string } | { problem: string }> {
    if (!Number.isSafeInteger(c.seqFrom) || !Number.isSafeInteger(c.seqTo) || c.seqTo < c.seqFrom) return { problem: 'range is malformed' };
    const rows: StoredEntry[] = await manager.query(
      `SELECT ${ENTRY_COLUMNS} FROM archive_entries WHERE seq BETWEEN $1 AND $2 ORDER BY archive_entries.seq`,
      [c.seqFrom, c.seqTo],
    );
    const present = new Set(rows.map((r) => Number(r.seq)));
    for (let seq = c.seqFrom; seq <= c.seqTo; seq++) {
      if (!present.has(seq)) return { problem: `entry ${seq}, which it covers, is missing` };
    }
    for (const r of rows) {
      const columns = columnsProblemOf(r);
      if (columns) return { problem: `entry ${r.seq}, which it covers: ${columns}` };
    }
    return { root: merkleRoot(rows.map((r) => chainHash(r.prev_hash, r.canonical))) };
  }
}
